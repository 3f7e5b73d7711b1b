-- One observation per request into a histogram, as a CI job's curl does.
wrk.method = "POST"
wrk.headers["X-Private-Token"] = os.getenv("BENCH_TOKEN") or "bench-token"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "value=14400&labels=coordinator_pipeline,success"
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
