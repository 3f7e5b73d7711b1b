#!/usr/bin/env bash
# make bench: every scenario against delivery-metrics and, where it has an equivalent, against a Pushgateway started
# in the same run; loopback only, bounded in time (BENCH_SECONDS per scenario). Writes bench/results.md.
set -euo pipefail
binary=$(realpath "$1")
seconds=${BENCH_SECONDS:-10}
results=${BENCH_RESULTS:-bench/results.md}
export BENCH_DIR=$PWD/bench BENCH_TOKEN=bench-token
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

free_port() {
    while :; do
        # Below Linux's ephemeral range (32768 and up), which wrk's many client connections fill.
        port=$((20000 + RANDOM % 12000))
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
    done
}
wait_ready() {
    for _ in $(seq 1 200); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.05; done
    echo "not ready: $1"; return 1
}
rss_kib() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }
# The server binds port 0; its JSON boot line names the port the kernel chose.
bound_port() {
    for _ in $(seq 1 200); do
        sed -n 's/.*"address":"127\.0\.0\.1:\([0-9]*\)".*/\1/p' "$1" | head -n 1 | grep . && return 0
        sleep 0.05
    done
    echo "no boot line in $1" >&2
    return 1
}

# wrk prints one RESULT line (bench/report.lua); keep its fields.
run_wrk() {
    local name=$1; shift
    local line
    line=$(wrk --timeout 5s "$@" 2>&1 | grep '^RESULT' || echo "RESULT rps=0 p50_ms=0 p99_ms=0 p999_ms=0 errors=-1 requests=0")
    echo "$name $line" | tee -a "$work/raw.txt"
}
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

start_ns=$(date +%s%N)
AUTH_TOKEN=$BENCH_TOKEN JOB_WEBHOOK_RELEASE_TOOLS_OPS_TOKEN=bench-webhook DELIVERY_METRICS_LISTEN_ADDRESS=127.0.0.1 \
    DELIVERY_METRICS_PORT=0 DELIVERY_METRICS_LOG_FORMAT=json DELIVERY_METRICS_ACCESS_LOG=false "$binary" \
    2>"$work/server.log" &
server=$!
disown
pids+=("$server")
port=$(bound_port "$work/server.log")
wait_ready "http://127.0.0.1:$port/-/ready"
ready_ms=$((($(date +%s%N) - start_ns) / 1000000))
sleep 0.5
idle_rss=$(rss_kib "$server")
url="http://127.0.0.1:$port"

pg_port=$(free_port)
prometheus-pushgateway --web.listen-address="127.0.0.1:$pg_port" --persistence.file="" --log.level=warn \
    >"$work/pushgateway.log" 2>&1 &
pids+=("$!")
disown
wait_ready "http://127.0.0.1:$pg_port/-/ready"
pg="http://127.0.0.1:$pg_port"

: >"$work/raw.txt"
echo "scenario 1: one observation per request, keep-alive, 50 connections"
run_wrk push-keepalive -t2 -c50 -d"${seconds}s" -s bench/push.lua "$url/api/deployment_duration_seconds/observe"
run_wrk pg-push-keepalive -t2 -c50 -d"${seconds}s" -s bench/pushgateway.lua "$pg/metrics/job/bench"
echo "scenario 1, ceiling: a libuv server that answers a fixed 200 and parses nothing (bench/ceiling.c)"
"$(command -v cc || command -v clang)" -O2 -o "$work/ceiling" bench/ceiling.c -luv
ceiling_port=$(free_port)
"$work/ceiling" "$ceiling_port" &
pids+=("$!")
disown
wait_ready "http://127.0.0.1:$ceiling_port/"
run_wrk ceiling-keepalive -t2 -c50 -d"${seconds}s" -s bench/push.lua \
    "http://127.0.0.1:$ceiling_port/api/deployment_duration_seconds/observe"
echo "scenario 2: a new connection per request"
run_wrk push-new-connection -t2 -c50 -d"${seconds}s" -H "Connection: close" -s bench/push.lua \
    "$url/api/deployment_duration_seconds/observe"
