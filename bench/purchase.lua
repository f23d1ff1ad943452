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
-- then the status:outcome counts of the wrong answers and the first one of
-- each thread (bench/check.lua).

dofile("bench/check.lua")     -- setup(), done(), take(), answer(), counters

local mode, sigs, bodies, head
local verify = false

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
   expect_text = '"outcome":"' .. args[4] .. '"'
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
   verify = tid == 0
end

local function delivery(i)
   local b = bodies[i]
   return head .. "Content-Length: " .. #b .. "\r\n"
      .. "x-twitter-webhooks-signature: sha256=" .. sigs[i] .. "\r\n\r\n"
      .. b
end

function request()
   if verify then
      -- wrk calls request() of the first thread once more, right after
      -- init(), to check that it returns valid HTTP, and never sends that
      -- one: it takes no line
      verify = false
      return delivery(1)
   end
   return delivery(take(pool))
end

function response(status, headers, body)
   answer(status, body)
end
