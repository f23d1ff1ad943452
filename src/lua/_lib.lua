--[[
  _lib.lua: helpers every script shares.  util/lua2c.sh puts this file in
  front of each script (files whose name starts with "_" are not scripts
  of their own), so a script's line N is reported as N + the length of
  this file.

  hp_now()                      Redis's clock, unix ms: the only clock
  hp_null                       JSON null
  hp_object(keys, t)            a JSON object of t's fields, in the order of
                                the list keys (a nil field is null)
  hp_array(list)                a JSON array of the values of list
  hp_json(v)                    the JSON text of a value (string, integer,
                                boolean, hp_null, hp_object, hp_array)
  hp_str(s)                     the JSON text of a string, exactly as
                                cjson.encode writes it
  hp_append(events, policy, prefix, at, type, fields)
                                XADD the event {"event_id":"<n>","at":<at>
                                <fields>}: n from <prefix>:event_seq, at
                                the time (unix ms, digits), fields the
                                JSON text of the others, each
                                ',"<name>":<value>' (hp_str, hp_json): an
                                event written by one concatenation, no
                                table
  hp_emit(events, policy, prefix, now, type, keys, data)
                                hp_append of data's fields in the order
                                of the list keys (hp_json of each).
                                policy is the scripts' ARGV[2]: "<maxlen>",
                                or "<maxlen> <group>" with
                                hashpay_events_group.  Without a group,
                                XADD ... MAXLEN ~ maxlen (unread events
                                can be trimmed); with one, a plain XADD,
                                and every TRIM_EVERY-th event (event_id a
                                multiple of it) hp_trim()
  hp_guard(events, policy, prefix, emits)
                                the first statement of every script that
                                may append an event (before anything
                                changes: Redis does not roll a script
                                back).  With a group: creates it if it is
                                missing (XGROUP CREATE ... $ MKSTREAM), and
                                when hp_unacked() >= maxlen raises an
                                error with "EVENTS_BACKLOG ..." in it (the
                                module answers 503 events_backlog) unless
                                emits(prefix), called only then, says
                                that this call appends no event
  hp_unacked(events, group, create)
                                what the group has not acknowledged: its
                                pending entries (delivered, not XACKed)
                                plus the entries after its
                                last-delivered-id (XINFO GROUPS "lag";
                                when Redis cannot tell it, after an XDEL
                                at or past that id, XLEN is counted
                                instead: an upper bound).  0 for a missing
                                group, created first if create
  hp_trim(events, group)        XTRIM MINID: the entries older than the
                                oldest one the group still needs (its
                                oldest pending entry, else its
                                last-delivered-id) go, exactly; never one
                                it has not acknowledged

  hp_probe()                    the slot probe (below), the first statement
                                of every script: "local moving =
                                hp_probe() if moving then return moving
                                end"; nil, or the TRYAGAIN error reply to
                                return while hashpay_prefix's slot is
                                being migrated (the module answers 503)
  hp_PROBE1, hp_PROBE2          its two keys, for a script that folds the
                                probe into its own first read (EXISTS,
                                MGET) and then calls hp_moving(reply)
  hp_moving(reply)              the TRYAGAIN error reply if that read
                                failed, else nil
]]

-- the helpers are locals (hp_<name>): a table of them costs a call more

