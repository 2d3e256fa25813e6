-- GET /api/tasks/{id}: a random one of a random seeded user's own tasks.
local common = dofile((os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/common.lua")
setup = common.setup
done = common.done
local reqs = {}

function init(args)
  common.reset_counters()
  math.randomseed(1000 + tid)
  for _, u in ipairs(common.load_users()) do
    for _, id in ipairs(u.tasks) do
      table.insert(reqs, wrk.format("GET", "/api/tasks/" .. id, { ["Authorization"] = "Bearer " .. u.token }))
    end
  end
end

function request()
  op_get = op_get + 1
  return reqs[math.random(#reqs)]
end

