--[[
  offer_list.lua: one page of the offers ever PUT, ended ones too, in
  lower-cased tag order (read only; SPEC section 6).

  KEYS[1]    offers: <prefix>:offers (sorted set of the lower-cased
             tags, every score 0, so that its lexical order is the tag
             order)
  ARGV[1]    prefix: hashpay_prefix
  ARGV[2]    limit: offers on a page, 1-1000 (checked by the module)
  ARGV[3]    cursor: the next_cursor of the previous page, i.e. its last
             tag ("" for the first page)

  Answers { 200, '{"offers":[...],"next_cursor":"<tag>"|null}', "" }:
  the offers whose tag comes after the cursor, at most limit of them;
  next_cursor is the last tag of the page when more offers follow, else
  null.  Work: one ZRANGEBYLEX of at most limit + 1 members (O(log n +
  limit)) and, per offer on the page, an HGETALL and a ZCOUNT of its
  holds: proportional to limit, not to the number of offers.
]]

local moving = hp_probe()
if moving then
  return moving
end

local prefix = ARGV[1]
local limit = tonumber(ARGV[2])
local cursor = ARGV[3]
local now = hp_now()
local tags = redis.call('ZRANGEBYLEX', KEYS[1],
                        cursor == '' and '-' or '(' .. cursor, '+',
                        'LIMIT', 0, limit + 1)
local list = {}
local next_cursor = hp_null

if #tags > limit then
  next_cursor = tags[limit]
end

for i = 1, math.min(#tags, limit) do
  local view = hp_offer_view(prefix, tags[i], now)
  if view ~= nil then
    list[#list + 1] = view
  end
end

return { 200, hp_object({ 'offers', 'next_cursor' },
                        { offers = hp_array(list),
                          next_cursor = next_cursor }).json, '' }
