#!/usr/bin/env bash
# Instructions and allocations per push, counted by callgrind: the same figure whatever else the machine is doing,
# so it can be gated where requests/s cannot. N sequential pushes on one keep-alive connection (bench/push-client.py)
# minus an empty run (boot, one connection, shutdown), for the service with the access log off and on, beside
# bench/ceiling.c (a libuv server in C answering every read with a fixed 200: what any server on libuv pays).
#
# Usage: scripts/push-cost.sh BINARY [RESULTS.md]   (PUSH_COST_N pushes, default 2000)
# Prints one line per server and one PASS/FAIL line per gate; with RESULTS.md, writes them there as markdown.
# Needs valgrind, a C compiler, libuv1-dev and python3 (`make deps-bench`).
set -euo pipefail
binary=$(realpath "$1")
results=${2:-}
n=${PUSH_COST_N:-2000}
here=$(cd "$(dirname "$0")/.." && pwd)
command -v valgrind >/dev/null || { echo "valgrind missing: make deps-bench"; exit 1; }
work=$(mktemp -d)
vp=""
cleanup() {
    if [ -n "$vp" ]; then kill -KILL "$vp" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
"$(command -v cc || command -v gcc || command -v clang)" -O2 -o "$work/ceiling" "$here/bench/ceiling.c" -luv
token=push-cost-token
# Every allocation entry point: Swift allocates through malloc and, for over-aligned objects, posix_memalign.
allocators="malloc calloc realloc posix_memalign aligned_alloc memalign"

# one NAME PUSHES COMMAND...: runs COMMAND (its argument PORT replaced by a free port) under callgrind while the
# client pushes; prints "instructions allocations".
one() {
    local name=$1 pushes=$2 port argument
    shift 2
    port=$((23000 + RANDOM % 4000))
    local command=()
    for argument in "$@"; do command+=("${argument/#PORT/$port}"); done
    AUTH_TOKEN=$token valgrind --tool=callgrind --callgrind-out-file="$work/cg.$name.$pushes" "${command[@]}" \
        >"$work/vg.$name.$pushes" 2>&1 &
    vp=$!
    python3 "$here/bench/push-client.py" "$port" "$pushes" "$token" >"$work/client.$name.$pushes" \
        || { echo "push client failed against $name: $(cat "$work/client.$name.$pushes")" >&2; tail -n 5 "$work/vg.$name.$pushes" >&2; exit 1; }
    sleep 0.3
    kill -TERM "$vp"
    wait "$vp" || true
    vp=""
    local instructions allocations
    instructions=$(awk '/^summary:/ { print $2 }' "$work/cg.$name.$pushes")
    # shellcheck disable=SC2086
    allocations=$(python3 "$here/scripts/callgrind-calls.py" "$work/cg.$name.$pushes" $allocators | awk '{ s += $2 } END { print s + 0 }')
    echo "$instructions $allocations"
}
# per NAME COMMAND...: "instructions/push allocations/push", the empty run subtracted.
per() {
    local name=$1 i0 a0 i1 a1
    shift
    read -r i0 a0 < <(one "$name" 0 "$@")
    read -r i1 a1 < <(one "$name" "$n" "$@")
    awk -v a="$i0" -v b="$i1" -v c="$a0" -v d="$a1" -v n="$n" 'BEGIN { printf "%d %.1f\n", (b - a) / n, (d - c) / n }'
}

read -r quiet_i quiet_a < <(per quiet "$binary" --port PORT --listen-address 127.0.0.1 --no-access-log --log-format json)
read -r logged_i logged_a < <(per logged "$binary" --port PORT --listen-address 127.0.0.1 --access-log --log-format json)
read -r ceiling_i ceiling_a < <(per ceiling "$work/ceiling" PORT)

gate() {  # gate LABEL VALUE LIMIT -> "| label | value | ≤ limit | PASS/FAIL |"
    awk -v label="$1" -v value="$2" -v limit="$3" 'BEGIN {
        verdict = (value + 0 <= limit + 0) ? "PASS" : "FAIL"
        printf "| %s | %s | ≤ %s | %s (%.1f× the limit) |\n", label, value, limit, verdict, (limit > 0 ? value / limit : 0)
    }'
}
report=$(
    echo "| server | instructions per push | allocations per push |"
    echo "|---|---|---|"
    echo "| delivery-metrics, access log off | $quiet_i | $quiet_a |"
    echo "| delivery-metrics, access log on | $logged_i | $logged_a |"
    echo "| ceiling: C on libuv, a fixed 200 (bench/ceiling.c) | $ceiling_i | $ceiling_a |"
    echo
    echo "| gate | measured | limit | verdict |"
    echo "|---|---|---|---|"
    gate "instructions per push, access log off" "$quiet_i" 12000
    gate "instructions per push, access log on" "$logged_i" 20000
    gate "allocations per push, access log off" "$quiet_a" 1
)
echo "$report"
if [ -n "$results" ]; then
    {
        echo "Callgrind, $n sequential keep-alive pushes minus an empty run (\`scripts/push-cost.sh\`), the server"
        echo "under valgrind and the client (\`bench/push-client.py\`) outside it; allocations are calls to malloc,"
        echo "calloc, realloc and the aligned allocators."
        echo
        echo "$report"
    } >"$results"
fi
