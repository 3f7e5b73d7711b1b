-- What a CI job's push_to_gateway sends at its end: PUT of a whole group, a counter of two series, a gauge, a
-- histogram of eight buckets and eight gauges of one family, with HELP and TYPE, the same text to both servers.
wrk.method = "PUT"
wrk.headers["X-Private-Token"] = os.getenv("BENCH_TOKEN") or "bench-token"
wrk.headers["Content-Type"] = "text/plain; version=0.0.4"
local lines = {
    "# HELP job_runs_total Runs of the job.",
    "# TYPE job_runs_total counter",
    'job_runs_total{stage="deploy",result="success"} 41',
    'job_runs_total{stage="deploy",result="failed"} 3',
    "# HELP job_last_success_timestamp_seconds When the job last succeeded.",
    "# TYPE job_last_success_timestamp_seconds gauge",
    "job_last_success_timestamp_seconds 1.7649e+09",
    "# HELP job_duration_seconds How long the job ran.",
    "# TYPE job_duration_seconds histogram",
}
local bounds = { "30", "60", "120", "300", "600", "1200", "1800", "+Inf" }
for i, bound in ipairs(bounds) do
    lines[#lines + 1] = string.format('job_duration_seconds_bucket{stage="deploy",le="%s"} %d', bound, i * 5)
end
lines[#lines + 1] = 'job_duration_seconds_sum{stage="deploy"} 31337.5'
lines[#lines + 1] = 'job_duration_seconds_count{stage="deploy"} 40'
lines[#lines + 1] = "# HELP job_step_seconds Seconds per step of the last run."
lines[#lines + 1] = "# TYPE job_step_seconds gauge"
for i = 1, 8 do
    lines[#lines + 1] = string.format('job_step_seconds{step="step-%d"} %d.25', i, i * 17)
end
wrk.body = table.concat(lines, "\n") .. "\n"
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
