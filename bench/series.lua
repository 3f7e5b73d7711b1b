-- Creates distinct gauge series: each request sets one with a label value of its own.
local counter = 0
local threads = 0
-- Each wrk thread has its own Lua state: an offset keeps their values apart.
function setup(thread)
    threads = threads + 1
    thread:set("offset", threads * 100000000)
end
wrk.method = "POST"
wrk.headers["X-Private-Token"] = os.getenv("BENCH_TOKEN") or "bench-token"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
request = function()
    counter = counter + 1
    local id = (offset or 0) + counter
    local body = "value=" .. counter .. "&labels=cause-" .. (os.getenv("BENCH_THREAD_PREFIX") or "") .. counter .. ",2024-W01"
    return wrk.format(nil, nil, nil, body)
end
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
