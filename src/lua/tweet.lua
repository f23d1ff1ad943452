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
-- created_at is converted only where it is read.  Redis takes the ttls
-- as they came (ARGV[3], ARGV[4]): a Lua number given to redis.call is
-- formatted with "%.17g" again, the dearest step of an argument
local dedupe_ttl = ARGV[3] + 0
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
local attempts_key, code_key, seen, offers

-- The first read is also the slot probe (_lib.lua hp_probe), and reads
-- what the first step needs.  A confirmation: MGET of the record, the
-- probe keys, the author's failed attempts and the code.  Otherwise one
-- EXISTS counts the record and the offers the hashtags name: the record
-- is named once more than there are hashtags, so the count is
-- seen * (hashtags + 1) + offers (no duplicate hashtags: offers <=
-- hashtags), and a post whose hashtags name no offer, the most frequent
-- of all, costs this read and TIME

if code ~= '' then
  attempts_key = prefix .. ':attempts:' .. author
  code_key = prefix .. ':code:' .. code
  seen = redis.pcall('MGET', tweet_key, hp_PROBE1, hp_PROBE2,
                     attempts_key, code_key)
else
  -- the usual counts of hashtags without a table (a table and unpack
  -- cost as much as a call)
  local ntags = #ARGV - first_tag + 1
  local offer = prefix .. ':offer:'
  if ntags == 0 then
    seen = redis.pcall('EXISTS', tweet_key, hp_PROBE1, hp_PROBE2)
  elseif ntags == 1 then
    seen = redis.pcall('EXISTS', tweet_key, hp_PROBE1, hp_PROBE2,
                       tweet_key, offer .. ARGV[first_tag])
  elseif ntags == 2 then
    seen = redis.pcall('EXISTS', tweet_key, hp_PROBE1, hp_PROBE2,
                       tweet_key, tweet_key, offer .. ARGV[first_tag],
                       offer .. ARGV[first_tag + 1])
  else
    local keys = { tweet_key, hp_PROBE1, hp_PROBE2 }
    for i = 1, ntags do
      keys[i + 3] = tweet_key
      keys[i + 3 + ntags] = offer .. ARGV[first_tag + i - 1]
    end
    seen = redis.pcall('EXISTS', unpack(keys))
  end
end

local moving = hp_moving(seen)

if moving then
  return moving
end

if code ~= '' then
  if seen[1] then
    return { 'duplicate', '' }
  end
else
  local ntags = #ARGV - first_tag + 1
  offers = seen % (ntags + 1)
  if seen >= ntags + 1 then
    return { 'duplicate', '' }
  end
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
  if offers == 0 then
    return { 'ignored', 'no_offer' }
  end

  -- one hashtag at least names an offer: the first one that does (the
  -- last one without asking, when none before it does)
  for i = first_tag, #ARGV do
    local key = prefix .. ':offer:' .. ARGV[i]
    if i == #ARGV or redis.call('EXISTS', key) == 1 then
      tag = ARGV[i]
      offer_key = key
      break
    end
  end
end

-- every way on from here appends an event: with hashpay_events_group,
-- refused before anything changes while the group is behind (the checks
-- above only read)

hp_guard(KEYS[1], maxlen, prefix)

local now_s = string.format('%d', now)

-- fields: the event's JSON after event_id and at (_lib.lua hp_append)
local function emit(etype, fields)
  hp_append(KEYS[1], maxlen, prefix, now_s, etype, fields)
end

local function record(outcome, reason)
  redis.call('SET', tweet_key, outcome .. ':' .. reason, 'PX', ARGV[3])
  return { outcome, reason }
end

-- the offer window, on Redis's clock (see README.md): w is the offer's
-- active, starts_at, ends_at (an HMGET reply: false when absent)
local function offer_active(w)
  if w[1] ~= '1' then
    return false
  end
  local starts = tonumber(w[2] or '')
  local ends = tonumber(w[3] or '')
  if starts and now < starts * 1000 then
    return false
  end
  if ends and now >= ends * 1000 then
    return false
  end
  return true
