-- POST /api/auth/login with each seeded user's correct password, rotating over the users
-- (only failures count towards the login throttle, so this never trips it).
local common = dofile((os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/common.lua")
setup = common.setup
done = common.done
local reqs, i = {}, 0

function init(args)
  common.reset_counters()
  for _, u in ipairs(common.load_users()) do
    local body = string.format('{"email":"%s","password":"%s"}', u.email, u.password)
    table.insert(reqs, wrk.format("POST", "/api/auth/login", { ["Content-Type"] = "application/json" }, body))
  end
  i = tid * 25
end

function request()
  i = (i + 1) % #reqs
  op_login = op_login + 1
  return reqs[i + 1]
end

function response(status, headers, body) common.count_status(status) end
