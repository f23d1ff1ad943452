--[[
  offer_list.lua: every offer ever PUT, ended ones too, by tag (read only).

  KEYS[1]    <prefix>:offers
  ARGV[1]    prefix

  Answers { 200, '{"offers":[...]}' }, the offers in lower-cased tag order.
]]

local prefix = ARGV[1]
local now = hp.now()
local tags = redis.call('SMEMBERS', KEYS[1])
local list = {}

table.sort(tags)

for _, tag in ipairs(tags) do
  local view = hp.offer_view(prefix, tag, now)
  if view ~= nil then
    list[#list + 1] = view
  end
end

return { 200, hp.object({ 'offers' }, { offers = hp.array(list) }).json, '' }