end

----------------------------------------------------------------------------
-- a confirmation hashtag wins over offer hashtags

if code ~= '' then
  local confirm_tag = '#' .. confirm_prefix .. code

  local function refuse(reason)
    emit('confirm.rejected', ',"user_id":' .. hp_str(author)
         .. ',"tweet_id":' .. hp_str(tweet_id)
         .. ',"confirm_tag":' .. hp_str(confirm_tag)
         .. ',"reason":"' .. reason .. '"')
    return record('rejected', reason)
  end

  local function failed_attempt(reason)
    -- the lockout window starts at the first failure and is not extended
    if redis.call('INCR', attempts_key) == 1 then
      redis.call('PEXPIRE', attempts_key, ARGV[4])
    end
    return refuse(reason)
  end

  -- read with the record (above)
  local attempts = tonumber(seen[4] or '0')
  local id = seen[5]

  if attempts >= MAX_ATTEMPTS then
    return refuse('too_many_attempts')
  end

  if not id then
    return failed_attempt('unknown_code')
  end

  -- the fields this step reads (absent ones read nil, as in HGETALL)
  local purchase_key = prefix .. ':purchase:' .. id
  local p = redis.call('HMGET', purchase_key, 'user_id', 'state',
                       'offer_key', 'expires_at', 'offer', 'price_cents',
                       'currency', 'tweet_id')
  local state, offer_tag = p[2], p[3]

  if p[1] ~= author then
    return failed_attempt('not_owner')
  end

  -- a link always has a card_token (link_put.lua)
  local card_token = redis.call('HGET', prefix .. ':link:' .. author,
                                'card_token')

  if state == 'cancelled' or not card_token then
    return refuse('not_linked')
  end

  if state == 'confirmed' then
    return refuse('already_confirmed')
  end

  local holds_key = prefix .. ':holds:' .. offer_tag

  -- the hold stopped counting at expires_at; and a hold that is gone
  -- from the offer's holds was trimmed by a clock that had passed
  -- expires_at (an NTP step back, a failover to a lagging replica): its
  -- unit may be sold already, so it never becomes a sale
  if now >= tonumber(p[4] or nil)
     or not redis.call('ZSCORE', holds_key, id) then
    redis.call('ZREM', holds_key, id)
    redis.call('ZREM', prefix .. ':user_pending:' .. author, id)
    return refuse('expired')
  end

  local offer_key = prefix .. ':offer:' .. offer_tag

  if not offer_active(redis.call('HMGET', offer_key, 'active', 'starts_at',
                                 'ends_at'))
  then
    return refuse('offer_inactive')
  end

  -- the hold becomes a sale: sold + held does not change; the purchase
  -- is a record of money from now on and never expires

  redis.call('HSET', purchase_key, 'state', 'confirmed',
             'confirmed_at', now_s, 'confirm_tweet_id', tweet_id)
  redis.call('PERSIST', purchase_key)
  redis.call('ZREM', holds_key, id)
  redis.call('HINCRBY', offer_key, 'sold', '1')
  redis.call('INCR', prefix .. ':bought:' .. offer_tag .. ':' .. author)
  redis.call('DEL', prefix .. ':pending:' .. offer_tag .. ':' .. author)
  redis.call('ZREM', prefix .. ':user_pending:' .. author, id)

  -- an absent field (false in an HMGET reply) is null
  emit('purchase.confirmed', ',"purchase_id":' .. hp_str(id)
       .. ',"offer":' .. hp_json(p[5] or nil)
       .. ',"user_id":' .. hp_str(author)
       .. ',"card_token":' .. hp_str(card_token)
       .. ',"price_cents":' .. hp_json(tonumber(p[6] or nil))
       .. ',"currency":' .. hp_json(p[7] or nil)
       .. ',"tweet_id":' .. hp_json(p[8] or nil)
       .. ',"confirm_tweet_id":' .. hp_str(tweet_id))

  return record('confirmed', '')
end

