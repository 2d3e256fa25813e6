-- GET /api/tasks, rotating over the seeded users' tokens (each request the next user).
local common = dofile((os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/common.lua")
setup = common.setup
done = common.done
local reqs, i, step = {}, 0, 1

function init(args)
  common.reset_counters()
  for _, u in ipairs(common.load_users()) do
    table.insert(reqs, wrk.format("GET", "/api/tasks", { ["Authorization"] = "Bearer " .. u.token }))
  end
  i = tid
  step = 7 -- co-prime with 50: threads start apart and walk all users
end

function request()
  i = (i + step) % #reqs
  op_list = op_list + 1
  return reqs[i + 1]
end


local d = common.delay_ms()
if d > 0 then delay = function() return d end end
