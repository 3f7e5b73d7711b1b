-- Pushgateway's nearest equivalent: POST of a one-sample body to one group.
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/plain"
wrk.body = "bench_pushed_value 14400\n"
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