----------------------------------------------------------------------------
-- the first hashtag that names an offer acts (found above): the fields
-- a purchase or a claim reads (absent ones read false: "or" defaults)

local o = redis.call('HMGET', offer_key, 'active', 'starts_at', 'ends_at',
                     'tag', 'kind', 'min_account_age_days',
                     'per_user_limit', 'stock', 'sold', 'price_cents',
                     'currency')
local offer = o[4] or tag
local cashback = o[5] == 'cashback'
local currency = o[11] or 'USD'
local offer_json = hp_str(offer)
local user_json = ',"user_id":' .. hp_str(author)
                  .. ',"screen_name":' .. hp_str(screen_name)
                  .. ',"tweet_id":' .. hp_str(tweet_id)

local function reject(reason, confirm_tag)
  local fields = ',"offer":' .. offer_json .. user_json
                 .. ',"reason":"' .. reason .. '"'
  if confirm_tag then
    fields = fields .. ',"confirm_tag":' .. hp_str(confirm_tag)
  end
  emit('intent.rejected', fields)
  return record('rejected', reason)
end

-- a link always has a card_token (link_put.lua): the claim saves it
local card_token = redis.call('HGET', prefix .. ':link:' .. author,
                              'card_token')

if not card_token then
  return reject('not_linked')
end

if not offer_active(o) then
  return reject('offer_inactive')
end

-- account age at the tweet's time; an unknown age fails closed

local min_age = tonumber(o[6] or '') or 0

if min_age > 0 then
  local at = timestamp or now
  created_at = tonumber(created_at)
  if not created_at or at - created_at < min_age * DAY_MS then
    return reject('account_too_new')
  end
end

-- a cashback claim has no pending state: it is saved at once.  One MGET
-- reads the user's pending purchase of the offer, the purchases counted
-- against the limit and the first fresh code (almost always not live)

local pending_key = prefix .. ':pending:' .. tag .. ':' .. author
local bought_key = prefix .. ':bought:' .. tag .. ':' .. author
local bought, first_code

if not cashback then
  local r = redis.call('MGET', pending_key, bought_key,
                       prefix .. ':code:' .. (ARGV[14] or ''))
  bought = r[2]
  first_code = r[3]

  -- a pending purchase, as read now: not pending any more when
  -- confirmed, cancelled or expired
  if r[1] then
    local q = redis.call('HMGET', prefix .. ':purchase:' .. r[1], 'state',
                         'expires_at', 'confirm_tag')
    if q[1] == 'pending' and tonumber(q[2]) > now then
      return reject('pending', q[3] or nil)
    end
  end
else
  bought = redis.call('GET', bought_key)
end

local limit = tonumber(o[7] or '') or 1

if tonumber(bought or '0') >= limit then
  return reject('limit_reached')
end

----------------------------------------------------------------------------
-- a cashback claim: stock counts every claim ever saved; the terms are
-- saved with the claim, the card is the one linked now

if cashback then
  -- the terms only a claim reads
  local c = redis.call('HMGET', offer_key, 'claimed', 'merchant_id',
                       'cashback_cents', 'min_spend_cents')
  local stock = tonumber(o[8] or '') or 0
  local claimed = tonumber(c[1] or '') or 0

  if claimed >= stock then
    return reject('sold_out')
  end

  local n = string.format('%d', redis.call('INCR', prefix .. ':claim_seq'))
  local id = 'clm_' .. n
  local cents = hp_json(tonumber(c[3] or '') or 0)
  local merchant_id = c[2] or ''

  redis.call('HSET', prefix .. ':claim:' .. id,
             'id', id, 'offer', offer, 'offer_key', tag, 'user_id', author,
             'screen_name', screen_name, 'card_token', card_token,
             'tweet_id', tweet_id, 'state', 'saved',
             'merchant_id', merchant_id,
             'currency', currency, 'cashback_cents', cents,
             'min_spend_cents',
             hp_json(tonumber(c[4] or '') or 0),
             'created_at', now_s, 'redeemed_at', '', 'voided_at', '',
             'txn_id', '')
  -- every saved claim of the user (for unlinking), and the index that
  -- a card transaction reads: the user's claims at one merchant in one
  -- currency
  redis.call('ZADD', prefix .. ':claims:' .. author, n, id)
  redis.call('ZADD', prefix .. ':claims:' .. author .. ':'
                     .. merchant_id .. ':' .. currency, n, id)
  redis.call('HINCRBY', offer_key, 'claimed', '1')
  redis.call('INCR', bought_key)

  emit('claim.saved', ',"claim_id":"' .. id .. '","offer":' .. offer_json
       .. ',"user_id":' .. hp_str(author)
       .. ',"card_token":' .. hp_str(card_token)
       .. ',"merchant_id":' .. hp_str(merchant_id)
       .. ',"cashback_cents":' .. cents)

  return record('claim_saved', '')