run_wrk pg-push-new-connection -t2 -c50 -d"${seconds}s" -H "Connection: close" -s bench/pushgateway.lua \
    "$pg/metrics/job/bench"

echo "scenario 3: 10,000 more series, then GET /metrics plain and gzip"
for i in $(seq 1 10000); do
    echo "url = \"$url/api/deployment_blocker_count/set?value=$i&labels=cause-$i,2024-W01\""
done >"$work/series.curl"
curl -s -X POST -H "X-Private-Token: $BENCH_TOKEN" -K "$work/series.curl" >/dev/null
series_rss=$(rss_kib "$server")
run_wrk scrape-plain -t1 -c1 -d"${seconds}s" -s bench/scrape.lua "$url/metrics"
BENCH_GZIP=1 run_wrk scrape-gzip -t1 -c1 -d"${seconds}s" -s bench/scrape.lua "$url/metrics"
scrape_bytes=$(curl -s "$url/metrics" | wc -c)

echo "scenario 4: pushes while Prometheus-like scrapes run every 100 ms"
(while :; do curl -s -o /dev/null -H "Accept-Encoding: gzip" "$url/metrics"; sleep 0.1; done) &
scraper=$!
pids+=("$scraper")
disown
run_wrk push-under-scrape -t2 -c50 -d"${seconds}s" -s bench/push.lua "$url/api/deployment_duration_seconds/observe"
kill "$scraper" 2>/dev/null || true

echo "scenario 5: webhook job events"
run_wrk webhook -t2 -c20 -d"${seconds}s" -s bench/webhook.lua "$url/webhooks/job/ops/gitlab-org/release/tools"
final_rss=$(rss_kib "$server")

# Access log on (the production default), for scenario 1.
kill -TERM "$server"
for _ in $(seq 1 100); do kill -0 "$server" 2>/dev/null || break; sleep 0.05; done
AUTH_TOKEN=$BENCH_TOKEN DELIVERY_METRICS_LISTEN_ADDRESS=127.0.0.1 DELIVERY_METRICS_PORT=0 DELIVERY_METRICS_LOG_FORMAT=json \
    "$binary" 2>"$work/server-access-log.log" &
pids+=("$!")
disown
port=$(bound_port "$work/server-access-log.log")
wait_ready "http://127.0.0.1:$port/-/ready" || { tail -n 5 "$work/server-access-log.log"; exit 1; }
run_wrk push-keepalive-access-log -t2 -c50 -d"${seconds}s" -s bench/push.lua \
    "http://127.0.0.1:$port/api/deployment_duration_seconds/observe"

# Persistence on (every 200 after its fdatasync), for scenario 1.
kill -TERM "${pids[-1]}" 2>/dev/null || true
AUTH_TOKEN=$BENCH_TOKEN DELIVERY_METRICS_LISTEN_ADDRESS=127.0.0.1 DELIVERY_METRICS_PORT=0 DELIVERY_METRICS_LOG_FORMAT=json \
    DELIVERY_METRICS_ACCESS_LOG=false DELIVERY_METRICS_PERSISTENCE_FILE="$work/state" \
    "$binary" 2>"$work/server-persistence.log" &
pids+=("$!")
disown
port=$(bound_port "$work/server-persistence.log")
wait_ready "http://127.0.0.1:$port/-/ready" || { tail -n 5 "$work/server-persistence.log"; exit 1; }
run_wrk push-keepalive-persistence -t2 -c50 -d"${seconds}s" -s bench/push.lua \
    "http://127.0.0.1:$port/api/deployment_duration_seconds/observe"
syncs=$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^delivery_persistence_syncs_total / { print $2 }')

