--[[
  link_put.lua: links a card token to an X user, or replaces the user's
  link.  A token linked to another user is refused; a user who changes
  cards frees the old token.  linked_at is kept while the token stays the
  same.  No event.

  KEYS[1]    link: <prefix>:link:<user>
  ARGV[1]    prefix: hashpay_prefix
  ARGV[2]    user: user id_str
  ARGV[3]    card_token: validated by the module, never a card number
  ARGV[4]    screen_name: screen_name

  Answers { 201 (created) or 200 (replaced), link JSON as GET shows it },
  or { 422, "card_already_linked", "card_token" }.
]]

local moving = hp_probe()
if moving then
  return moving
end

local key = KEYS[1]
local prefix = ARGV[1]
local user = ARGV[2]
local token = ARGV[3]
local now = hp_now()

local owner = redis.call('GET', prefix .. ':card:' .. token)

if owner and owner ~= user then
  return { 422, 'card_already_linked', 'card_token' }
end

local old = redis.call('HMGET', key, 'card_token', 'linked_at')
local exists = old[1] ~= false
local linked_at = now

if exists then
  if old[1] ~= token then
    redis.call('DEL', prefix .. ':card:' .. old[1])
  elseif old[2] and old[2] ~= '' then
    linked_at = old[2]
  end
end

redis.call('HSET', key, 'user_id', user, 'card_token', token,
           'screen_name', ARGV[4], 'linked_at', linked_at)
redis.call('SET', prefix .. ':card:' .. token, user)

return { exists and 200 or 201,
         hp_link_view({ user_id = user, card_token = token,
                        screen_name = ARGV[4],
                        linked_at = linked_at }).json, '' }
