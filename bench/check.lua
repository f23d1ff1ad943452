-- The answer tally shared by bench/purchase.lua and bench/transactions.lua
-- (wrk 4.x, LuaJIT), loaded by each with dofile("bench/check.lua"): wrk
-- runs from the repository root.
--
-- Each thread counts in the globals ok, bad, sent, pool and exhausted
-- (the script sets all but bad), calls wrong(status, body) for a wrong
-- answer, and done() prints the line the bench scripts parse:
--   hashpay-check: ok=N bad=N sent=N pool=N exhausted=N
-- then the status:outcome counts of the wrong answers (the "outcome" or
-- "error" of the body) and the first wrong answer of each thread.

local threads = {}

function setup(thread)
   thread:set("tid", #threads)
   table.insert(threads, thread)
end

ok, bad, sent, pool, exhausted, first_bad = 0, 0, 0, 0, 0, nil
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
   local o, samples = {}, {}
   for _, thread in ipairs(threads) do
      for k in pairs(t) do t[k] = t[k] + (thread:get(k) or 0) end
      for k, v in (thread:get("others") or ""):gmatch("(%S+)=(%d+)") do
         o[k] = (o[k] or 0) + tonumber(v)
      end
      local fb = thread:get("first_bad")
      if fb then samples[#samples + 1] = fb end
   end
   io.write(string.format(
      "hashpay-check: ok=%d bad=%d sent=%d pool=%d exhausted=%d\n",
      t.ok, t.bad, t.sent, t.pool, t.exhausted))
   local s = {}
   for k, v in pairs(o) do s[#s + 1] = k .. "=" .. v end
   table.sort(s)
   io.write("hashpay-check: wrong (status:outcome=count): ",
            #s > 0 and table.concat(s, " ") or "none", "\n")
   for _, x in ipairs(samples) do
      io.write("hashpay-check: first wrong answer: ", x, "\n")
   end
end
