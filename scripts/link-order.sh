#!/usr/bin/env bash
# make link-order: rewrites scripts/link-order.txt, the functions the release binary runs from boot to idle and on
# its request paths (pushes of each kind, scrapes plain, gzip and OpenMetrics, the status page, /api, a reset, a job
# webhook, refusals), in the order callgrind first met them. `make build` hands the file to lld
# (--symbol-ordering-file), which lays those functions out first and together: the code a running service touches
# then fills a few hundred KiB of pages instead of being spread over the whole 6 MB of text, where the kernel's
# fault-around (64 KiB a fault) made nearly all of it resident.
#
# A stale file only costs memory, never correctness (names it does not find are skipped); regenerate it when the
# code or the toolchain changed much: idle RssFile in `make bench` (bench/results.md) creeping up is the sign.
# Usage: scripts/link-order.sh BINARY [OUT]   (needs valgrind and curl)
set -euo pipefail
binary=$(realpath "$1")
out=${2:-scripts/link-order.txt}
command -v valgrind >/dev/null || { echo "valgrind missing: apt-get install -y valgrind"; exit 1; }
work=$(mktemp -d)
vp=""
cleanup() {
    if [ -n "$vp" ]; then kill -KILL "$vp" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
port=$((23000 + RANDOM % 2000))
token=link-order-token-0123456789
AUTH_TOKEN=$token JOB_WEBHOOK_RELEASE_TOOLS_OPS_TOKEN=link-order-webhook \
    valgrind --tool=callgrind --demangle=no --dump-instr=no --callgrind-out-file="$work/cg.out" \
    "$binary" --port "$port" --listen-address 127.0.0.1 --persistence-file "$work/state" >"$work/vg.log" 2>&1 &
vp=$!
url="http://127.0.0.1:$port"
for _ in $(seq 1 300); do curl -fsS -o /dev/null "$url/-/ready" 2>/dev/null && break; sleep 0.1; done
curl -fsS -o /dev/null "$url/-/ready"
api() { curl -s -o /dev/null -H "X-Private-Token: $token" "$@"; }
for _ in 1 2 3; do
    api -d value=18000 -d labels=coordinator_pipeline,success "$url/api/deployment_duration_seconds/observe"
    api -F value=18000 -F labels=coordinator_pipeline,success "$url/api/deployment_duration_seconds/observe"
    api -X POST -F labels=gstg-cny "$url/api/deployment_rollbacks_started_total/inc"
    api -d value=3 -d labels=monthly,no "$url/api/packages_tagging_total/add"
    api -d value=42 -d labels=gstg-cny "$url/api/auto_deploy_pressure/set"
    api -X POST "$url/api/release_pressure/set?value=5&labels=merged,17.4,severity::2"
    api -d value=1 -d labels=moon "$url/api/auto_deploy_pressure/set"
    api -X DELETE "$url/api/release_pressure"
    api "$url/api"
    curl -s -o /dev/null -X POST -d value=1 "$url/api/auto_deploy_pressure/set"
    curl -s -o /dev/null -H "X-Gitlab-Token: link-order-webhook" -H "X-Gitlab-Event: Job Hook" \
        -H "Content-Type: application/json" --data-binary @Tests/DeliveryMetricsTests/Fixtures/job-event.json \
        "$url/webhooks/job/ops/gitlab-org/release/tools"
    curl -s -o /dev/null "$url/metrics"
    curl -s -o /dev/null -H "Accept-Encoding: gzip" "$url/metrics"
    curl -s -o /dev/null -H "Accept: application/openmetrics-text; version=1.0.0" "$url/metrics"
    curl -s -o /dev/null "$url/"
    curl -s -o /dev/null "$url/-/healthy"
    curl -s -o /dev/null "$url/nowhere"
done
sleep 1
kill -TERM "$vp"
wait "$vp" || true
vp=""
# Functions of the binary itself, in the order callgrind's file first names them; recursion marks ('2) dropped.
python3 - "$work/cg.out" "$binary" >"$out.new" <<'EOF'
import os, re, sys
path, binary = sys.argv[1], os.path.realpath(sys.argv[2])
names = {"ob": {}, "fn": {}}
rx = re.compile(r"^(c?)(ob|fn)=\((\d+)\)(?: (.*))?$")
current, seen = None, {}
for line in open(path, errors="replace"):
    m = rx.match(line.rstrip("\n"))
    if not m:
        continue
    called, kind, ident, name = m.groups()
    if name:
        names[kind][ident] = name
    if kind == "ob" and not called:
        current = names["ob"].get(ident)
    elif kind == "fn" and not called and current and os.path.realpath(current) == binary:
        seen.setdefault(re.sub(r"'\d+$", "", names["fn"][ident]), None)
sys.stdout.write("".join(f"{name}\n" for name in seen))
EOF
mv "$out.new" "$out"
echo "$(wc -l <"$out") functions in $out"
