-- The mix: 70 % reads (35 % list, 35 % get one), 15 % update, 10 % create, 5 % delete.
-- Reads and updates touch only the seeded tasks; a delete removes a task this thread created
-- earlier in the run (read from the 201 body), so no request should ever get a 404.
local common = dofile((os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/common.lua")
setup = common.setup
done = common.done
local users, by_uid, created_ids, seq = {}, {}, {}, 0

function init(args)
  common.reset_counters()
  math.randomseed(2000 + tid)
  users = common.load_users()
  for idx, u in ipairs(users) do
    u.auth = { ["Authorization"] = "Bearer " .. u.token }
    by_uid[u.uid] = idx
    created_ids[idx] = {}
  end
end

local function headers(u, json)
  local h = { ["Authorization"] = "Bearer " .. u.token }
  if json then h["Content-Type"] = "application/json" end
  return h
end

local function pending_delete()
  -- any user with a task created by this thread and not yet deleted
  local start = math.random(#users)
  for k = 0, #users - 1 do
    local idx = (start + k - 1) % #users + 1
    local list = created_ids[idx]
    if #list > 0 then return idx, table.remove(list, 1) end
  end
  return nil
end

function request()
  local r = math.random(100)
  local u = users[math.random(#users)]
  if r <= 35 then
    op_list = op_list + 1
    return wrk.format("GET", "/api/tasks", headers(u))
  elseif r <= 70 then
    op_get = op_get + 1
    return wrk.format("GET", "/api/tasks/" .. u.tasks[math.random(#u.tasks)], headers(u))
  elseif r <= 85 then
    op_update = op_update + 1
    seq = seq + 1
    local body = string.format('{"title":"bench-mix updated %d-%d","status":"in_progress"}', tid, seq)
    return wrk.format("PUT", "/api/tasks/" .. u.tasks[math.random(#u.tasks)], headers(u, true), body)
  elseif r <= 95 then
    op_create = op_create + 1
    seq = seq + 1
    local body = string.format('{"title":"bench-mix created %d-%d","description":"made by the mix scenario"}', tid, seq)
    return wrk.format("POST", "/api/tasks", headers(u, true), body)
  end
  local idx, id = pending_delete()
  if idx then
    op_delete = op_delete + 1
    return wrk.format("DELETE", "/api/tasks/" .. id, headers(users[idx]))
  end
  delete_fallback = delete_fallback + 1
  op_get = op_get + 1
  return wrk.format("GET", "/api/tasks/" .. u.tasks[1], headers(u))
end

function response(status, headers, body)
  common.count_status(status)
  if status == 201 then
    local id = body:match('"id":(%d+)')
    local uid = body:match('"user_id":(%d+)')
    local idx = uid and by_uid[tonumber(uid)]
    if id and idx then
      created = created + 1
      table.insert(created_ids[idx], id)
    end
  end
end
