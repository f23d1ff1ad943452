--[[
  unlink.lua: MINIMAL STAND-IN written on the admin branch so that the
  admin DELETE of a link can be tested; the purchase branch owns the real
  script (cancels pending purchases, voids claims, emits events), which
  keeps this interface.

  KEYS[1]    <prefix>:events
  ARGV[1]    prefix
  ARGV[2]    events maxlen (approximate)
  ARGV[3]    user id_str
  ARGV[4]    who unlinks: "admin" or "revoke"

  Answers { deleted (0 or 1), purchases_cancelled, claims_voided }.
]]

local prefix = ARGV[1]
local link_key = prefix .. ':link:' .. ARGV[3]
local token = redis.call('HGET', link_key, 'card_token')

if not token then
  return { 0, 0, 0 }
end

redis.call('DEL', prefix .. ':card:' .. token, link_key)

return { 1, 0, 0 }