--[[
  The slot probe.  The scripts read and write keys that they do not
  declare (KEYS[1] only pins the slot).  While a Redis Cluster migrates
  that slot, those keys are split between two nodes: on the source,
  Redis 7.0 stops a script at the first key it does not hold ("Script
  attempted to access a non local key"), after what the script wrote
  before that (no rollback); on the target, reached by ASK + ASKING, a
  key still on the source reads as missing (a second purchase, a
  forgotten dedupe).  EXISTS of two keys that never exist fails on both
  nodes as long as the slot is open (the source redirects missing keys,
  the target refuses several missing keys: TRYAGAIN), and on no node
  otherwise, so the script answers TRYAGAIN before anything.  Outside a
  cluster it is one EXISTS, or no call at all where a script reads the
  two keys in its own first command (tweet.lua, transaction.lua).
]]
local hp_PROBE1 = KEYS[1] .. ':hashpay-slot-probe:1'
local hp_PROBE2 = KEYS[1] .. ':hashpay-slot-probe:2'

local function hp_moving(reply)
  if type(reply) == 'table' and reply.err then
    return redis.error_reply('TRYAGAIN hashpay: the slot is being '
                             .. 'migrated (' .. reply.err .. ')')
  end
  return nil
end

local function hp_probe()
  return hp_moving(redis.pcall('EXISTS', hp_PROBE1, hp_PROBE2))
end

local hp_null = { json = 'null' }

local function hp_now()
  local t = redis.call('TIME')
  -- arithmetic converts the strings: tonumber() converts them twice
  return t[1] * 1000 + math.floor(t[2] / 1000)
end

-- a string that needs no escape in JSON (no control character, '"',
-- '\\', '/' or byte >= 128) is quoted as it is, exactly as cjson.encode
-- would write it (cjson also escapes "/"): cjson.encode costs more than
-- the rest of an event together.  Anchored, the pattern is one match
-- over the string (unanchored, string.find tries it at every offset)
local NO_ESCAPE = '^[^%c"\\/\128-\255]*$'

local function hp_str(s)
  if string.find(s, NO_ESCAPE) then
    return '"' .. s .. '"'
  end
  return cjson.encode(s)
end

local function hp_json(v)
  local t = type(v)

  if v == nil then
    return 'null'
  elseif t == 'string' then
    return hp_str(v)
  elseif t == 'number' then
    if v == math.floor(v) and v >= -9007199254740992
       and v <= 9007199254740992 then
      return string.format('%d', v)
    end
    return cjson.encode(v)
  elseif t == 'boolean' then
    return v and 'true' or 'false'
  elseif t == 'table' and v.json then
    return v.json
  end

  error('hp.json: cannot encode a ' .. t)
end

-- the field names are the scripts' own constants ([a-z_]): no escape
local function hp_object(keys, t)
  local parts = {}
  for i, k in ipairs(keys) do
    parts[i] = '"' .. k .. '":' .. hp_json(t[k])
  end
  return { json = '{' .. table.concat(parts, ',') .. '}' }
end

local function hp_array(list)
  local parts = {}
  for i, v in ipairs(list) do
    parts[i] = hp_json(v)
  end
  return { json = '[' .. table.concat(parts, ',') .. ']' }
end

-- events: see hp_emit; TRIM_EVERY is documented in src/lua/README.md
local TRIM_EVERY = 100

-- "<maxlen>" or "<maxlen> <group>": maxlen (a string), group or nil
local function hp_policy(policy)
  -- a plain find first: without a group (the default) no pattern runs
  if not string.find(policy, ' ', 1, true) then
    return policy, nil
  end
  local maxlen, group = string.match(policy, '^(%d+) (%S+)$')
  if maxlen then
    return maxlen, group
  end
  return policy, nil
end

-- the group's XINFO GROUPS entry as a table, or nil (no stream, no group)
local function group_info(events, group)
  local groups = redis.pcall('XINFO', 'GROUPS', events)
  if groups.err then
    return nil
  end
  for _, g in ipairs(groups) do
    local t = {}
    for i = 1, #g, 2 do
      t[g[i]] = g[i + 1]
    end
    if t.name == group then
      return t
    end
  end
  return nil
end

local function hp_unacked(events, group, create)
  local g = group_info(events, group)
  if not g then
    if create then
      redis.call('XGROUP', 'CREATE', events, group, '$', 'MKSTREAM')
    end
    return 0
  end
  local lag = g.lag
  if not lag then
    lag = redis.call('XLEN', events)
  end
  return g.pending + lag
end

local function hp_guard(events, policy, prefix, emits)
  local maxlen, group = hp_policy(policy)
  if not group then
    return
  end
  local unacked = hp_unacked(events, group, true)
  if unacked < tonumber(maxlen) then
    return
  end
  if emits and not emits(prefix) then
    return
  end
  -- a plain error (Redis 7 puts "ERR ..." around it, Redis 6.2 "ERR Error
  -- running script ..."): the module looks for the word anywhere in it
  error('EVENTS_BACKLOG group "' .. group .. '" has ' .. unacked
        .. ' unacknowledged events, hashpay_events_maxlen ' .. maxlen, 0)
end

local function hp_trim(events, group)
  local g = group_info(events, group)
  if not g then
    return 0
  end
  local p = redis.call('XPENDING', events, group, '-', '+', 1)
  local minid = g['last-delivered-id']
  if p[1] then
    minid = p[1][1]
  end
  return redis.call('XTRIM', events, 'MINID', minid)
end

local function hp_append(events, policy, prefix, at, etype, fields)
  local seq = redis.call('INCR', prefix .. ':event_seq')
  local json = '{"event_id":"' .. string.format('%d', seq) .. '","at":'
               .. at .. fields .. '}'
  local maxlen, group = hp_policy(policy)
  if not group then
    redis.call('XADD', events, 'MAXLEN', '~', maxlen, '*',
               'type', etype, 'data', json)
    return
  end
  redis.call('XADD', events, '*', 'type', etype, 'data', json)
  if seq % TRIM_EVERY == 0 then
    hp_trim(events, group)
  end
end

local function hp_emit(events, policy, prefix, now, etype, keys, data)
  local parts = {}
  for i, k in ipairs(keys) do
    parts[i] = ',"' .. k .. '":' .. hp_json(data[k])
  end
  hp_append(events, policy, prefix, hp_json(now), etype,
            table.concat(parts))
end
