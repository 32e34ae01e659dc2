-- wrk script for bench/complaints_bench.py: every request is a distinct, valid submission
-- (POST /api/v1/submissions, JSON), as a citizen's browser sends it: no Idempotency-Key
-- (set WRK_IDEMPOTENCY=1 to send a fresh key with each one), so the service runs its
-- duplicate-window check every time. Distinct bodies never fold into one case.
--
-- Environment: WRK_PROGRAM (a program code of the county, optional), WRK_OUT (a file: each
-- thread appends the tracking numbers answered 201, one a line, and its status counts).

local threads = {}
local counter = 0
local program = os.getenv("WRK_PROGRAM") or ""
local with_key = os.getenv("WRK_IDEMPOTENCY") == "1"
local out_path = os.getenv("WRK_OUT")

function setup(thread)
   thread:set("id", #threads + 1)
   table.insert(threads, thread)
end

function init(args)
   numbers = {}
   statuses = {}
   math.randomseed(os.time() * 1000 + id)
   nonce = tostring(math.random(100000000, 999999999))
end

local function body()
   counter = counter + 1
   local fields = {
      '"kind":"complaint"', '"category":"amount"',
      '"subject":"补贴金额有误"',
      string.format('"body":"压测提交 %d-%s-%d：我家承包12亩，只发了700元，请核实。"', id, nonce, counter),
      '"name":"压测"', '"phone":"13800138000"',
   }
   if program ~= "" then
      table.insert(fields, string.format('"program":"%s"', program))
   end
   return "{" .. table.concat(fields, ",") .. "}"
end

function request()
   local headers = {["Content-Type"] = "application/json", ["Accept"] = "application/json"}
   if with_key then
      headers["Idempotency-Key"] = string.format("wrk-%d-%s-%d", id, nonce, counter + 1)
   end
   return wrk.format("POST", "/api/v1/submissions", headers, body())
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
   if status == 201 then
      local number = string.match(body, '"tracking_no"%s*:%s*"(YK[0-9A-Z]+)"')
      if number then
         table.insert(numbers, number)
      end
   end
end

-- each thread writes its own part when wrk stops it (wrk has no per-thread "done")
function done(summary, latency, requests)
   local fh = io.open(out_path .. ".summary", "w")
   fh:write(string.format('{"requests": %d, "duration_us": %d, "errors_connect": %d, "errors_read": %d, '
      .. '"errors_write": %d, "errors_timeout": %d, "errors_status": %d, '
      .. '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
      summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
      summary.errors.write, summary.errors.timeout, summary.errors.status,
      latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean))
   fh:close()
   for _, thread in ipairs(threads) do
      local dump = thread:get("dump")
      if dump then
         local part = io.open(out_path, "a")
         part:write(dump)
         part:close()
      end
   end
end

-- called through the thread's globals by done(): a string of numbers and status counts
setmetatable(_G, {__index = function(t, k)
   if k == "dump" and rawget(t, "numbers") then
      local lines = {}
      for _, n in ipairs(numbers) do table.insert(lines, n) end
      for s, c in pairs(statuses) do table.insert(lines, string.format("status %d %d", s, c)) end
      return table.concat(lines, "\n") .. "\n"
   end
   return nil
end})
