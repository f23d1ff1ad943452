--[[
  tweet.lua: what one acting tweet does, atomically, with the event that
  reports it (SPEC sections 4, 7 and 10): an intent, a confirmation, or a
  cashback claim.  Redis's TIME is the only clock.

  KEYS[1]    events: <prefix>:events (the stream; pins the cluster slot)
  ARGV[1]    prefix: hashpay_prefix
  ARGV[2]    events_policy: maxlen, or "maxlen group" (_lib.lua hp_emit)
  ARGV[3]    dedupe_ttl: dedupe ttl, ms           (hashpay_dedupe_ttl)
  ARGV[4]    confirm_ttl: confirm ttl, ms          (hashpay_confirm_ttl)
  ARGV[5]    tweet_id: tweet id_str (v2: id), the post delivered
  ARGV[6]    author_id: author id_str
  ARGV[7]    author_name: author screen_name
  ARGV[8]    author_created_at: author created_at, unix ms ("" unknown)
  ARGV[9]    posted_at: the post's own time, unix ms: timestamp_ms,
             or a v2 post's created_at ("" absent: never stale)
  ARGV[10]   code: confirmation code, upper-cased ("" none)
  ARGV[11]   confirm_prefix: (hashpay_confirm_prefix)
  ARGV[12]   ncodes: n, how many fresh codes follow (minted by the module from
             OpenSSL's CSPRNG; 0 when the tweet confirms)
  ARGV[13]   root_id: the post's identity for idempotency: the first id of its
             edit history (edit_history.initial_tweet_id, v2
             edit_history_tweet_ids[0]), else ARGV[5]
  ARGV[14 .. 13+n]   codes: the fresh codes, upper case: an intent takes the
             first one that is not a live code
  ARGV[14+n ..]      hashtags: the tweet's hashtags, lower-cased, in order, no
             duplicates

  Answers { outcome, reason } ("" for no reason).  Every outcome but
  "ignored" is recorded under <prefix>:tweet:<ARGV[13]> for the dedupe
  ttl, so that a redelivery (in any delivery format, for any subscribed
  user) or an edit of a post that acted answers "duplicate" and has no
  second effect.  Events and purchases carry the delivered id, ARGV[5].

  Stale (SPEC section 10): a post whose own time (ARGV[9]) is older than
  the dedupe ttl less a margin (10 minutes or half the ttl, whichever is
  smaller), or more than 5 minutes ahead, on Redis's clock, answers
  { "ignored", "stale" }: nothing is recorded, no event, no attempt
  counted.  A signed body carries no time of its own, so a body captured
  today and replayed once its record expired would act again; the
  record lives the whole ttl from the moment the post acted (at most 5
  minutes before its own time), and the post stops acting a margin
  before its ttl from its own time is over, so while the margin covers
  those 5 minutes (a ttl of 10 minutes or more) a replay finds either
  the record or a stale post.  The check comes
  after the duplicate check: a post that is recorded acted (or was
  refused) once, and its redelivery says so ("duplicate", as SPEC
  section 10 promises for the posts of a delivery answered 503), with no
  second effect either way; only a post that was never recorded, or
  whose record expired, is judged by its time.

  An error reply (the delivery is answered 503 and redelivered) when every
  fresh code is live already: nothing is changed then.

  Offer hashtag, the first reason that applies: not_linked,
  offer_inactive, account_too_new, pending, limit_reached, sold_out; else
  intent.created.  A cashback offer's hashtag: the same without pending;
  else the claim is saved at once, claim.saved (outcome claim_saved).
  Confirmation hashtag: too_many_attempts, unknown_code, not_owner,
  not_linked, already_confirmed, expired (expires_at passed, or the hold
  is no longer in the offer's holds), offer_inactive; else
  purchase.confirmed.  The keys are those of src/lua/README.md.

  With hashpay_events_group, an error reply with "EVENTS_BACKLOG" (503
  events_backlog) before anything changes while the group has maxlen
  events unacknowledged (_lib.lua hp_guard), unless the post would append
  no event: a duplicate, a stale post, or no confirmation code and no
  hashtag that names an offer (those answer as usual).
]]

local prefix = ARGV[1]
local maxlen = ARGV[2]
-- the module sends the numbers as digits (ttls, ncodes): arithmetic
-- converts them at a third of tonumber()'s cost (it converts twice);
-- created_at is converted only where it is read
local dedupe_ttl = ARGV[3] + 0
local confirm_ttl = ARGV[4] + 0
local tweet_id = ARGV[5]
local author = ARGV[6]
local screen_name = ARGV[7]
local created_at = ARGV[8]
local timestamp = tonumber(ARGV[9])
local code = ARGV[10]
local confirm_prefix = ARGV[11]
local ncodes = ARGV[12] + 0
local root_id = ARGV[13]
local first_tag = 14 + ncodes

local MAX_ATTEMPTS = 5
local DAY_MS = 86400000
local STALE_MARGIN_MS = 600000          -- or half the ttl, if smaller
local FUTURE_MS = 300000                -- a post further ahead is stale

if root_id == '' then
  root_id = tweet_id
end

local tweet_key = prefix .. ':tweet:' .. root_id

-- the first read is also the slot probe (_lib.lua hp_probe)
local seen = redis.pcall('EXISTS', tweet_key, hp_PROBE1, hp_PROBE2)
local moving = hp_moving(seen)

if moving then
  return moving
end

if seen == 1 then
  return { 'duplicate', '' }
end

local now = hp_now()

-- a post from outside the window its record covers does not act

if timestamp then
  local margin = math.min(STALE_MARGIN_MS, math.floor(dedupe_ttl / 2))

  if now - timestamp > dedupe_ttl - margin or timestamp - now > FUTURE_MS
  then
    return { 'ignored', 'stale' }
  end
end

-- a post without a confirmation code acts on the first hashtag that
-- names an offer; one that names none appends no event and writes
-- nothing, whatever the events group's backlog: the most frequent post
-- of all costs these reads only

local tag, offer_key

if code == '' then
  for i = first_tag, #ARGV do
    local key = prefix .. ':offer:' .. ARGV[i]
    if redis.call('EXISTS', key) == 1 then
      tag = ARGV[i]
      offer_key = key
      break
    end
  end

  if not offer_key then
    return { 'ignored', 'no_offer' }
  end
end

-- every way on from here appends an event: with hashpay_events_group,
-- refused before anything changes while the group is behind (the checks
-- above only read)

hp_guard(KEYS[1], maxlen, prefix)

local function emit(etype, keys, data)
  hp_emit(KEYS[1], maxlen, prefix, now, etype, keys, data)
end

local function record(outcome, reason)
  redis.call('SET', tweet_key, outcome .. ':' .. reason, 'PX', dedupe_ttl)
  return { outcome, reason }
end

-- a hash as a table of its fields (empty when the key does not exist)
local function hgetall(key)
  local flat = redis.call('HGETALL', key)
  local t = {}
  for i = 1, #flat, 2 do
    t[flat[i]] = flat[i + 1]
  end
  return t
end

-- the offer window, on Redis's clock (see README.md)
local function offer_active(o)
  if o.active ~= '1' then
    return false
  end
  local starts = tonumber(o.starts_at or '')
  local ends = tonumber(o.ends_at or '')
  if starts and now < starts * 1000 then
    return false
  end
  if ends and now >= ends * 1000 then
    return false
  end
  return true
end

-- a pending purchase, as read now: its hash, or nil when it is not
-- pending any more (confirmed, cancelled, expired)
local function live_purchase(id)
  if not id then
    return nil
  end
  local p = hgetall(prefix .. ':purchase:' .. id)
  if p.state == 'pending' and tonumber(p.expires_at) > now then
    return p
  end
  return nil
end

----------------------------------------------------------------------------
-- a confirmation hashtag wins over offer hashtags

if code ~= '' then
  local confirm_tag = '#' .. confirm_prefix .. code
  local attempts_key = prefix .. ':attempts:' .. author

  local function refuse(reason)
    emit('confirm.rejected', { 'user_id', 'tweet_id', 'confirm_tag', 'reason' },
         { user_id = author, tweet_id = tweet_id,
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

  local id = redis.call('GET', prefix .. ':code:' .. code)

  if not id then
    return failed_attempt('unknown_code')
  end

  local purchase_key = prefix .. ':purchase:' .. id
  local p = hgetall(purchase_key)

  if p.user_id ~= author then
    return failed_attempt('not_owner')
  end

  -- a link always has a card_token (link_put.lua)
  local card_token = redis.call('HGET', prefix .. ':link:' .. author,
                                'card_token')

  if p.state == 'cancelled' or not card_token then
    return refuse('not_linked')
  end

  if p.state == 'confirmed' then
    return refuse('already_confirmed')
  end

  local holds_key = prefix .. ':holds:' .. p.offer_key

  -- the hold stopped counting at expires_at; and a hold that is gone
  -- from the offer's holds was trimmed by a clock that had passed
  -- expires_at (an NTP step back, a failover to a lagging replica): its
  -- unit may be sold already, so it never becomes a sale
  if now >= tonumber(p.expires_at)
     or not redis.call('ZSCORE', holds_key, id) then
    redis.call('ZREM', holds_key, id)
    redis.call('ZREM', prefix .. ':user_pending:' .. author, id)
    return refuse('expired')
  end

  local offer_key = prefix .. ':offer:' .. p.offer_key

  if not offer_active(hgetall(offer_key)) then
    return refuse('offer_inactive')
  end

  -- the hold becomes a sale: sold + held does not change; the purchase
  -- is a record of money from now on and never expires

  redis.call('HSET', purchase_key, 'state', 'confirmed',
             'confirmed_at', now, 'confirm_tweet_id', tweet_id)
  redis.call('PERSIST', purchase_key)
  redis.call('ZREM', holds_key, id)
  redis.call('HINCRBY', offer_key, 'sold', 1)
  redis.call('INCR', prefix .. ':bought:' .. p.offer_key .. ':' .. author)
  redis.call('DEL', prefix .. ':pending:' .. p.offer_key .. ':' .. author)
  redis.call('ZREM', prefix .. ':user_pending:' .. author, id)

  emit('purchase.confirmed',
       { 'purchase_id', 'offer', 'user_id', 'card_token', 'price_cents',
         'currency', 'tweet_id', 'confirm_tweet_id' },
       { purchase_id = id, offer = p.offer, user_id = author,
         card_token = card_token,
         price_cents = tonumber(p.price_cents), currency = p.currency,
         tweet_id = p.tweet_id, confirm_tweet_id = tweet_id })

  return record('confirmed', '')
end

----------------------------------------------------------------------------
-- the first hashtag that names an offer acts (found above)

local o = hgetall(offer_key)
local offer = o.tag or tag
local cashback = o.kind == 'cashback'

local function reject(reason, confirm_tag)
  local keys = { 'offer', 'user_id', 'screen_name', 'tweet_id', 'reason' }
  if confirm_tag then
    keys[#keys + 1] = 'confirm_tag'
  end
  emit('intent.rejected', keys,
       { offer = offer, user_id = author, screen_name = screen_name,
         tweet_id = tweet_id, reason = reason, confirm_tag = confirm_tag })
  return record('rejected', reason)
end

if redis.call('EXISTS', prefix .. ':link:' .. author) == 0 then
  return reject('not_linked')
end

if not offer_active(o) then
  return reject('offer_inactive')
end

-- account age at the tweet's time; an unknown age fails closed

local min_age = tonumber(o.min_account_age_days or '') or 0

if min_age > 0 then
  local at = timestamp or now
  created_at = tonumber(created_at)
  if not created_at or at - created_at < min_age * DAY_MS then
    return reject('account_too_new')
  end
end

-- a cashback claim has no pending state: it is saved at once

local pending_key = prefix .. ':pending:' .. tag .. ':' .. author

if not cashback then
  local pending = live_purchase(redis.call('GET', pending_key))

  if pending then
    return reject('pending', pending.confirm_tag)
  end
end

local limit = tonumber(o.per_user_limit or '') or 1
local bought_key = prefix .. ':bought:' .. tag .. ':' .. author

if tonumber(redis.call('GET', bought_key) or '0') >= limit then
  return reject('limit_reached')
end

----------------------------------------------------------------------------
-- a cashback claim: stock counts every claim ever saved; the terms are
-- saved with the claim, the card is the one linked now

if cashback then
  local stock = tonumber(o.stock or '') or 0
  local claimed = tonumber(o.claimed or '') or 0

  if claimed >= stock then
    return reject('sold_out')
  end

  local n = redis.call('INCR', prefix .. ':claim_seq')
  local id = 'clm_' .. n
  local card_token = redis.call('HGET', prefix .. ':link:' .. author,
                                'card_token')
  local cents = tonumber(o.cashback_cents or '') or 0

  redis.call('HSET', prefix .. ':claim:' .. id,
             'id', id, 'offer', offer, 'offer_key', tag, 'user_id', author,
             'screen_name', screen_name, 'card_token', card_token,
             'tweet_id', tweet_id, 'state', 'saved',
             'merchant_id', o.merchant_id or '',
             'currency', o.currency or 'USD', 'cashback_cents', cents,
             'min_spend_cents', tonumber(o.min_spend_cents or '') or 0,
             'created_at', now, 'redeemed_at', '', 'voided_at', '',
             'txn_id', '')
  -- every saved claim of the user (for unlinking), and the index that
  -- a card transaction reads: the user's claims at one merchant in one
  -- currency
  redis.call('ZADD', prefix .. ':claims:' .. author, n, id)
  redis.call('ZADD', prefix .. ':claims:' .. author .. ':'
                     .. (o.merchant_id or '') .. ':' .. (o.currency or 'USD'),
             n, id)
  redis.call('HINCRBY', offer_key, 'claimed', 1)
  redis.call('INCR', bought_key)

  emit('claim.saved',
       { 'claim_id', 'offer', 'user_id', 'card_token', 'merchant_id',
         'cashback_cents' },
       { claim_id = id, offer = offer, user_id = author,
         card_token = card_token, merchant_id = o.merchant_id or '',
         cashback_cents = cents })

  return record('claim_saved', '')
end

-- a hold counts while its score (expires_at) > now

local holds_key = prefix .. ':holds:' .. tag
local stock = tonumber(o.stock or '') or 0
local sold = tonumber(o.sold or '') or 0

redis.call('ZREMRANGEBYSCORE', holds_key, '-inf', now)

if sold + redis.call('ZCARD', holds_key) >= stock then
  return reject('sold_out')
end

-- the intent: a fresh code that is not live, a hold, a pending purchase

local fresh, code_key

for i = 14, 13 + ncodes do
  local key = prefix .. ':code:' .. ARGV[i]
  if redis.call('EXISTS', key) == 0 then
    fresh = ARGV[i]
    code_key = key
    break
  end
end

if not fresh then
  return redis.error_reply('hashpay: every fresh confirmation code is live '
                           .. 'already (' .. ncodes .. ' tried)')
end

local id = 'pur_' .. redis.call('INCR', prefix .. ':purchase_seq')
local expires_at = now + confirm_ttl
local confirm_tag = '#' .. confirm_prefix .. fresh
local price_cents = tonumber(o.price_cents or '') or 0
local currency = o.currency or 'USD'

local purchase_key = prefix .. ':purchase:' .. id
local user_pending_key = prefix .. ':user_pending:' .. author

redis.call('HSET', purchase_key,
           'id', id, 'offer', offer, 'offer_key', tag, 'user_id', author,
           'screen_name', screen_name, 'state', 'pending',
           'tweet_id', tweet_id, 'confirm_tag', confirm_tag, 'code', fresh,
           'expires_at', expires_at, 'confirmed_at', '',
           'confirm_tweet_id', '', 'cancelled_at', '',
           'price_cents', price_cents, 'currency', currency,
           'created_at', now)
-- unconfirmed, the purchase goes with its code (confirmation and
-- cancellation PERSIST it: those are records of money)
redis.call('PEXPIRE', purchase_key, confirm_ttl + dedupe_ttl)
redis.call('ZADD', holds_key, expires_at, id)
redis.call('SET', code_key, id, 'PX', confirm_ttl + dedupe_ttl)
redis.call('SET', pending_key, id, 'PX', confirm_ttl)
-- the user's pending purchases by expires_at: the expired ones leave
-- here, and the set goes when its last member expires (a reload may have
-- shortened confirm_ttl: the last is the highest score, not the newest)
redis.call('ZREMRANGEBYSCORE', user_pending_key, '-inf', now)
redis.call('ZADD', user_pending_key, expires_at, id)
redis.call('PEXPIRE', user_pending_key,
           tonumber(redis.call('ZRANGE', user_pending_key, -1, -1,
                               'WITHSCORES')[2]) - now)

emit('intent.created',
     { 'purchase_id', 'offer', 'user_id', 'screen_name', 'tweet_id',
       'confirm_tag', 'expires_at', 'price_cents', 'currency' },
     { purchase_id = id, offer = offer, user_id = author,
       screen_name = screen_name, tweet_id = tweet_id,
       confirm_tag = confirm_tag, expires_at = expires_at,
       price_cents = price_cents, currency = currency })

return record('intent_created', '')
