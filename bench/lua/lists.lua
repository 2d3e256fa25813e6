-- Issue 17's list scenarios on the users with 1,000 tasks (BENCH_DATA is big.lua, written by
-- bench/run.py), each request the next user; BENCH_LIST picks the request:
--   page    GET /api/tasks?status=pending&sort=-due_at&limit=50 (the first page)
--   next    the same with &cursor=<that user's next_cursor of the first page> (the second page)
--   search  GET /api/tasks?q=<word>&limit=50, the next user and the next of the search words
--   trash   GET /api/tasks/trash?limit=50 (the most recently deleted first)
-- Like list.lua it defines no response() callback: wrk counts the answers of 400 or more.
local common = dofile((os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/common.lua")
setup = common.setup
done = common.done
local reqs, i, step = {}, 0, 7
local kind = os.getenv("BENCH_LIST") or "page"
local PAGE = "/api/tasks?status=pending&sort=-due_at&limit=50"

function init(args)
  common.reset_counters()
  local data = dofile(os.getenv("BENCH_DATA"))
  for _, u in ipairs(data.users) do
    local auth = { ["Authorization"] = "Bearer " .. u.token }
    if kind == "page" then
      table.insert(reqs, wrk.format("GET", PAGE, auth))
    elseif kind == "next" then
      table.insert(reqs, wrk.format("GET", PAGE .. "&cursor=" .. u.cursor, auth))
    elseif kind == "search" then
      for _, w in ipairs(data.words) do
        table.insert(reqs, wrk.format("GET", "/api/tasks?q=" .. w .. "&limit=50", auth))
      end
    elseif kind == "trash" then
      table.insert(reqs, wrk.format("GET", "/api/tasks/trash?limit=50", auth))
    else
      error("BENCH_LIST must be page, next, search or trash, not " .. kind)
    end
  end
  -- 7 is co-prime with 50 users and with 50 x 4 searches: every request is walked, users apart
  i = tid * 13
end

function request()
  i = (i + step) % #reqs
  op_list = op_list + 1
  return reqs[i + 1]
end
