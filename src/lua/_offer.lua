--[[
  _offer.lua: how the admin scripts show offers, links and their own
  answers (put in front of every script after _lib.lua, like it).

  Every admin script answers { status, text, field }:
    status   the HTTP status (integer)
    text     the JSON body when status < 300, else the error code
    field    the field the error is about, "" for none

  hp_offer_view(prefix, tag, now)
                 the offer <prefix>:offer:<tag> as GET shows it (hp_object),
                 or nil when there is none
  hp_link_view(link)
                 a link (a table of its hash fields) as GET shows it
  hp_int(s)      a stored integer field: a number, or hp_null for "" / nil
  hp_hash(key)   HGETALL as a table, or nil when the key does not exist
]]

local function hp_int(s)
  if s == nil or s == false or s == '' then
    return hp_null
  end
  return tonumber(s)
end

local function hp_hash(key)
  local flat = redis.call('HGETALL', key)
  if #flat == 0 then
    return nil
  end
  local t = {}
  for i = 1, #flat, 2 do
    t[flat[i]] = flat[i + 1]
  end
  return t
end

local offer_purchase_keys = {
  'tag', 'kind', 'title', 'price_cents', 'currency', 'stock',
  'per_user_limit', 'starts_at', 'ends_at', 'min_account_age_days',
  'active', 'ended_at', 'created_at', 'updated_at',
  'sold', 'held', 'available'
}

local offer_cashback_keys = {
  'tag', 'kind', 'title', 'currency', 'stock', 'per_user_limit',
  'starts_at', 'ends_at', 'min_account_age_days',
  'merchant_id', 'cashback_cents', 'min_spend_cents',
  'active', 'ended_at', 'created_at', 'updated_at',
  'claimed', 'held', 'available', 'redeemed'
}

-- live holds: members whose expires_at (ms) is still ahead of now
local function hp_held(prefix, tag, now)
  return redis.call('ZCOUNT', prefix .. ':holds:' .. tag,
                    '(' .. now, '+inf')
end

local function hp_offer_view(prefix, tag, now)
  local o = hp_hash(prefix .. ':offer:' .. tag)
  if o == nil then
    return nil
  end

  local v = {}
  local cashback = o.kind == 'cashback'
  local keys = cashback and offer_cashback_keys or offer_purchase_keys

  v.tag = o.tag or tag
  v.kind = o.kind or 'purchase'
  v.title = o.title or ''
  v.currency = o.currency or 'USD'
  v.merchant_id = o.merchant_id or ''

  for _, k in ipairs({ 'price_cents', 'stock', 'per_user_limit',
                       'starts_at', 'ends_at', 'min_account_age_days',
                       'cashback_cents', 'min_spend_cents', 'ended_at',
                       'created_at', 'updated_at' }) do
    v[k] = hp_int(o[k])
  end

  v.active = o.active ~= '0'

  local count = tonumber(cashback and o.claimed or o.sold) or 0
  local held = hp_held(prefix, tag, now)
  local stock = tonumber(o.stock) or 0
  local available = stock - count - held
  if available < 0 then
    available = 0
  end

  v.sold = count
  v.claimed = count
  v.held = held
  v.available = available
  v.redeemed = tonumber(o.redeemed) or 0

  return hp_object(keys, v)
end

local function hp_link_view(link)
  return hp_object({ 'user_id', 'screen_name', 'card_token_last4',
                     'linked_at' },
                   { user_id = link.user_id,
                     screen_name = link.screen_name or '',
                     card_token_last4 = string.sub(link.card_token or '', -4),
                     linked_at = hp_int(link.linked_at) })
end
