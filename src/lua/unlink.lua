--[[
  unlink.lua: a user's card link goes, and with it what it was paying for
  and the cashback it had claimed (SPEC sections 4, 6 and 10).  Shared by
  the platform's revoke (user_event.revoke: the user withdrew the app's
  access) and the admin DELETE of a link.

  KEYS[1]    events: <prefix>:events
  ARGV[1]    prefix: hashpay_prefix
  ARGV[2]    events_policy: maxlen, or "maxlen group" (_lib.lua hp_emit)
  ARGV[3]    user: user id_str
  ARGV[4]    by: "revoke" (the platform) or "admin" (DELETE links/<user_id>)
  ARGV[5]    date_time: revoke only: unix ms ("" or absent: unknown)
  ARGV[6]    dedupe_ttl: revoke only: ms (hashpay_dedupe_ttl)

  Answers { linked, purchases_cancelled, claims_voided } (integers):
  { 0, 0, 0 } when nothing changes and nothing is emitted: the user has
  no link (a redelivered revoke, say); or, for a revoke with a date_time,
  that revoke already acted (<prefix>:revoke:<user>:<date_time>, set for
  the dedupe ttl in the same step as its effect, so that a replay after
  the user linked again changes nothing), or it is older than the link's
  linked_at (the user linked again after revoking).  A revoke without a
  date_time acts and is not remembered.  Otherwise the link and
  its card key are deleted; for "revoke" link.revoked { user_id } is
  emitted first; every pending purchase of the user that has not expired
  (<prefix>:user_pending:<user>, scored by expires_at) is cancelled
  (state cancelled, cancelled_at, its TTL removed: a record that stays,
  hold released, pending key deleted) with one intent.cancelled
  { purchase_id, offer, user_id, reason "unlinked" } each, oldest first.
  Expired pending purchases stay as they are (they read "expired" until
  their hash expires).  Every claim that could still be redeemed
  (<prefix>:claims:<user>) becomes void (state void, voided_at) and the
  set goes with its indexes by merchant and currency
  (<prefix>:claims:<user>:<merchant_id>:<currency>), so linking the same
  card again brings none back; no event reports a voided claim (the SPEC
  has none), claims_voided counts them.  The work is bounded by the
  user's live pending purchases and saved claims.

  With hashpay_events_group, an error reply with "EVENTS_BACKLOG" (503
  events_backlog) before anything changes while the group has maxlen
  events unacknowledged (_lib.lua hp_guard), when the call may append an
  event: the user has a link, and it is a revoke or the user has pending
  purchases.  An admin DELETE that can emit nothing proceeds.
]]

local moving = hp_probe()
if moving then
  return moving
end

hp_guard(KEYS[1], ARGV[2], ARGV[1], function (p)
  return redis.call('EXISTS', p .. ':link:' .. ARGV[3]) == 1
         and (ARGV[4] == 'revoke'
              or redis.call('ZCOUNT', p .. ':user_pending:' .. ARGV[3],
                            '(' .. hp_now(), '+inf') > 0)
end)

local prefix = ARGV[1]
local maxlen = ARGV[2]
local user = ARGV[3]
local how = ARGV[4]
local revoked_at = tonumber(ARGV[5] or '')
local dedupe_ttl = tonumber(ARGV[6] or '')

local link_key = prefix .. ':link:' .. user

if redis.call('EXISTS', link_key) == 0 then
  return { 0, 0, 0 }
end

local revoke_key

if how == 'revoke' and revoked_at then
  revoke_key = prefix .. ':revoke:' .. user .. ':' .. revoked_at

  if redis.call('EXISTS', revoke_key) == 1 then
    return { 0, 0, 0 }
  end

  local linked_at = tonumber(redis.call('HGET', link_key, 'linked_at') or '')

  if linked_at and revoked_at < linked_at then
    return { 0, 0, 0 }
  end
end

local now = hp_now()

local card_token = redis.call('HGET', link_key, 'card_token')

if card_token then
  local card_key = prefix .. ':card:' .. card_token
  if redis.call('GET', card_key) == user then
    redis.call('DEL', card_key)
  end
end

redis.call('DEL', link_key)

if how == 'revoke' then
  hp_emit(KEYS[1], maxlen, prefix, now, 'link.revoked', { 'user_id' },
          { user_id = user })

  if revoke_key then
    redis.call('SET', revoke_key, '1', 'PX', dedupe_ttl)
  end
end

-- the user's pending purchases that have not expired (score expires_at),
-- oldest (lowest pur_<n>) first

local user_pending_key = prefix .. ':user_pending:' .. user
local ids = redis.call('ZRANGEBYSCORE', user_pending_key, '(' .. now, '+inf')

table.sort(ids, function(a, b)
  local na = tonumber(string.match(a, '(%d+)$')) or 0
  local nb = tonumber(string.match(b, '(%d+)$')) or 0
  if na ~= nb then
    return na < nb
  end
  return a < b
end)

local cancelled = 0

for _, id in ipairs(ids) do
  local purchase_key = prefix .. ':purchase:' .. id
  local p = redis.call('HMGET', purchase_key, 'state', 'expires_at',
                       'offer', 'offer_key')
  local state, expires_at, offer, tag = p[1], tonumber(p[2]), p[3], p[4]

  if state == 'pending' and expires_at and expires_at > now then
    -- a cancelled purchase is a record: it stays
    redis.call('HSET', purchase_key, 'state', 'cancelled',
               'cancelled_at', now)
    redis.call('PERSIST', purchase_key)
    redis.call('ZREM', prefix .. ':holds:' .. tag, id)

    local pending_key = prefix .. ':pending:' .. tag .. ':' .. user
    if redis.call('GET', pending_key) == id then
      redis.call('DEL', pending_key)
    end

    hp_emit(KEYS[1], maxlen, prefix, now, 'intent.cancelled',
            { 'purchase_id', 'offer', 'user_id', 'reason' },
            { purchase_id = id, offer = offer, user_id = user,
              reason = 'unlinked' })
    cancelled = cancelled + 1
  end
end

-- what is left there has expired (or was not pending any more)
redis.call('DEL', user_pending_key)

-- the link's unredeemed claims are void, whatever is linked later; their
-- indexes by merchant and currency go with them

local claims_key = prefix .. ':claims:' .. user
local claims = redis.call('ZRANGE', claims_key, 0, -1)
local indexes, seen = {}, {}

for _, id in ipairs(claims) do
  local claim_key = prefix .. ':claim:' .. id
  local c = redis.call('HMGET', claim_key, 'merchant_id', 'currency')
  local index_key = claims_key .. ':' .. (c[1] or '') .. ':' .. (c[2] or '')
  if not seen[index_key] then
    seen[index_key] = true
    indexes[#indexes + 1] = index_key
  end
  redis.call('HSET', claim_key, 'state', 'void', 'voided_at', now)
end

for _, index_key in ipairs(indexes) do
  redis.call('DEL', index_key)
end

redis.call('DEL', claims_key)

return { 1, cancelled, #claims }
