#!/usr/bin/env bash
# make bench: every scenario against delivery-metrics and, where they have an equivalent, against a libuv server in
# C that answers a fixed 200 (the ceiling), the Go original's shape (net/http and client_golang) and a Pushgateway,
# all started in the same run; loopback only, bounded in time (BENCH_SECONDS per run). Each server is pinned to
# core 0 (Go ones with GOMAXPROCS=1) and wrk to core 1, so neither steals the other's core. Writes bench/results.md
# and prints one PASS/FAIL line per gate; BENCH_STRICT=1 makes a failed gate fail the run.
set -euo pipefail
binary=$(realpath "$1")
seconds=${BENCH_SECONDS:-10}
results=${BENCH_RESULTS:-bench/results.md}
rounds=${BENCH_ROUNDS:-3}
export BENCH_DIR=$PWD/bench BENCH_TOKEN=bench-token
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
server_core=0
client_core=1
[ "$(nproc)" -ge 2 ] || { server_core=0; client_core=0; }

free_port() {
    while :; do
        # Below Linux's ephemeral range (32768 and up), which wrk's many client connections fill.
        port=$((20000 + RANDOM % 12000))
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
    done
}
wait_ready() {
    for _ in $(seq 1 400); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.025; done
    echo "not ready: $1"; return 1
}
status_kib() { awk -v key="$2:" '$1 == key { print $2 }' "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
# The server binds port 0; its JSON boot line names the port the kernel chose.
bound_port() {
    for _ in $(seq 1 400); do
        sed -n 's/.*"address":"127\.0\.0\.1:\([0-9]*\)".*/\1/p' "$1" | head -n 1 | grep . && return 0
        sleep 0.025
    done
    echo "no boot line in $1" >&2
    return 1
}
# start_service LOG ENVIRONMENT...: delivery-metrics on core 0, port 0, JSON logs; prints its pid and port.
start_service() {
    local log=$1
    shift
    env AUTH_TOKEN=$BENCH_TOKEN DELIVERY_METRICS_LISTEN_ADDRESS=127.0.0.1 DELIVERY_METRICS_PORT=0 \
        DELIVERY_METRICS_LOG_FORMAT=json "$@" taskset -c "$server_core" "$binary" >/dev/null 2>"$log" &
    local pid=$!
    disown
    local port
    port=$(bound_port "$log") || { tail -n 5 "$log" >&2; return 1; }
    wait_ready "http://127.0.0.1:$port/-/ready" >&2 || { tail -n 5 "$log" >&2; return 1; }
    echo "$pid $port"
}

# wrk prints one RESULT line (bench/report.lua); keep its fields. One thread, on the client's core.
run_wrk() {
    local name=$1
    shift
    local line
    line=$(taskset -c "$client_core" wrk --timeout 5s -t1 "$@" 2>&1 | grep '^RESULT' \
        || echo "RESULT rps=0 p50_ms=0 p99_ms=0 p999_ms=0 errors=-1 requests=0")
    echo "$name $line" | tee -a "$work/raw.txt"
}
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }
: >"$work/raw.txt"

echo "building the ceiling (bench/ceiling.c) and the Go shape (bench/goshape)"
"$(command -v cc || command -v gcc || command -v clang)" -O2 -o "$work/ceiling" bench/ceiling.c -luv
mkdir -p .build/gocache
GOCACHE=$PWD/.build/gocache GOPATH=/usr/share/gocode GO111MODULE=off go build -o "$work/goshape" bench/goshape/main.go

echo "start to ready: 7 starts, /-/ready tried every 2 ms (bench/ready-time.py)"
read -r ready_min ready_median ready_max < <(python3 bench/ready-time.py "$binary" 7)

read -r server port < <(start_service "$work/server.log" DELIVERY_METRICS_ACCESS_LOG=false \
    JOB_WEBHOOK_RELEASE_TOOLS_OPS_TOKEN=bench-webhook)
