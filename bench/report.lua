-- Shared by every wrk scenario: gives each thread an offset (each has its own Lua state, so scripts that number
-- their requests keep the threads' numbers apart), and prints one machine-readable line with throughput, latency
-- percentiles and errors.
local threads = 0
function setup(thread)
    threads = threads + 1
    thread:set("offset", threads * 100000000)
end

done = function(summary, latency, requests)
    local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status
        + summary.errors.timeout
    io.write(string.format("RESULT rps=%.0f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f errors=%d requests=%d\n",
        summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
        errors, summary.requests))
end
