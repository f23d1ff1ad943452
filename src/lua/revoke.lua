--[[
  revoke.lua: the platform told us a user withdrew the app's access
  (user_event.revoke): the user's link goes, exactly as with the admin
  DELETE, and link.revoked reports it.  A revoke for a user without a link
  (a redelivery, say) changes nothing and emits nothing.

  KEYS[1]    <prefix>:events
  ARGV[1]    prefix
  ARGV[2]    events maxlen (approximate)
  ARGV[3]    user id_str

  Answers { "revoked", "" } or { "ignored", "not_linked" }.
]]

local prefix = ARGV[1]
local maxlen = ARGV[2]
local user = ARGV[3]

local link_key = prefix .. ':link:' .. user

if redis.call('EXISTS', link_key) == 0 then
  return { 'ignored', 'not_linked' }
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local card_token = redis.call('HGET', link_key, 'card_token')

if card_token then
  redis.call('DEL', prefix .. ':card:' .. card_token)
end

redis.call('DEL', link_key)

local data = {
  event_id = tostring(redis.call('INCR', prefix .. ':event_seq')),
  at = now,
  user_id = user
}

redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxlen, '*',
           'type', 'link.revoked', 'data', cjson.encode(data))

return { 'revoked', '' }
