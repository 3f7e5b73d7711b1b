-- The same protocol on both servers: a POST of a one-sample text body to one group. The Pushgateway ignores the
-- token; delivery-metrics needs it.
wrk.method = "POST"
wrk.headers["X-Private-Token"] = os.getenv("BENCH_TOKEN") or "bench-token"
wrk.headers["Content-Type"] = "text/plain"
wrk.body = "bench_pushed_value 14400\n"
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
