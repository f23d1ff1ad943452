-- The answer tally shared by bench/tweets.lua, bench/purchase.lua,
-- bench/transactions.lua and bench/soak.lua (wrk 4.x, LuaJIT), loaded by
-- each with dofile("bench/check.lua"): wrk runs from the repository root.
--
-- Each thread counts in the globals ok, bad, sent, pool and exhausted
-- (the script sets all but bad, or has take() and answer() count them),
-- calls wrong(status, body) for a wrong answer, and done() prints the line
-- the bench scripts parse:
--   hashpay-check: ok=N bad=N sent=N pool=N exhausted=N maxsent=N
-- (maxsent: the most requests one thread sent, so that a next run over
-- the same lines can skip all the lines this one used)
-- then the status:outcome counts of the wrong answers (the "outcome" or
-- "error" of the body) and the first wrong answer of each thread.

local threads = {}

function setup(thread)
   thread:set("tid", #threads)
   table.insert(threads, thread)
end

ok, bad, sent, pool, exhausted, first_bad = 0, 0, 0, 0, 0, nil
next_i = 1                      -- for take()
expect_status, expect_text = nil, nil     -- for answer()
others = ""                     -- "status:outcome=count ..." of wrong answers

local other = {}

function wrong(status, body)
   bad = bad + 1
   local o = body and (body:match('"outcome":"([^"]*)"')
                       or body:match('"error":"([^"]*)"'))
   local key = status .. ":" .. (o or "-")
   other[key] = (other[key] or 0) + 1
   local s = {}
   for k, v in pairs(other) do s[#s + 1] = k .. "=" .. v end
   others = table.concat(s, " ")
   if first_bad == nil then
      first_bad = status .. " " .. tostring(body):sub(1, 300)
   end
end

function done(summary, latency, requests)
   local t = { ok = 0, bad = 0, sent = 0, pool = 0, exhausted = 0 }
   local o, samples, maxsent = {}, {}, 0
   for _, thread in ipairs(threads) do
      for k in pairs(t) do t[k] = t[k] + (thread:get(k) or 0) end
      maxsent = math.max(maxsent, thread:get("sent") or 0)
      for k, v in (thread:get("others") or ""):gmatch("(%S+)=(%d+)") do
         o[k] = (o[k] or 0) + tonumber(v)
      end
      local fb = thread:get("first_bad")
      if fb then samples[#samples + 1] = fb end
   end
   io.write(string.format(
      "hashpay-check: ok=%d bad=%d sent=%d pool=%d exhausted=%d maxsent=%d\n",
      t.ok, t.bad, t.sent, t.pool, t.exhausted, maxsent))
   local s = {}
   for k, v in pairs(o) do s[#s + 1] = k .. "=" .. v end
   table.sort(s)
   io.write("hashpay-check: wrong (status:outcome=count): ",
            #s > 0 and table.concat(s, " ") or "none", "\n")
   for _, x in ipairs(samples) do
      io.write("hashpay-check: first wrong answer: ", x, "\n")
   end
end

-- take(n): the index (1..n) of the thread's next line of its n lines, from
-- next_i on; past the end it starts over and counts the re-sent line in
-- exhausted.  Counts it in sent.
function take(n)
   local i = next_i
   if i > n then
      i = ((i - 1) % n) + 1
      exhausted = exhausted + 1
   end
   next_i = next_i + 1
   sent = sent + 1
   return i
end

-- answer(status, body): counts an answer: right (ok) when the status is
-- expect_status and the body holds expect_text (if set), else wrong().
function answer(status, body)
   if status == expect_status
      and (expect_text == nil or (body and body:find(expect_text, 1, true)))
   then
      ok = ok + 1
   else
      wrong(status, body)
   end
end

-- pace(nthreads): when the environment holds HASHPAY_RATE (requests/s of
-- the whole run), defines wrk's delay() so that each of the nthreads
-- threads sends at HASHPAY_RATE / nthreads: request k of a thread is due
-- at its start + k periods, and delay() (called by wrk before each request
-- of a connection, the wait in ms) answers the time left to the next due
-- slot, 0 when it is late (an open-loop schedule: a late answer does not
-- push the later requests back, as in wrk2).  wrk waits in whole ms, the
-- schedule keeps the fractions, so the rate holds over a run.  The clock
-- is CLOCK_MONOTONIC through LuaJIT's FFI.
-- prepare (optional) is called once, before the schedule starts: what a
-- thread loads in its first request() (see lazy loading in tweets.lua).
function pace(nthreads, prepare)
   local rate = tonumber(os.getenv("HASHPAY_RATE") or "")
   if not rate or rate <= 0 then return end
   local ffi = require("ffi")
   ffi.cdef[[
      struct hashpay_ts { long tv_sec; long tv_nsec; };
      int clock_gettime(int clk, struct hashpay_ts *ts);
   ]]
   local ts = ffi.new("struct hashpay_ts")
   local period = 1000 * nthreads / rate
   local due
   delay = function()
      if not due and prepare then prepare() end
      ffi.C.clock_gettime(1, ts)           -- CLOCK_MONOTONIC
      local now = tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
      due = due or now
      local d = due - now
      due = due + period
      return d > 0 and d or 0
   end
end
