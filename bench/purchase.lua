-- wrk script for bench/purchase.sh (wrk 4.x, LuaJIT).
--
--   wrk ... -s bench/purchase.lua URL -- ping NTHREADS
--   wrk ... -s bench/purchase.lua URL -- post NTHREADS LINES EXPECT
--
-- ping: GET URL (wrk's static request); every answer must be 204.
-- post: POST URL with the next line of LINES ("<base64 sig>\t<body>",
--       written by bench/purchase.pl).  Thread k of n takes lines k+1,
--       k+1+n, ... so each line is sent at most once; a thread that runs
--       out starts over (those re-sent deliveries are counted in
--       `exhausted` and are answered as duplicates, i.e. wrong).  An answer
--       is right when it is 200 and its body holds "outcome":"EXPECT".
-- done() prints the line bench/purchase.sh parses:
--   hashpay-check: ok=N bad=N sent=N pool=N exhausted=N
-- then the outcome counts of the wrong answers and the first one of each
-- thread.

local threads = {}

function setup(thread)
   thread:set("tid", #threads)
   table.insert(threads, thread)
end

ok, bad, sent, pool, exhausted, first_bad = 0, 0, 0, 0, 0, nil
others = ""                     -- "outcome=count ..." of wrong answers

local mode, expect_status, expect_body, sigs, bodies, next_i, head
local other = {}

function init(args)
   mode = args[1]
   local nthreads = tonumber(args[2])
   assert(mode and nthreads, "usage: -- ping|post NTHREADS [LINES EXPECT]")
   if mode == "ping" then
      expect_status = 204
      request = nil
      return
   end
   assert(mode == "post", "unknown mode " .. tostring(mode))
   expect_status = 200
   expect_body = '"outcome":"' .. args[4] .. '"'
   sigs, bodies = {}, {}
   local n = 0
   for line in io.lines(args[3]) do
      if n % nthreads == tid then
         local tab = line:find("\t", 1, true)
         assert(tab, "bad line in " .. args[3])
         sigs[#sigs + 1] = line:sub(1, tab - 1)
         bodies[#bodies + 1] = line:sub(tab + 1)
      end
      n = n + 1
   end
   pool = #sigs
   assert(pool > 0, "no lines for thread " .. tid)
   next_i = 1
   head = "POST " .. wrk.path .. " HTTP/1.1\r\n"
      .. "Host: " .. wrk.headers["Host"] .. "\r\n"
      .. "User-Agent: wrk-hashpay-bench\r\n"
      .. "Content-Type: application/json; charset=utf-8\r\n"
end

function request()
   local i = next_i
   if i > pool then
      i = ((i - 1) % pool) + 1
      exhausted = exhausted + 1
   end
   next_i = next_i + 1
   sent = sent + 1
   local b = bodies[i]
   return head .. "Content-Length: " .. #b .. "\r\n"
      .. "x-twitter-webhooks-signature: sha256=" .. sigs[i] .. "\r\n\r\n"
      .. b
end

function response(status, headers, body)
   if status == expect_status
      and (expect_body == nil or (body and body:find(expect_body, 1, true)))
   then
      ok = ok + 1
      return
   end
   bad = bad + 1
   local o = body and body:match('"outcome":"([^"]*)"')
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
