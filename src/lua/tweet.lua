--[[
  tweet.lua: what one acting tweet does, atomically, with the event that
  reports it.  Redis's TIME is the only clock.

  KEYS[1]    <prefix>:events          (the stream; pins the cluster slot)
  ARGV[1]    prefix
  ARGV[2]    events maxlen (approximate)
  ARGV[3]    dedupe ttl, ms           (hashpay_dedupe_ttl)
  ARGV[4]    confirm ttl, ms          (hashpay_confirm_ttl)
  ARGV[5]    tweet id_str
  ARGV[6]    author id_str
  ARGV[7]    author screen_name
  ARGV[8]    author created_at, unix ms ("" unknown)
  ARGV[9]    tweet timestamp_ms ("" absent)
  ARGV[10]   confirmation code, upper-cased ("" none)
  ARGV[11]   confirmation prefix      (hashpay_confirm_prefix)
  ARGV[12..] the tweet's hashtags, lower-cased, in order, no duplicates

  Answers { outcome, reason } ("" for no reason).  Every outcome but
  "ignored" is recorded under <prefix>:tweet:<id> for the dedupe ttl, so
  that a redelivery answers "duplicate" and has no second effect.
]]

local prefix = ARGV[1]
local maxlen = ARGV[2]
local dedupe_ttl = tonumber(ARGV[3])
local confirm_ttl = tonumber(ARGV[4])
local tweet_id = ARGV[5]
local author = ARGV[6]
local screen_name = ARGV[7]
local code = ARGV[10]
local confirm_prefix = ARGV[11]

local MAX_ATTEMPTS = 5

local tweet_key = prefix .. ':tweet:' .. tweet_id

if redis.call('EXISTS', tweet_key) == 1 then
  return { 'duplicate', '' }
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local function emit(etype, data)
  data.event_id = tostring(redis.call('INCR', prefix .. ':event_seq'))
  data.at = now
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxlen, '*',
             'type', etype, 'data', cjson.encode(data))
end

local function record(outcome, reason)
  redis.call('SET', tweet_key, outcome .. ':' .. reason, 'PX', dedupe_ttl)
  return { outcome, reason }
end

-- a confirmation hashtag wins over offer hashtags

if code ~= '' then
  local confirm_tag = '#' .. confirm_prefix .. code
  local attempts_key = prefix .. ':attempts:' .. author

  local function refuse(reason)
    emit('confirm.rejected', {
      user_id = author, tweet_id = tweet_id,
      confirm_tag = confirm_tag, reason = reason })
    return record('rejected', reason)
  end

  local function failed_attempt(reason)
    -- the lockout window starts at the first failure and is not extended
    if redis.call('INCR', attempts_key) == 1 then
      redis.call('PEXPIRE', attempts_key, confirm_ttl)
    end
    return refuse(reason)
  end

  local attempts = tonumber(redis.call('GET', attempts_key) or '0')

  if attempts >= MAX_ATTEMPTS then
    return refuse('too_many_attempts')
  end

  local code_key = prefix .. ':code:' .. code

  if redis.call('EXISTS', code_key) == 0 then
    return failed_attempt('unknown_code')
  end

  -- codes are minted by the purchase flow, which is not built yet
  return redis.error_reply('hashpay: confirmation of a live code is not '
                           .. 'implemented yet')
end

-- the first hashtag that names an offer acts

local offer_key, offer

for i = 12, #ARGV do
  local key = prefix .. ':offer:' .. ARGV[i]
  if redis.call('EXISTS', key) == 1 then
    offer_key = key
    offer = redis.call('HGET', key, 'tag') or ARGV[i]
    break
  end
end

if not offer_key then
  return { 'ignored', 'no_offer' }
end

local function reject(reason)
  emit('intent.rejected', {
    offer = offer, user_id = author, screen_name = screen_name,
    tweet_id = tweet_id, reason = reason })
  return record('rejected', reason)
end

if redis.call('EXISTS', prefix .. ':link:' .. author) == 0 then
  return reject('not_linked')
end

-- the purchase of a linked author is not built yet
return redis.error_reply('hashpay: purchase flow is not implemented yet')