# The report.
row() {
    local name=$1 label=$2 peer=${3:-}
    local ours theirs ratio="n/a"
    ours=$(grep "^$name " "$work/raw.txt")
    if [ -n "$peer" ]; then
        theirs=$(grep "^$peer " "$work/raw.txt")
        ratio=$(awk -v a="$(field "$ours" rps)" -v b="$(field "$theirs" rps)" 'BEGIN { printf (b > 0 ? "%.1f×" : "n/a"), a / b }')
        echo "| $label | $(field "$ours" rps) | $(field "$ours" p50_ms) | $(field "$ours" p99_ms) | $(field "$ours" p999_ms) | $(field "$ours" errors) | $(field "$theirs" rps) ($(field "$theirs" p99_ms) ms p99) | $ratio |"
    else
        echo "| $label | $(field "$ours" rps) | $(field "$ours" p50_ms) | $(field "$ours" p99_ms) | $(field "$ours" p999_ms) | $(field "$ours" errors) | — | — |"
    fi
}
ours_rps=$(field "$(grep '^push-keepalive ' "$work/raw.txt")" rps)
ceiling_rps=$(field "$(grep '^ceiling-keepalive ' "$work/raw.txt")" rps)
persistence_rps=$(field "$(grep '^push-keepalive-persistence ' "$work/raw.txt")" rps)
persistence_requests=$(field "$(grep '^push-keepalive-persistence ' "$work/raw.txt")" requests)
persistence_share=$(awk -v a="$persistence_rps" -v b="$ours_rps" 'BEGIN { printf("%.0f%%", (b > 0 ? 100 * a / b : 0)) }')
writes_per_sync=$(awk -v a="$persistence_requests" -v b="${syncs:-0}" 'BEGIN { printf("%.0f", (b > 0 ? a / b : 0)) }')
ceiling_share=$(awk -v a="$ours_rps" -v b="$ceiling_rps" 'BEGIN { printf("%.0f%%", (b > 0 ? 100 * a / b : 0)) }')
mkdir -p "$(dirname "$results")"
{
    echo "# Benchmark results"
    echo
    echo "Made by \`make bench\` (BENCH_SECONDS=$seconds per scenario) on $(date -u +%Y-%m-%d), commit"
    echo "$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown), on $(nproc) cores of"
    echo "\"$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)\" with $(free -g | awk '/Mem:/ { print $2 }') GiB;"
    echo "wrk shares the machine. Pushgateway $(prometheus-pushgateway --version 2>&1 | head -n 1 | awk '{ print $3 }') from Debian,"
    echo "without persistence. Access log off except where said (it is on by default). Which of the performance"
    echo "issue's targets these meet, which they miss and why: [targets.md](targets.md)."
    echo
    echo "| scenario | requests/s | p50 ms | p99 ms | p99.9 ms | errors | Pushgateway requests/s | ratio |"
    echo "|---|---|---|---|---|---|---|---|"
    row push-keepalive "1. push, keep-alive, 50 connections" pg-push-keepalive
    row push-keepalive-access-log "1b. the same with the access log on"
    row ceiling-keepalive "1c. ceiling: libuv answering a fixed 200, parsing nothing"
    row push-keepalive-persistence "1d. the same as 1 with persistence (each 200 after its fdatasync)"
    row push-new-connection "2. push, new connection per request" pg-push-new-connection
    row scrape-plain "3. GET /metrics, catalogue + 10,000 series, plain ($scrape_bytes bytes)"
    row scrape-gzip "3b. the same, gzip"
    row push-under-scrape "4. push while scraped every 100 ms"
    row webhook "5. webhook job events, 20 connections"
    echo
    echo "| measure | value |"
    echo "|---|---|"
    echo "| 6. start to \`/-/ready\` | $ready_ms ms |"
    echo "| resident memory, idle | $((idle_rss / 1024)) MiB |"
    echo "| resident memory, after 10,000 more series | $((series_rss / 1024)) MiB |"
    echo "| resident memory, after the whole run | $((final_rss / 1024)) MiB |"
    echo "| scenario 1 as a share of the ceiling (1c) | $ceiling_share |"
    echo "| scenario 1 with persistence (1d) as a share of without (1) | $persistence_share |"
    echo "| writes per fdatasync in 1d (group commit) | $writes_per_sync |"
} >"$results"
cat "$results"
