-- Creates distinct gauge series: each request sets one with a label value of its own.
local counter = 0
wrk.method = "POST"
wrk.headers["X-Private-Token"] = os.getenv("BENCH_TOKEN") or "bench-token"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
request = function()
    counter = counter + 1
    local id = (offset or 0) + counter
    local body = "value=" .. counter .. "&labels=cause-" .. id .. ",2024-W01"
    return wrk.format(nil, nil, nil, body)
end
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
