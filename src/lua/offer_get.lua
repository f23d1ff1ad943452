--[[
  offer_get.lua: one offer as the admin API shows it (read only).

  KEYS[1]    offer: <prefix>:offer:<tag>
  ARGV[1]    prefix: hashpay_prefix
  ARGV[2]    tag: tag, lower-cased

  Answers { 200, offer JSON } or { 404, "not_found", "" }.
]]

local moving = hp_probe()
if moving then
  return moving
end

local view = hp_offer_view(ARGV[1], ARGV[2], hp_now())

if view == nil then
  return { 404, 'not_found', '' }
end

return { 200, view.json, '' }
