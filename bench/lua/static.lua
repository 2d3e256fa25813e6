-- Generator ceiling: GET a static response of the gateway (the /docs -> /docs/ redirect: no
-- upstream, no database), so wrk and actix are all that is measured.
local common = dofile((os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/common.lua")
setup = common.setup
done = common.done
function init(args) common.reset_counters() end
