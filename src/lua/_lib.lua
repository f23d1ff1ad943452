--[[
  _lib.lua: helpers every script shares.  util/lua2c.sh puts this file in
  front of each script (files whose name starts with "_" are not scripts
  of their own), so a script's line N is reported as N + the length of
  this file.

  hp.now()                      Redis's clock, unix ms: the only clock
  hp.null                       JSON null
  hp.object(keys, t)            a JSON object of t's fields, in the order of
                                the list keys (a nil field is null)
  hp.array(list)                a JSON array of the values of list
  hp.json(v)                    the JSON text of a value (string, integer,
                                boolean, hp.null, hp.object, hp.array)
  hp.emit(events, maxlen, prefix, now, type, keys, data)
                                XADD the event: data gets event_id (from
                                <prefix>:event_seq) and at (now) in front
]]

local hp = {}

hp.null = { json = 'null' }

function hp.now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

function hp.json(v)
  local t = type(v)

  if v == nil then
    return 'null'
  elseif t == 'string' then
    return cjson.encode(v)
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

function hp.object(keys, t)
  local parts = {}
  for i, k in ipairs(keys) do
    parts[i] = cjson.encode(k) .. ':' .. hp.json(t[k])
  end
  return { json = '{' .. table.concat(parts, ',') .. '}' }
end

function hp.array(list)
  local parts = {}
  for i, v in ipairs(list) do
    parts[i] = hp.json(v)
  end
  return { json = '[' .. table.concat(parts, ',') .. ']' }
end

function hp.emit(events, maxlen, prefix, now, etype, keys, data)
  local all = { 'event_id', 'at' }
  for _, k in ipairs(keys) do
    all[#all + 1] = k
  end
  data.event_id = tostring(redis.call('INCR', prefix .. ':event_seq'))
  data.at = now
  redis.call('XADD', events, 'MAXLEN', '~', maxlen, '*',
             'type', etype, 'data', hp.object(all, data).json)
end
