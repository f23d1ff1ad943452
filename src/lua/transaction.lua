--[[
  transaction.lua: one signed card transaction (SPEC sections 5 and 10,
  "Cashback"), atomically with the event that reports it.  The signature
  and the body were checked by the module; Redis's TIME is the clock.

  KEYS[1]    events: <prefix>:events
  ARGV[1]    prefix: hashpay_prefix
  ARGV[2]    events_policy: maxlen, or "maxlen group" (_lib.lua hp_emit)
  ARGV[3]    dedupe_ttl: ms (hashpay_dedupe_ttl)
  ARGV[4]    webhook_id: webhook-id (Standard Webhooks message id)
  ARGV[5]    txn_id: the card network's transaction id
  ARGV[6]    card_token: the card's token
  ARGV[7]    merchant_id: the merchant
  ARGV[8]    amount_cents: the amount
  ARGV[9]    currency: ISO 4217
  ARGV[10]   at: unix s, as the card network sent it

  Answers { outcome, cashback_cents }:
    duplicate   the webhook-id (looked up first) or the txn_id was seen
                within the dedupe ttl: the cents recorded then, and nothing
                is written
    credited    the oldest eligible claim of the card's user is redeemed:
                cashback.credited
    no_claim    0: no link, or no eligible claim
  Both ids are recorded as "<outcome>:<cents>" for the dedupe ttl, whatever
  the outcome.

  Eligible: a claim of <prefix>:claims:<user>:<merchant_id>:<currency>
  (the user's saved claims at the transaction's merchant in its currency,
  oldest first) whose saved min_spend_cents the amount reaches and whose
  offer is active now.  Only that index is read: the work is bounded by
  the user's saved claims at that merchant in that currency, whatever
  else the user or anyone else has claimed.

  With hashpay_events_group, an error reply with "EVENTS_BACKLOG" (503
  events_backlog) before anything changes while the group has maxlen
  events unacknowledged (_lib.lua hp_guard), unless the transaction
  cannot append an event: a duplicate, or a card linked to nobody.
]]

local prefix = ARGV[1]
local maxlen = ARGV[2]
local dedupe_ttl = ARGV[3]           -- digits, as SET PX takes them
local webhook_id = ARGV[4]
local txn_id = ARGV[5]
local card_token = ARGV[6]
local merchant_id = ARGV[7]
local currency = ARGV[9]
local at = ARGV[10]

local webhook_key = prefix .. ':webhook_id:' .. webhook_id
local txn_key = prefix .. ':txn:' .. txn_id

-- a duplicate answers what the first delivery answered

-- the first read is also the slot probe (_lib.lua hp_probe), and reads
-- the card's user too
local seen = redis.pcall('MGET', webhook_key, txn_key, hp_PROBE1, hp_PROBE2,
                         prefix .. ':card:' .. card_token)
local moving = hp_moving(seen)

if moving then
  return moving
end

for i = 1, 2 do
  if seen[i] then
    return { 'duplicate', tonumber(string.match(seen[i], ':(%d+)$')) or 0 }
  end
end

local function record(outcome, cents)
  -- 0 (no_claim) without formatting a number
  local v = outcome .. ':' .. (cents == 0 and '0' or cents)
  redis.call('SET', webhook_key, v, 'PX', dedupe_ttl)
  redis.call('SET', txn_key, v, 'PX', dedupe_ttl)
  return { outcome, cents }
end

local user = seen[5]

if not user then
  return record('no_claim', 0)
end

-- a claim of the card's user may be credited, with an event: with
-- hashpay_events_group, refused before anything changes while the group
-- is behind (a duplicate, or a card linked to nobody, never appends one:
-- answered above without the guard's reads)

hp_guard(KEYS[1], maxlen, prefix)

local now = hp_now()
local amount = tonumber(ARGV[8])
local claims_key = prefix .. ':claims:' .. user
local index_key = claims_key .. ':' .. merchant_id .. ':' .. currency
local offers = {}

-- the offer's window, on Redis's clock (see README.md); one read per offer
local function offer_active(tag)
  if offers[tag] == nil then
    local o = redis.call('HMGET', prefix .. ':offer:' .. tag,
                         'active', 'starts_at', 'ends_at')
    local starts = tonumber(o[2] or '')
    local ends = tonumber(o[3] or '')
    offers[tag] = o[1] == '1'
                  and not (starts and now < starts * 1000)
                  and not (ends and now >= ends * 1000)
  end
  return offers[tag]
end

for _, id in ipairs(redis.call('ZRANGE', index_key, '0', '-1')) do
  local claim_key = prefix .. ':claim:' .. id
  local c = redis.call('HMGET', claim_key, 'state', 'offer', 'offer_key',
                       'merchant_id', 'currency', 'cashback_cents',
                       'min_spend_cents')
  local state, offer, tag = c[1], c[2], c[3]
  local cents = tonumber(c[6])

  if state == 'saved' and c[4] == merchant_id and c[5] == currency
     and amount >= (tonumber(c[7]) or 0) and cents
     and offer_active(tag)
  then
    local now_s = string.format('%d', now)

    -- the module sends amount_cents as digits: Redis takes them as
    -- they came (a Lua number would be formatted again)
    redis.call('HSET', claim_key, 'state', 'redeemed', 'redeemed_at', now_s,
               'txn_id', txn_id, 'txn_amount_cents', ARGV[8], 'txn_at', at,
               'txn_card_token', card_token)
    redis.call('ZREM', claims_key, id)
    redis.call('ZREM', index_key, id)
    redis.call('HINCRBY', prefix .. ':offer:' .. tag, 'redeemed', '1')

    hp_append(KEYS[1], maxlen, prefix, now_s, 'cashback.credited',
              ',"claim_id":' .. hp_str(id)
              .. ',"offer":' .. hp_json(offer)
              .. ',"user_id":' .. hp_str(user)
              .. ',"card_token":' .. hp_str(card_token)
              .. ',"txn_id":' .. hp_str(txn_id)
              .. ',"cashback_cents":' .. hp_json(cents))

    return record('credited', cents)
  end
end

return record('no_claim', 0)
