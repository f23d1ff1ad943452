--[[
  link_get.lua: a user's card link, the token shown only as its last 4
  characters (read only).

  KEYS[1]    link: <prefix>:link:<user>
  ARGV[1]    prefix: hashpay_prefix

  Answers { 200, '{"user_id","screen_name","card_token_last4","linked_at"}' }
  or { 404, "not_found", "" }.
]]

local moving = hp_probe()
if moving then
  return moving
end

local link = hp_hash(KEYS[1])

if link == nil then
  return { 404, 'not_found', '' }
end

return { 200, hp_link_view(link).json, '' }
