-- wrk script for bench/soak.sh (wrk 4.x, LuaJIT).
--
--   wrk ... -s bench/soak.lua URL -- post NTHREADS LINES EXPECT
--   wrk ... -s bench/soak.lua URL -- txn NTHREADS LINES OUTCOME CENTS
--   wrk ... -s bench/soak.lua URL -- put NTHREADS FROM TO TOKEN [cashback]
--   wrk ... -s bench/soak.lua URL -- get NTHREADS TOKEN
--
-- post: POST URL with each line of LINES ("<base64 sig>\t<body>", written
--       by bench/soak.pl) as a signed webhook delivery; right when 200 and
--       the body holds "outcome":"EXPECT".
-- txn:  POST URL with each line of LINES ("<webhook-id>\t<timestamp>\t
--       <base64 sig>\t<body>", written by bench/transactions.pl) as a
--       signed card transaction; right when 200 and the body is exactly
--       {"outcome":"OUTCOME","cashback_cents":CENTS}.
-- put:  PUT URL/soak_<n> (n = FROM .. TO, 5 digits) with a purchase offer
--       body and "Authorization: Bearer TOKEN"; right when 201.  With
--       "cashback": PUT URL/cb_<n> (4 digits), a cashback offer of
--       merchant mch_<n> (500 back on 1000 spent).
-- post, txn and put send each item exactly once: thread k of n takes items
-- k+1, k+1+n, ...; once a thread has sent its share it sends GET /ping
-- (not counted) and it stops as soon as its share is answered, and then
-- creates the file $SOAK_DONE_DIR/<k> (wrk itself runs for its -d unless
-- interrupted: bench/soak.sh sends it SIGINT once every thread is done).
-- get:  GET URL (path and query as given) with the bearer TOKEN for the
--       whole -d; right when 200 and the body starts with {"offers":[.
-- done() prints the line bench/soak.sh parses:
--   hashpay-check: ok=N bad=N sent=N pool=N exhausted=N
-- (bench/check.lua), then the wrong answers by status:outcome.

dofile("bench/check.lua")     -- setup(), wrong(), done(), the counters

local mode, items, next_i, filler, expect, answered
local verify = false

local function host()
   return "Host: " .. wrk.headers["Host"] .. "\r\n"
end

function init(args)
   mode = args[1]
   local nthreads = tonumber(args[2])
   assert(mode and nthreads, "usage: -- post|txn|put|get NTHREADS ...")
   items = {}
   answered = 0
   next_i = 1
   filler = "GET /ping HTTP/1.1\r\n" .. host() .. "\r\n"

   if mode == "get" then
      items[1] = "GET " .. wrk.path .. " HTTP/1.1\r\n" .. host()
         .. "Authorization: Bearer " .. args[3] .. "\r\n\r\n"
      pool = 1
      return
   end

   local n = 0

   if mode == "put" then
      local token = args[5]
      local cashback = args[6] == "cashback"
      for i = tonumber(args[3]), tonumber(args[4]) do
         if n % nthreads == tid then
            local tag, body
            if cashback then
               tag = string.format("cb_%04d", i)
               body = '{"kind":"cashback","title":"5 back",'
                  .. '"stock":1000000000,"per_user_limit":1000,'
                  .. '"merchant_id":"' .. string.format("mch_%04d", i)
                  .. '","cashback_cents":500,"min_spend_cents":1000}'
            else
               tag = string.format("soak_%05d", i)
               body = '{"title":"Soak","price_cents":100,"stock":10}'
            end
            items[#items + 1] = "PUT " .. wrk.path .. tag .. " HTTP/1.1\r\n"
               .. host() .. "Authorization: Bearer " .. token .. "\r\n"
               .. "Content-Type: application/json\r\n"
               .. "Content-Length: " .. #body .. "\r\n\r\n" .. body
         end
         n = n + 1
      end

   elseif mode == "post" then
      expect = '"outcome":"' .. args[4] .. '"'
      local head = "POST " .. wrk.path .. " HTTP/1.1\r\n" .. host()
         .. "Content-Type: application/json; charset=utf-8\r\n"
      for line in io.lines(args[3]) do
         if n % nthreads == tid then
            local tab = line:find("\t", 1, true)
            assert(tab, "bad line in " .. args[3])
            local b = line:sub(tab + 1)
            items[#items + 1] = head .. "Content-Length: " .. #b .. "\r\n"
               .. "x-twitter-webhooks-signature: sha256="
               .. line:sub(1, tab - 1) .. "\r\n\r\n" .. b
         end
         n = n + 1
      end

   elseif mode == "txn" then
      expect = '{"outcome":"' .. args[4] .. '","cashback_cents":'
         .. args[5] .. '}'
      local head = "POST " .. wrk.path .. " HTTP/1.1\r\n" .. host()
         .. "Content-Type: application/json\r\n"
      for line in io.lines(args[3]) do
         if n % nthreads == tid then
            local id, ts, sig, b =
               line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)\t(.+)$")
            assert(id, "bad line in " .. args[3])
            items[#items + 1] = head .. "Content-Length: " .. #b .. "\r\n"
               .. "webhook-id: " .. id .. "\r\n"
               .. "webhook-timestamp: " .. ts .. "\r\n"
               .. "webhook-signature: v1," .. sig .. "\r\n\r\n" .. b
         end
         n = n + 1
      end

   else
      error("unknown mode " .. tostring(mode))
   end

   pool = #items
   assert(pool > 0, "no items for thread " .. tid)
   -- wrk calls request() of the first thread once more, right after
   -- init(), to check that it returns valid HTTP, and never sends that
   -- one: give it the filler, not an item
   verify = tid == 0
end

function request()
   if mode == "get" then
      sent = sent + 1
      return items[1]
   end
   if verify then
      verify = false
      return filler
   end
   if next_i > pool then
      return filler
   end
   local i = next_i
   next_i = next_i + 1
   sent = sent + 1
   return items[i]
end

function response(status, headers, body)
   if mode ~= "get" then
      if status == 204 then return end       -- the filler
      answered = answered + 1
      if answered == pool then
         local dir = os.getenv("SOAK_DONE_DIR")
         if dir then
            local f = io.open(dir .. "/" .. tid, "w")
            if f then f:close() end
         end
         wrk.thread:stop()
      end
   end
   local right
   if mode == "get" then
      right = status == 200 and body and body:sub(1, 11) == '{"offers":['
   elseif mode == "put" then
      right = status == 201
   elseif mode == "post" then
      right = status == 200 and body and body:find(expect, 1, true)
   else
      right = status == 200 and body == expect
   end
   if right then
      ok = ok + 1
   else
      wrong(status, body)
   end
end
