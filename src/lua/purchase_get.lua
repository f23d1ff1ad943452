--[[
  purchase_get.lua: one purchase (read only).  A pending purchase whose
  expires_at has passed reads "expired" (its hold no longer counts).

  KEYS[1]    purchase: <prefix>:purchase:<id>
  ARGV[1]    prefix: hashpay_prefix

  Answers { 200, '{"id","offer","user_id","state","tweet_id",
  "confirm_tag","expires_at","confirmed_at"}' } (times unix ms, unset
  null) or { 404, "not_found", "" }.
]]

local moving = hp_probe()
if moving then
  return moving
end

local p = hp_hash(KEYS[1])

if p == nil then
  return { 404, 'not_found', '' }
end

local now = hp_now()
local state = p.state or 'pending'
local expires_at = hp_int(p.expires_at)

if state == 'pending' and expires_at ~= hp_null and expires_at <= now then
  state = 'expired'
end

local function str(s)
  if s == nil or s == '' then
    return hp_null
  end
  return s
end

return { 200,
         hp_object({ 'id', 'offer', 'user_id', 'state', 'tweet_id',
                     'confirm_tag', 'expires_at', 'confirmed_at' },
                   { id = p.id or string.match(KEYS[1], '[^:]*$'),
                     offer = str(p.offer), user_id = str(p.user_id),
                     state = state, tweet_id = str(p.tweet_id),
                     confirm_tag = str(p.confirm_tag),
                     expires_at = expires_at,
                     confirmed_at = hp_int(p.confirmed_at) }).json, '' }
