-- GET /metrics as Prometheus asks for it (set BENCH_GZIP=1 for Accept-Encoding: gzip).
wrk.headers["Accept"] = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
if os.getenv("BENCH_GZIP") == "1" then wrk.headers["Accept-Encoding"] = "gzip" end
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
