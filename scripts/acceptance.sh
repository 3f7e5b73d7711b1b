#!/usr/bin/env bash
# Starts the release binary as a deployment does (configuration from environment variables only), waits for
# /-/ready, runs the black-box tests in Acceptance/ against it, then sends SIGTERM and requires a clean exit 0.
set -euo pipefail
binary=$(realpath "$1")

# What needs no server first: the runtime stage's packages, the alert rules and the generated PrometheusRule.
scripts/check-runtime-packages.sh "$binary"
scripts/prometheus-rule.sh --check
promtool check rules deploy/prometheus/rules.yml
(cd deploy/prometheus && promtool test rules rules.test.yml)

work=$(mktemp -d)
log="$work/server.log"
pid=""

cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# libcurl is opened with dlopen only when the scraper is on: without the token a boot never maps it, and with the
# token a libcurl.so.4 that cannot be loaded (here an empty file the loader finds first) stops the start with exit 2
# and one line naming the library.
mkdir "$work/no-curl" && : >"$work/no-curl/libcurl.so.4"
no_curl_status=0
LD_LIBRARY_PATH="$work/no-curl" AUTH_TOKEN="acceptance-token" DELIVERY_METRICS_OPS_TOKEN="ops-acceptance-token" \
    DELIVERY_METRICS_OPS_URL="http://127.0.0.1:9" DELIVERY_METRICS_LISTEN_ADDRESS=127.0.0.1 DELIVERY_METRICS_PORT=0 \
    timeout 10 "$binary" 2>"$work/no-curl.log" || no_curl_status=$?
errors=$(grep -c 'level=error' "$work/no-curl.log" || true)
if [ "$no_curl_status" -ne 2 ] || [ "$errors" -ne 1 ] || ! grep 'level=error' "$work/no-curl.log" | grep -q 'libcurl\.so\.4'; then
    echo "scraper on without a loadable libcurl: want exit 2 and one error line naming libcurl.so.4, got $no_curl_status:"
    cat "$work/no-curl.log"
    exit 1
fi
echo "scraper on without a loadable libcurl: exit 2, $(grep 'level=error' "$work/no-curl.log")"

AUTH_TOKEN="acceptance-token" \
    JOB_WEBHOOK_RELEASE_TOOLS_OPS_TOKEN="release-tools-token" \
    JOB_WEBHOOK_DEPLOYER_OPS_TOKEN="deployer-token" \
    DELIVERY_METRICS_LISTEN_ADDRESS=127.0.0.1 \
    DELIVERY_METRICS_PORT=0 \
    DELIVERY_METRICS_LOG_FORMAT=json \
    "$binary" 2>"$log" &
pid=$!

# Port 0 lets the kernel pick a free port; the boot line says which.
port=""
for _ in $(seq 1 100); do
    port=$(sed -n 's/.*"address":"127\.0\.0\.1:\([0-9]*\)".*/\1/p' "$log" | head -n 1)
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || { echo "server exited during start:"; cat "$log"; exit 1; }
    sleep 0.1
done
[ -n "$port" ] || { echo "server did not report its address:"; cat "$log"; exit 1; }
url="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
    curl -fsS "$url/-/ready" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fsS "$url/-/ready" >/dev/null || { echo "server never became ready:"; cat "$log"; exit 1; }
echo "server ready at $url (pid $pid)"

status=0
DELIVERY_METRICS_URL="$url" DELIVERY_METRICS_TOKEN="acceptance-token" DELIVERY_METRICS_BINARY="$binary" \
    swift test --skip-build --filter AcceptanceTests || status=$?
scripts/status-page-check.sh "$url" "acceptance-token" || status=1
# The Pushgateway protocol beside a real Pushgateway 1.5.1, with curl, Python's and Go's clients and a Prometheus
# scraping with honor_labels; it starts servers of its own.
scripts/pushgateway-differential.sh "$binary" || status=1
# The README's Python and Go push examples, verbatim.
scripts/readme-clients.sh "$binary" || status=1

kill -TERM "$pid"
exit_code=0
wait "$pid" || exit_code=$?
pid=""
if [ "$exit_code" -ne 0 ]; then
    echo "server exited with $exit_code after SIGTERM (want 0); its log:"
    tail -n 50 "$log"
    exit 1
fi
grep -q '"msg":"stopped"' "$log" || { echo "server log has no clean stop line"; tail -n 20 "$log"; exit 1; }
echo "server stopped cleanly after SIGTERM"
if [ "$status" -ne 0 ]; then
    echo "acceptance tests failed; server log:"
    tail -n 50 "$log"
fi
exit "$status"
