-- wrk script for bench/run.sh (wrk 4.x, LuaJIT).
--
--   wrk ... -s bench/tweets.lua URL -- post NTHREADS TMPL LINES EXPECT [SKIP]
--   wrk ... -s bench/tweets.lua URL -- get NTHREADS EXPECT
--
-- post: POST URL with the deliveries of bench/gen.pl: line n of LINES
--       ("<template>\t<sig>\t<T>\t<U>\t<S>\t<H>") is template <template> of
--       TMPL with @@T@@, @@U@@, @@S@@, @@H@@ replaced by its fields, sent
--       with x-twitter-webhooks-signature: sha256=<sig>.  Thread k of n
--       takes lines k+1, k+1+n, ..., from its SKIP+1st on (SKIP: the
--       maxsent of earlier runs over the same lines), so each line is
--       sent at most once; a thread that runs out starts over from its
--       first line (those re-sent deliveries are counted in `exhausted`;
--       pool is the number of its lines not sent before).
-- get:  GET URL (wrk's static request, the URL with its query).
-- EXPECT is "STATUS" or "STATUS:TEXT": an answer is right when its status
-- is STATUS and (if given) its body holds TEXT.
-- With HASHPAY_RATE set in the environment the run is paced (pace() of
-- bench/check.lua).  done() prints the line bench/run.sh parses:
--   hashpay-check: ok=N bad=N sent=N pool=N exhausted=N maxsent=N
-- then the status:outcome counts of the wrong answers and the first one of
-- each thread (bench/check.lua).

-- setup(), done(), take(), answer(), pace(), the counters
dofile("bench/check.lua")

local lines, parts, head, argv, nthr
local verify = false

local function slots(tmpl)    -- "a@@T@@b" -> { "a", "T", "b" }
   local p, from = {}, 1
   while true do
      local s, e, name = tmpl:find("@@([TUSH])@@", from)
      if not s then break end
      p[#p + 1] = tmpl:sub(from, s - 1)
      p[#p + 1] = name
      from = e + 1
   end
   p[#p + 1] = tmpl:sub(from)
   return p
end

function init(args)
   local mode, nthreads = args[1], tonumber(args[2])
   assert(mode and nthreads, "usage: -- post|get NTHREADS ...")
   local expect = mode == "get" and args[3] or args[5]
   assert(expect, "no EXPECT")
   expect_status = tonumber(expect:match("^(%d+)"))
   expect_text = expect:match("^%d+:(.+)$")
   if mode == "get" then
      pace(nthreads)
      request = nil             -- static request, as wrk without a script
      return
   end
   assert(mode == "post", "unknown mode " .. tostring(mode))
   argv, nthr = args, nthreads
   pace(nthreads, function() if not lines then load_lines() end end)
   -- wrk calls request() of the first thread once more, right after
   -- init(), to check that it returns valid HTTP, and never sends that
   -- one: it takes no line
   verify = tid == 0
end

-- the lines are read by the thread's first request() (or delay()), not by
-- init(): wrk runs init() of thread k+1 in its main thread while thread k
-- already sends, and starts its clock after the last init(), so a slow
-- init() would have the first threads send uncounted time.  The first
-- thread reads in wrk's verify call, before wrk starts any thread; the
-- others in their run, which is why a line is kept as it is, unsplit, to
-- keep that short.
function load_lines()
   local args, nthreads = argv, nthr
   parts = {}
   for t in io.lines(args[3]) do parts[#parts + 1] = slots(t) end
   lines = {}
   local n = 0
   for line in io.lines(args[4]) do
      if n % nthreads == tid then lines[#lines + 1] = line end
      n = n + 1
   end
   assert(#lines > 0, "no lines for thread " .. tid)
   -- the lines from SKIP on are new; past the end it starts over
   local skip = tonumber(args[6] or "0")
   pool = skip < #lines and #lines - skip or 0
   next_i = skip + 1
   head = "POST " .. wrk.path .. " HTTP/1.1\r\n"
      .. "Host: " .. wrk.headers["Host"] .. "\r\n"
      .. "User-Agent: wrk-hashpay-bench\r\n"
      .. "Content-Type: application/json; charset=utf-8\r\n"
end

-- (a line is split here, not when read: see load_lines)
local function delivery(line)
   local k, sig, T, U, S, H =
      line:match("^(%d+)\t(%S+)\t(%d+)\t(%d+)\t(%S+)\t(%S+)$")
   local p = k and parts[tonumber(k)]
   assert(p, "bad line: " .. line)
   local v, b = { T = T, U = U, S = S, H = H }, {}
   for j = 1, #p do
      b[j] = j % 2 == 1 and p[j] or v[p[j]]
   end
   local body = table.concat(b)
   return head .. "Content-Length: " .. #body .. "\r\n"
      .. "x-twitter-webhooks-signature: sha256=" .. sig .. "\r\n\r\n"
      .. body
end

function request()
   if not lines then load_lines() end
   if verify then
      verify = false
      return delivery(lines[1])
   end
   return delivery(lines[take(#lines)])
end

function response(status, headers, body)
   answer(status, body)
end
