-- wrk script for bench/run.sh (wrk 4.x, LuaJIT).
--
--   wrk ... -s bench/wrk.lua URL -- ping NTHREADS
--   wrk ... -s bench/wrk.lua URL -- webhook NTHREADS BODY_TMPL PAIRS
--
-- ping:    GET URL (wrk's static request); every answer must be 204.
-- webhook: POST URL with a body from BODY_TMPL (19 '@' in place of each
--          occurrence of the tweet id) and the id and signature from the
--          next line of PAIRS ("<id> <base64 sig>").  Thread k of n takes
--          lines k+1, k+1+n, ... so no two requests of the run share an
--          id; a thread that exhausts its share starts over and the wrap
--          is reported.  Every answer must be 200 with outcome "ignored"
--          and reason "no_offer".
-- done() prints one line that bench/run.sh parses:
--   hashpay-check: ok=N bad=N ids=N pool=N wrapped=N
-- and, if anything was bad, the first bad answer of each thread.

local threads = {}

function setup(thread)
   thread:set("tid", #threads)
   table.insert(threads, thread)
end

-- per-thread globals (read back by done() with thread:get)
ok, bad, ids, pool, wrapped, first_bad = 0, 0, 0, 0, 0, nil

local mode, expect_status, expect_body
local parts, sigs, idv, next_i, head

local function slurp(name)
   local f = assert(io.open(name, "rb"))
   local s = f:read("*a")
   f:close()
   return s
end

function init(args)
   mode = args[1]
   local nthreads = tonumber(args[2])
   assert(mode and nthreads, "usage: -- ping|webhook NTHREADS [TMPL PAIRS]")

   if mode == "ping" then
      expect_status = 204
      request = nil             -- static request, as wrk without a script
      return
   end

   assert(mode == "webhook", "unknown mode " .. tostring(mode))
   expect_status = 200
   expect_body = '"outcome":"ignored","reason":"no_offer"'

   local tmpl = slurp(args[3])
   parts = {}
   local from = 1
   while true do
      local s, e = tmpl:find(string.rep("@", 19), from, true)
      if not s then break end
      table.insert(parts, tmpl:sub(from, s - 1))
      from = e + 1
   end
   table.insert(parts, tmpl:sub(from))
   assert(#parts == 3, "template must hold the id exactly twice")

   idv, sigs = {}, {}
   local n = 0
   for line in io.lines(args[4]) do
      if n % nthreads == tid then
         local id, sig = line:match("^(%d+) (%S+)$")
         assert(id, "bad line in " .. args[4] .. ": " .. line)
         idv[#idv + 1] = id
         sigs[#sigs + 1] = sig
      end
      n = n + 1
   end
   pool = #idv
   assert(pool > 0, "no ids for thread " .. tid)
   next_i = 1

   head = "POST " .. wrk.path .. " HTTP/1.1\r\n"
      .. "Host: " .. wrk.headers["Host"] .. "\r\n"
      .. "User-Agent: wrk-hashpay-bench\r\n"
      .. "Content-Type: application/json; charset=utf-8\r\n"
      .. "Content-Length: " .. #tmpl .. "\r\n"
      .. "x-twitter-webhooks-signature: sha256="
end

function request()
   local i = next_i
   if i > pool then
      i = 1
      wrapped = wrapped + 1
   end
   next_i = i + 1
   ids = ids + 1
   local id = idv[i]
   return head .. sigs[i] .. "\r\n\r\n"
      .. parts[1] .. id .. parts[2] .. id .. parts[3]
end

function response(status, headers, body)
   if status == expect_status
      and (expect_body == nil or (body and body:find(expect_body, 1, true)))
   then
      ok = ok + 1
   else
      bad = bad + 1
      if first_bad == nil then
         first_bad = status .. " " .. tostring(body):sub(1, 300)
      end
   end
end

function done(summary, latency, requests)
   local t = { ok = 0, bad = 0, ids = 0, pool = 0, wrapped = 0 }
   local samples = {}
   for _, thread in ipairs(threads) do
      for k in pairs(t) do
         t[k] = t[k] + (thread:get(k) or 0)
      end
      local fb = thread:get("first_bad")
      if fb then table.insert(samples, fb) end
   end
   io.write(string.format(
      "hashpay-check: ok=%d bad=%d ids=%d pool=%d wrapped=%d\n",
      t.ok, t.bad, t.ids, t.pool, t.wrapped))
   for _, s in ipairs(samples) do
      io.write("hashpay-check: first bad answer: ", s, "\n")
   end
end
