--[[
  offer_put.lua: creates or replaces an offer's definition.  The fields
  were validated by the module (src/ngx_http_hashpay_json.c); what
  depends on the stored state is checked here.  Counters (sold / claimed,
  redeemed) and created_at survive a replace; a replace re-opens an ended
  offer.  Fields the body leaves out take their defaults (it is a PUT).
  No event: the stream reports purchases, not definitions.

  KEYS[1]    offer: <prefix>:offer:<tag>
  ARGV[1]    prefix: hashpay_prefix
  ARGV[2]    tag: tag, lower-cased
  ARGV[3]    tag_as_written: as written in the route (kept in the "tag" field)
  ARGV[4]    kind: kind ("purchase" or "cashback")
  ARGV[5]    title: title
  ARGV[6]    price_cents: price_cents ("" for cashback)
  ARGV[7]    currency: currency
  ARGV[8]    stock: stock
  ARGV[9]    per_user_limit: per_user_limit
  ARGV[10]   starts_at: starts_at (unix s, "" unset)
  ARGV[11]   ends_at: ends_at (unix s, "" unset)
  ARGV[12]   min_account_age_days: min_account_age_days
  ARGV[13]   merchant_id: merchant_id ("" for purchase)
  ARGV[14]   cashback_cents: cashback_cents ("" for purchase)
  ARGV[15]   min_spend_cents: min_spend_cents ("" for purchase)

  Answers { 201 (created) or 200 (replaced), offer JSON as GET shows it },
  or { 422, "kind_immutable", "kind" }, or
  { 422, "stock_below_committed", "stock" } (stock < sold + live holds).
]]

local moving = hp_probe()
if moving then
  return moving
end

local key = KEYS[1]
local prefix = ARGV[1]
local tag = ARGV[2]
local kind = ARGV[4]
local stock = tonumber(ARGV[8])
local now = hp_now()

local old = redis.call('HMGET', key, 'kind', 'sold', 'claimed')
local exists = redis.call('EXISTS', key) == 1

if exists then
  if old[1] ~= kind then
    return { 422, 'kind_immutable', 'kind' }
  end

  local count = tonumber(kind == 'cashback' and old[3] or old[2]) or 0

  if stock < count + hp_held(prefix, tag, now) then
    return { 422, 'stock_below_committed', 'stock' }
  end
end

redis.call('HSET', key,
           'tag', ARGV[3], 'kind', kind, 'title', ARGV[5],
           'price_cents', ARGV[6], 'currency', ARGV[7], 'stock', ARGV[8],
           'per_user_limit', ARGV[9], 'starts_at', ARGV[10],
           'ends_at', ARGV[11], 'min_account_age_days', ARGV[12],
           'merchant_id', ARGV[13], 'cashback_cents', ARGV[14],
           'min_spend_cents', ARGV[15],
           'active', '1', 'ended_at', '', 'updated_at', now)

if not exists then
  redis.call('HSET', key, 'created_at', now, 'redeemed', 0,
             kind == 'cashback' and 'claimed' or 'sold', 0)
end

-- the list's index (offer_list.lua): every tag, score 0, in tag order
redis.call('ZADD', prefix .. ':offers', 0, tag)

return { exists and 200 or 201, hp_offer_view(prefix, tag, now).json, '' }
