--[[
  offer_delete.lua: ends an offer.  It stays readable (GET, the list)
  with active false and ended_at; a later PUT re-opens it with its
  counters.  Ending an ended offer keeps its first ended_at.  No event.

  KEYS[1]    offer: <prefix>:offer:<tag>
  ARGV[1]    prefix: hashpay_prefix
  ARGV[2]    tag: tag, lower-cased

  Answers { 200, offer JSON } or { 404, "not_found", "" }.
]]

local moving = hp_probe()
if moving then
  return moving
end

local key = KEYS[1]
local now = hp_now()

if redis.call('EXISTS', key) == 0 then
  return { 404, 'not_found', '' }
end

if redis.call('HGET', key, 'active') ~= '0' then
  redis.call('HSET', key, 'active', '0',
             'ended_at', math.floor(now / 1000), 'updated_at', now)
end

return { 200, hp_offer_view(ARGV[1], ARGV[2], now).json, '' }