end

-- a hold counts while its score (expires_at) > now

local holds_key = prefix .. ':holds:' .. tag
local stock = tonumber(o[8] or '') or 0
local sold = tonumber(o[9] or '') or 0

redis.call('ZREMRANGEBYSCORE', holds_key, '-inf', now_s)

if sold + redis.call('ZCARD', holds_key) >= stock then
  return reject('sold_out')
end

-- the intent: a fresh code that is not live (the first one was read
-- above), a hold, a pending purchase

local fresh

for i = 14, 13 + ncodes do
  local key = prefix .. ':code:' .. ARGV[i]
  if i == 14 and not first_code
     or i > 14 and redis.call('EXISTS', key) == 0 then
    fresh = ARGV[i]
    code_key = key
    break
  end
end

if not fresh then
  return redis.error_reply('hashpay: every fresh confirmation code is live '
                           .. 'already (' .. ncodes .. ' tried)')
end

local id = string.format('pur_%d',
                         redis.call('INCR', prefix .. ':purchase_seq'))
local confirm_ttl = ARGV[4] + 0
local expires_at = now + confirm_ttl
local expires_s = string.format('%d', expires_at)
local code_ttl = string.format('%d', confirm_ttl + dedupe_ttl)
local confirm_tag = '#' .. confirm_prefix .. fresh
local price_cents = hp_json(tonumber(o[10] or '') or 0)

local purchase_key = prefix .. ':purchase:' .. id
local user_pending_key = prefix .. ':user_pending:' .. author

redis.call('HSET', purchase_key,
           'id', id, 'offer', offer, 'offer_key', tag, 'user_id', author,
           'screen_name', screen_name, 'state', 'pending',
           'tweet_id', tweet_id, 'confirm_tag', confirm_tag, 'code', fresh,
           'expires_at', expires_s, 'confirmed_at', '',
           'confirm_tweet_id', '', 'cancelled_at', '',
           'price_cents', price_cents, 'currency', currency,
           'created_at', now_s)
-- unconfirmed, the purchase goes with its code (confirmation and
-- cancellation PERSIST it: those are records of money)
redis.call('PEXPIRE', purchase_key, code_ttl)
redis.call('ZADD', holds_key, expires_s, id)
redis.call('SET', code_key, id, 'PX', code_ttl)
redis.call('SET', pending_key, id, 'PX', ARGV[4])
-- the user's pending purchases by expires_at: the expired ones leave
-- here, and the set goes when its last member expires (a reload may have
-- shortened confirm_ttl: the last is the highest score, not the newest)
redis.call('ZREMRANGEBYSCORE', user_pending_key, '-inf', now_s)
redis.call('ZADD', user_pending_key, expires_s, id)
redis.call('PEXPIREAT', user_pending_key,
           redis.call('ZRANGE', user_pending_key, '-1', '-1',
                      'WITHSCORES')[2])

emit('intent.created', ',"purchase_id":"' .. id .. '","offer":' .. offer_json
     .. user_json
     .. ',"confirm_tag":' .. hp_str(confirm_tag)
     .. ',"expires_at":' .. expires_s
     .. ',"price_cents":' .. price_cents
     .. ',"currency":' .. hp_str(currency))

return record('intent_created', '')
