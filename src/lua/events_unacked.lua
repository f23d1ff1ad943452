--[[
  events_unacked.lua: the gauge hashpay_events_unacked, read when the
  metrics are scraped (SPEC section 8).  Changes nothing: a missing group
  is not created here (the next event creates it) and counts 0.

  KEYS[1]    events: <prefix>:events
  ARGV[1]    events_policy: maxlen, or "maxlen group" (_lib.lua hp_emit)

  Answers an integer: what the group has not acknowledged (_lib.lua
  hp_unacked), or -1 without a group.
]]

local moving = hp_probe()
if moving then
  return moving
end

local _, group = hp_policy(ARGV[1])

if not group then
  return -1
end

return hp_unacked(KEYS[1], group, false)
