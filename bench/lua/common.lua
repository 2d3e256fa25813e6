-- Shared by the wrk scenarios: loads the seeded users (BENCH_DATA, a Lua file written by
-- bench/run.py), numbers the threads, counts status classes, and prints one JSON line
-- ("WRKJSON {...}") from done() for bench/run.py to read. Latencies are in microseconds.
--
-- Only the scenarios that must read answers (mix, login) define a response() callback and count
-- status classes with count_status. The others (static, list, get) leave counting to wrk itself,
-- which counts every answer with a status of 400 or more (summary.errors.status): a Lua callback
-- per answer makes wrk copy every header and body into Lua, which costs it more CPU than the
-- request it measures, on the two cores it shares with the stack.
local M = {}

function M.load_users()
  local path = os.getenv("BENCH_DATA")
  if not path then return {} end
  return dofile(path).users
end

local threads = {}
local next_id = 0

function M.setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local counters = { "n2xx", "n3xx", "n4xx", "n5xx", "op_list", "op_get", "op_update", "op_create", "op_delete",
                   "op_login", "op_static", "created", "delete_fallback" }

function M.reset_counters()
  for _, name in ipairs(counters) do _G[name] = 0 end
end

function M.count_status(status)
  if status < 300 then n2xx = n2xx + 1
  elseif status < 400 then n3xx = n3xx + 1
  elseif status < 500 then n4xx = n4xx + 1
  else n5xx = n5xx + 1 end
end

function M.done(summary, latency, requests)
  local totals = {}
  for _, name in ipairs(counters) do totals[name] = 0 end
  for _, t in ipairs(threads) do
    for _, name in ipairs(counters) do
      local v = t:get(name)
      if type(v) == "number" then totals[name] = totals[name] + v end
    end
  end
  local e = summary.errors
  local parts = {
    string.format('"duration_us":%d', summary.duration),
    string.format('"requests":%d', summary.requests),
    string.format('"bytes":%d', summary.bytes),
    string.format('"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}',
      e.connect, e.read, e.write, e.status, e.timeout),
    string.format('"latency_us":{"min":%d,"mean":%.1f,"stdev":%.1f,"max":%d,"p50":%d,"p90":%d,"p95":%d,"p99":%d,"p999":%d}',
      latency.min, latency.mean, latency.stdev, latency.max, latency:percentile(50), latency:percentile(90),
      latency:percentile(95), latency:percentile(99), latency:percentile(99.9)),
  }
  local c = {}
  for _, name in ipairs(counters) do table.insert(c, string.format('"%s":%d', name, totals[name])) end
  table.insert(parts, '"counters":{' .. table.concat(c, ",") .. '}')
  io.write("WRKJSON {" .. table.concat(parts, ",") .. "}\n")
end

-- BENCH_DELAY_MS > 0 makes each connection wait that long between requests: a steady,
-- roughly fixed rate of connections x 1000 / (delay + latency) requests per second.
function M.delay_ms()
  return tonumber(os.getenv("BENCH_DELAY_MS") or "0") or 0
end

return M
