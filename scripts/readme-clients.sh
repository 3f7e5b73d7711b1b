#!/usr/bin/env bash
# Runs the README's Python and Go push examples (its ```python and ```go blocks under "Moving from a Pushgateway"),
# as they stand, against a fresh copy of BINARY, and checks that /metrics then shows what each pushed. Python needs
# prometheus_client, Go Debian's client_golang in GOPATH mode (make deps-acceptance).
#
#   scripts/readme-clients.sh BINARY
set -euo pipefail
cd "$(dirname "$0")/.."
binary=$(realpath "$1")
work=$(mktemp -d)
# shellcheck source=scripts/serve-copy.sh
. scripts/serve-copy.sh
cleanup() {
    if [ -n "${served_pid:-}" ]; then kill -KILL "$served_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# block LANGUAGE: the README's first fenced block in that language.
block() { awk -v fence="\`\`\`$1" '$0 == fence { inside = 1; next } inside && $0 == "```" { exit } inside { print }' README.md; }
block python >"$work/push.py"
mkdir -p "$work/go"
block go >"$work/go/main.go"
[ -s "$work/push.py" ] && [ -s "$work/go/main.go" ] || { echo "README has no python or go block"; exit 1; }

token="readme-clients-token"
serve_copy "$binary" "$token" "$work/server.log"
export DELIVERY_METRICS_URL=$served_url DELIVERY_METRICS_TOKEN=$token

if [ -z "${GOCACHE:-}" ] && [ -z "${HOME:-}" ] && [ -z "${XDG_CACHE_HOME:-}" ]; then export GOCACHE="$work/gocache"; fi
python3 "$work/push.py"
(cd "$work/go" && GOPATH=/usr/share/gocode GO111MODULE=off go build -o "$work/push-go" .)
"$work/push-go"

metrics=$(curl -fsS "$DELIVERY_METRICS_URL/metrics")
failed=0
for series in 'backup_last_success_seconds{instance="",job="backup"}' \
    'release_last_finished_seconds{instance="runner-1",job="release"}'; do
    value=$(awk -v s="$series" '$1 == s { print $2 }' <<<"$metrics")
    # Each set its gauge to the current time: within a minute of now.
    if awk -v v="${value:-0}" -v now="$(date +%s)" 'BEGIN { exit !(v > now - 60 && v <= now + 1) }'; then
        echo "readme-clients: $series $value"
    else
        echo "readme-clients: want $series near $(date +%s), got '${value}'"
        failed=1
    fi
done
stop_copy || { echo "server exited with $? after SIGTERM"; failed=1; }
exit "$failed"
