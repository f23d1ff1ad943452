-- wrk script for bench/transactions.sh (wrk 4.x, LuaJIT).
--
--   wrk ... -s bench/transactions.lua URL -- ping NTHREADS
--   wrk ... -s bench/transactions.lua URL -- post NTHREADS LINES OUTCOME CENTS
--                                                 [SKIP]
--   wrk ... -s bench/transactions.lua URL -- once NTHREADS LINES OUTCOME CENTS
--
-- ping: GET URL (wrk's static request); every answer must be 204.
-- post: POST URL with the next line of LINES ("<webhook-id>\t<timestamp>\t
--       <base64 sig>\t<body>", written by bench/transactions.pl) as the
--       Standard Webhooks headers and the body.  Thread k of n takes lines
--       k+1, k+1+n, ... so each line is sent at most once; a thread that
--       runs out starts over (those re-sent transactions are counted in
--       `exhausted` and are answered "duplicate", i.e. wrong).  An answer is
--       right when it is 200 and its body is exactly
--       {"outcome":"OUTCOME","cashback_cents":CENTS}.  SKIP: each thread
--       leaves out its first SKIP lines (the maxsent of an earlier run over
--       the same lines).  With HASHPAY_RATE set in the environment the run
--       is paced (pace() of bench/check.lua).
-- once: as post, but a thread that has sent all its lines sends GET /ping
--       instead (answers not counted) and stops as soon as all its lines
--       are answered: each line is sent exactly once, whatever -d (the
--       unmeasured top-up of bench/transactions.sh).
-- done() prints the line bench/transactions.sh parses:
--   hashpay-check: ok=N bad=N sent=N pool=N exhausted=N
-- then the status:outcome counts of the wrong answers and the first one of
-- each thread (bench/check.lua).

dofile("bench/check.lua")     -- setup(), wrong(), done(), the counters

local mode, expect_body, head, bodies, filler
local argv, nthr
local answered = 0
local verify = false

function init(args)
   mode = args[1]
   local nthreads = tonumber(args[2])
   assert(mode and nthreads,
          "usage: -- ping|post NTHREADS [LINES OUTCOME CENTS]")
   if mode == "ping" then
      pace(nthreads)
      expect_status = 204
      request = nil
      return
   end
   assert(mode == "post" or mode == "once", "unknown mode " .. tostring(mode))
   assert(args[5], "usage: -- post|once NTHREADS LINES OUTCOME CENTS")
   expect_status = 200
   expect_body = '{"outcome":"' .. args[4] .. '","cashback_cents":'
      .. args[5] .. '}'
   argv, nthr = args, nthreads
   pace(nthreads, function() if not bodies then load_lines() end end)
   filler = "GET /ping HTTP/1.1\r\nHost: " .. wrk.headers["Host"]
      .. "\r\n\r\n"
   -- wrk calls request() of the first thread once more, right after
   -- init(), to check that it returns valid HTTP, and never sends that
   -- one: give it the filler, not a transaction
   verify = tid == 0
end

-- read by the thread's first request() (or delay()), not by init(), and
-- each line split when sent, not when read, for the reason given in
-- bench/tweets.lua
function load_lines()
   local args, nthreads = argv, nthr
   head = "POST " .. wrk.path .. " HTTP/1.1\r\n"
      .. "Host: " .. wrk.headers["Host"] .. "\r\n"
      .. "User-Agent: wrk-hashpay-bench\r\n"
      .. "Content-Type: application/json\r\n"
   bodies = {}
   local n, skip = 0, tonumber(args[6] or "0")
   for line in io.lines(args[3]) do
      if n % nthreads == tid and skip > 0 then
         skip = skip - 1
      elseif n % nthreads == tid then
         bodies[#bodies + 1] = line
      end
      n = n + 1
   end
   pool = #bodies
   assert(pool > 0, "no lines for thread " .. tid)
   next_i = 1
end

local function transaction(line)
   local id, ts, sig, body = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)\t(.+)$")
   assert(id, "bad line: " .. line)
   return head .. "Content-Length: " .. #body .. "\r\n"
      .. "webhook-id: " .. id .. "\r\n"
      .. "webhook-timestamp: " .. ts .. "\r\n"
      .. "webhook-signature: v1," .. sig .. "\r\n\r\n"
      .. body
end

function request()
   if not bodies then load_lines() end
   if verify then
      verify = false
      return filler
   end
   if next_i > pool and mode == "once" then
      return filler
   end
   return transaction(bodies[take(pool)])
end

function response(status, headers, body)
   if mode == "once" then
      if status == 204 then return end
      answered = answered + 1
      if answered >= pool then wrk.thread:stop() end
   end
   if status == expect_status and (expect_body == nil or body == expect_body)
   then
      ok = ok + 1
      return
   end
   wrong(status, body)
end