pids+=("$server")
sleep 0.5
idle_rss=$(status_kib "$server" VmRSS)
idle_anon=$(status_kib "$server" RssAnon)
idle_file=$(status_kib "$server" RssFile)
url="http://127.0.0.1:$port"
# The same idle, with the scraper on (libcurl and its TLS libraries loaded), against an API that refuses to connect.
read -r scraping scraping_port < <(start_service "$work/server-scraper.log" DELIVERY_METRICS_ACCESS_LOG=false \
    DELIVERY_METRICS_OPS_TOKEN=bench-ops-token-0123456789 DELIVERY_METRICS_OPS_URL=http://127.0.0.1:9)
pids+=("$scraping")
sleep 0.5
scraper_rss=$(status_kib "$scraping" VmRSS)
scraper_anon=$(status_kib "$scraping" RssAnon)
scraper_file=$(status_kib "$scraping" RssFile)
kill -TERM "$scraping"
: "$scraping_port"

read -r logged logged_port < <(start_service "$work/server-access-log.log" DELIVERY_METRICS_ACCESS_LOG=true)
pids+=("$logged")
ceiling_port=$(free_port)
taskset -c "$server_core" "$work/ceiling" "$ceiling_port" &
pids+=("$!")
disown
wait_ready "http://127.0.0.1:$ceiling_port/"
go_port=$(free_port)
AUTH_TOKEN=$BENCH_TOKEN GOMAXPROCS=1 taskset -c "$server_core" "$work/goshape" -listen "127.0.0.1:$go_port" 2>"$work/goshape.log" &
pids+=("$!")
disown
wait_ready "http://127.0.0.1:$go_port/-/ready"
pg_port=$(free_port)
GOMAXPROCS=1 taskset -c "$server_core" prometheus-pushgateway --web.listen-address="127.0.0.1:$pg_port" --persistence.file="" \
    --log.level=warn >"$work/pushgateway.log" 2>&1 &
pids+=("$!")
disown
wait_ready "http://127.0.0.1:$pg_port/-/ready"
pg="http://127.0.0.1:$pg_port"

push=/api/deployment_duration_seconds/observe
echo "scenario 1 and 7: one observation per request, and one Pushgateway sample per request, keep-alive, 50 connections; $rounds rounds alternating the servers"
for round in $(seq 1 "$rounds"); do
    run_wrk "ceiling-$round" -c50 -d"${seconds}s" -s bench/push.lua "http://127.0.0.1:$ceiling_port$push"
    run_wrk "push-keepalive-$round" -c50 -d"${seconds}s" -s bench/push.lua "$url$push"
    run_wrk "push-keepalive-access-log-$round" -c50 -d"${seconds}s" -s bench/push.lua "http://127.0.0.1:$logged_port$push"
    run_wrk "go-shape-$round" -c50 -d"${seconds}s" -s bench/push.lua "http://127.0.0.1:$go_port$push"
    run_wrk "pg-push-keepalive-$round" -c50 -d"${seconds}s" -s bench/pushgateway.lua "$pg/metrics/job/bench"
    run_wrk "pg-protocol-keepalive-$round" -c50 -d"${seconds}s" -s bench/pushgateway.lua "$url/metrics/job/bench"
done
# median NAME FIELD: the median over the rounds.
median() {
    grep "^$1-[0-9]* " "$work/raw.txt" | sed -n "s/.* $2=\([^ ]*\).*/\1/p" | sort -g \
        | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
kill -TERM "$logged"

echo "scenario 2: a new connection per request"
run_wrk push-new-connection -c50 -d"${seconds}s" -H "Connection: close" -s bench/push.lua "$url$push"
run_wrk pg-push-new-connection -c50 -d"${seconds}s" -H "Connection: close" -s bench/pushgateway.lua \
    "$pg/metrics/job/bench"

echo "scenario 3: 10,000 more series, then GET /metrics plain and gzip"
for i in $(seq 1 10000); do
    echo "url = \"$url/api/deployment_blocker_count/set?value=$i&labels=cause-$i,2024-W01\""
done >"$work/series.curl"
curl -s -X POST -H "X-Private-Token: $BENCH_TOKEN" -K "$work/series.curl" >/dev/null
series_rss=$(status_kib "$server" VmRSS)
run_wrk scrape-plain -c1 -d"${seconds}s" -s bench/scrape.lua "$url/metrics"
BENCH_GZIP=1 run_wrk scrape-gzip -c1 -d"${seconds}s" -s bench/scrape.lua "$url/metrics"
scrape_bytes=$(curl -s "$url/metrics" | wc -c)

echo "scenario 4: pushes while Prometheus-like scrapes run every 100 ms"
# One long-lived curl on a kept-alive connection, as Prometheus scrapes; a new curl process every 100 ms costs wrk's
# core its start-up (p99 4 ms with a curl that scrapes nothing at all, 1.3-1.8 ms with this one: docs/benchmarks.md).
taskset -c "$client_core" curl -s --rate 10/s -o /dev/null -H "Accept-Encoding: gzip" "$url/metrics?scrape=[1-1000000]" &
scraper=$!
pids+=("$scraper")
disown
run_wrk push-under-scrape -c50 -d"${seconds}s" -s bench/push.lua "$url$push"
kill "$scraper" 2>/dev/null || true

echo "scenario 5: webhook job events"
run_wrk webhook -c20 -d"${seconds}s" -s bench/webhook.lua "$url/webhooks/job/ops/gitlab-org/release/tools"
echo "scenario 7b: a CI job's whole group (PUT, 21 samples), to the Pushgateway, then here"
run_wrk pg-job-put -c50 -d"${seconds}s" -s bench/pushgateway-job.lua "$pg/metrics/job/ci/instance/runner-1"
run_wrk pg-protocol-job-put -c50 -d"${seconds}s" -s bench/pushgateway-job.lua "$url/metrics/job/ci/instance/runner-1"
final_rss=$(status_kib "$server" VmRSS)
kill -TERM "$server"

# Persistence on (every 200 after its fdatasync), for scenario 1.
read -r persisted persisted_port < <(start_service "$work/server-persistence.log" DELIVERY_METRICS_ACCESS_LOG=false \
    DELIVERY_METRICS_PERSISTENCE_FILE="$work/state")
pids+=("$persisted")
# The loop stays on the server's core; libuv's pool threads (the journal's fdatasync), started by a first write, move
# to the other core, as they would run on any machine with two: pinned with the loop, every sync stole its time.
curl -s -o /dev/null -H "X-Private-Token: $BENCH_TOKEN" -d "value=1&labels=coordinator_pipeline,success" \
    "http://127.0.0.1:$persisted_port$push"
for task in /proc/"$persisted"/task/*; do
    [ "${task##*/}" = "$persisted" ] || taskset -p -c "$client_core" "${task##*/}" >/dev/null
done
run_wrk push-keepalive-persistence -c50 -d"${seconds}s" -s bench/push.lua "http://127.0.0.1:$persisted_port$push"
run_wrk pg-protocol-persistence -c50 -d"${seconds}s" -s bench/pushgateway.lua \
    "http://127.0.0.1:$persisted_port/metrics/job/bench"
syncs=$(curl -s "http://127.0.0.1:$persisted_port/metrics" | awk '/^delivery_persistence_syncs_total / { print $2 }')
kill -TERM "$persisted"

echo "push cost: callgrind over sequential pushes (scripts/push-cost.sh)"
scripts/push-cost.sh "$binary" "$work/push-cost.md" >/dev/null

# The report.
row() {
    local name=$1 label=$2 peer=${3:-}
    local ours theirs ratio
    ours=$(grep "^$name " "$work/raw.txt")
    if [ -n "$peer" ]; then
        theirs=$(grep "^$peer " "$work/raw.txt")
        ratio=$(awk -v a="$(field "$ours" rps)" -v b="$(field "$theirs" rps)" 'BEGIN { printf (b > 0 ? "%.1f×" : "n/a"), a / b }')
        echo "| $label | $(field "$ours" rps) | $(field "$ours" p50_ms) | $(field "$ours" p99_ms) | $(field "$ours" p999_ms) | $(field "$ours" errors) | $(field "$theirs" rps) ($(field "$theirs" p99_ms) ms p99) | $ratio |"
    else
        echo "| $label | $(field "$ours" rps) | $(field "$ours" p50_ms) | $(field "$ours" p99_ms) | $(field "$ours" p999_ms) | $(field "$ours" errors) | — | — |"
    fi
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
# pg_median_row LABEL: scenario 7's medians over the rounds, here and on the Pushgateway.
pg_median_row() {
    local ours theirs
    ours=$(median pg-protocol-keepalive rps)
    theirs=$(median pg-push-keepalive rps)
    echo "| $1 | $ours | $(median pg-protocol-keepalive p50_ms) | $(median pg-protocol-keepalive p99_ms) | $(median pg-protocol-keepalive p999_ms) | $(grep '^pg-protocol-keepalive-[0-9]* ' "$work/raw.txt" | sed -n 's/.* errors=\([^ ]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }') | $theirs ($(median pg-push-keepalive p99_ms) ms p99) | $(ratio "$ours" "$theirs")× |"
}
# campaign NAME LABEL: the median row of a scenario 1 server, with its ratios to the ceiling and to the Go shape.
ceiling_rps=$(median ceiling rps)
ceiling_p99=$(median ceiling p99_ms)
go_rps=$(median go-shape rps)
campaign() {
    local rps p99 errors
    rps=$(median "$1" rps)
    p99=$(median "$1" p99_ms)
    errors=$(grep "^$1-[0-9]* " "$work/raw.txt" | sed -n 's/.* errors=\([^ ]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
    echo "| $2 | $rps | $(median "$1" p50_ms) | $p99 | $(median "$1" p999_ms) | $errors | $(ratio "$rps" "$ceiling_rps")× | $(ratio "$p99" "$ceiling_p99")× | $(ratio "$rps" "$go_rps")× |"
}
gate() {  # gate LABEL VALUE OPERATOR LIMIT
    awk -v label="$1" -v value="$2" -v op="$3" -v limit="$4" 'BEGIN {
        pass = (op == ">=") ? (value + 0 >= limit + 0) : (value + 0 <= limit + 0)
        printf "| %s | %s | %s %s | %s |\n", label, value, (op == ">=" ? "≥" : "≤"), limit, (pass ? "PASS" : "FAIL")
    }'
}
quiet_rps=$(median push-keepalive rps)
logged_rps=$(median push-keepalive-access-log rps)
quiet_p99=$(median push-keepalive p99_ms)
pg_protocol_ratio=$(ratio "$(median pg-protocol-keepalive rps)" "$(median pg-push-keepalive rps)")
# wrk counts answers that are not 2xx in its rate: a run with any (a 401 from a lost token, say) gates as 0.
pg_protocol_errors=$(grep '^pg-protocol-keepalive-[0-9]* ' "$work/raw.txt" | sed -n 's/.* errors=\([^ ]*\).*/\1/p' \
    | awk '{ if ($1 != 0) bad = 1 } END { print bad + 0 }')
[ "$pg_protocol_errors" = 0 ] || pg_protocol_ratio=0
persistence_rps=$(field "$(grep '^push-keepalive-persistence ' "$work/raw.txt")" rps)
persistence_requests=$(field "$(grep '^push-keepalive-persistence ' "$work/raw.txt")" requests)
persistence_share=$(awk -v a="$persistence_rps" -v b="$quiet_rps" 'BEGIN { printf("%.0f%%", (b > 0 ? 100 * a / b : 0)) }')
writes_per_sync=$(awk -v a="$persistence_requests" -v b="${syncs:-0}" 'BEGIN { printf("%.0f", (b > 0 ? a / b : 0)) }')
gates=$(
    echo "| gate | measured | limit | verdict |"
    echo "|---|---|---|---|"
    gate "push, access log off, × the ceiling's requests/s" "$(ratio "$quiet_rps" "$ceiling_rps")" ">=" 0.75
    gate "push, access log on, × the ceiling's requests/s" "$(ratio "$logged_rps" "$ceiling_rps")" ">=" 0.6
    gate "push, access log off, × the Go shape's requests/s" "$(ratio "$quiet_rps" "$go_rps")" ">=" 1.5
    gate "push p99, access log off, × the ceiling's p99" "$(ratio "$quiet_p99" "$ceiling_p99")" "<=" 1.5
    gate "start to \`/-/ready\` (median of 7), ms" "$ready_median" "<=" 50
    gate "resident memory idle, scraper off, MB (10^6 bytes)" "$(awk -v k="$idle_rss" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }')" "<=" 10
    gate "push p99 while scraped every 100 ms, ms" "$(field "$(grep '^push-under-scrape ' "$work/raw.txt")" p99_ms)" "<=" 2
    gate "Pushgateway protocol, one-sample POST, × the Pushgateway's requests/s" "$pg_protocol_ratio" ">=" 10
    gate "persistence on, % of the push rate without" "${persistence_share%\%}" ">=" 90
    grep '^| \(instructions\|allocations\) .* | \(PASS\|FAIL\)' "$work/push-cost.md"
)
mkdir -p "$(dirname "$results")"
{
    echo "# Benchmark results"
    echo
    echo "Made by \`make bench\` (BENCH_SECONDS=$seconds per run) on $(date -u +%Y-%m-%d), commit"
    echo "$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown), on $(nproc) cores of"
    echo "\"$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)\" with $(free -g | awk '/Mem:/ { print $2 }') GiB."
    echo "Every server is pinned to core $server_core (the Go ones with GOMAXPROCS=1) and wrk, one thread, to core"
    echo "$client_core. Pushgateway $(prometheus-pushgateway --version 2>&1 | head -n 1 | awk '{ print $3 }') from Debian, without"
    echo "persistence; the Go shape is \`bench/goshape\` ($(go version | awk '{ print $3 }'), Debian's client_golang). Access"
    echo "log off except where said (it is on by default). Which of the performance issue's targets these meet, which"
    echo "they miss and why: [targets.md](targets.md)."
    echo
    echo "## Gates"
    echo
    echo "$gates"
    echo
    echo "## Pushes beside the ceiling, the Go original's shape and Pushgateway"
    echo
    echo "Scenario 1, keep-alive, 50 connections: the median of $rounds runs of each server, the servers taking turns."
    echo
    echo "| server | requests/s | p50 ms | p99 ms | p99.9 ms | errors | × ceiling | p99 × ceiling's | × Go shape |"
    echo "|---|---|---|---|---|---|---|---|---|"
    campaign ceiling "1c. ceiling: C on libuv answering a fixed 200, parsing nothing (\`bench/ceiling.c\`)"
    campaign push-keepalive "1. push, keep-alive, 50 connections"
    campaign push-keepalive-access-log "1b. the same with the access log on"
    campaign go-shape "Go shape: net/http + client_golang, one histogram (\`bench/goshape\`)"
    campaign pg-push-keepalive "Pushgateway, a push of one sample per request"
    echo
    echo "## The Pushgateway protocol, here and on the Pushgateway"
    echo
    echo "The same text bodies to the same paths, keep-alive, 50 connections, the Pushgateway without persistence"
    echo "throughout. Row 7 is the median of $rounds runs of each, taking turns with scenario 1's servers; 7b and 7c"
    echo "are one run each, 7c beside the Pushgateway's first run of 7."
    echo
    echo "| scenario | requests/s | p50 ms | p99 ms | p99.9 ms | errors | Pushgateway requests/s | ratio |"
    echo "|---|---|---|---|---|---|---|---|"
    pg_median_row "7. \`POST /metrics/job/bench\`, one sample (\`bench/pushgateway.lua\`)"
    row pg-protocol-job-put "7b. \`PUT\` of a CI job's group, 21 samples with HELP and TYPE (\`bench/pushgateway-job.lua\`)" pg-job-put
    row pg-protocol-persistence "7c. 7 with persistence on (each 200 after its fdatasync)" pg-push-keepalive-1
    echo
    echo "## The other scenarios"
    echo
    echo "| scenario | requests/s | p50 ms | p99 ms | p99.9 ms | errors | Pushgateway requests/s | ratio |"
    echo "|---|---|---|---|---|---|---|---|"
    row push-keepalive-persistence "1d. push, keep-alive, persistence on (each 200 after its fdatasync)"
    row push-new-connection "2. push, new connection per request" pg-push-new-connection
    row scrape-plain "3. GET /metrics, catalogue + 10,000 series, plain ($scrape_bytes bytes)"
    row scrape-gzip "3b. the same, gzip"
    row push-under-scrape "4. push while scraped every 100 ms"
    row webhook "5. webhook job events, 20 connections"
    echo
    echo "## Instructions and allocations per push"
    echo
    cat "$work/push-cost.md"
    echo
    echo "## Start and memory"
    echo
    echo "| measure | value |"
    echo "|---|---|"
    echo "| 6. start to \`/-/ready\` (7 starts, probed every 2 ms from one process: \`bench/ready-time.py\`) | median $ready_median ms (min $ready_min, max $ready_max) |"
    echo "| resident memory, idle, scraper off | $(mib "$idle_rss") MiB: RssAnon $(mib "$idle_anon") MiB, RssFile $(mib "$idle_file") MiB |"
    echo "| resident memory, idle, scraper on (libcurl loaded) | $(mib "$scraper_rss") MiB: RssAnon $(mib "$scraper_anon") MiB, RssFile $(mib "$scraper_file") MiB |"
    echo "| resident memory, after 10,000 more series | $(mib "$series_rss") MiB |"
    echo "| resident memory, after the whole run | $(mib "$final_rss") MiB |"
    echo "| 1d (persistence) as a share of 1's median | $persistence_share |"
    echo "| writes per fdatasync in 1d (group commit) | $writes_per_sync |"
} >"$results"
cat "$results"
echo
failed=$(grep -c '| FAIL' <<<"$gates" || true)
grep '| \(PASS\|FAIL\)' <<<"$gates" | awk -F'|' '{ split($5, verdict, " "); printf "%s:%s:%s (limit%s)\n", verdict[1], $2, $3, $4 }' \
    | sed 's/  */ /g; s/ :/:/g; s/ )/)/; s/ *$//'
echo "$failed of $(grep -c '| \(PASS\|FAIL\)' <<<"$gates") gates failed"
if [ "${BENCH_STRICT:-0}" = 1 ] && [ "$failed" -gt 0 ]; then exit 1; fi
exit 0
