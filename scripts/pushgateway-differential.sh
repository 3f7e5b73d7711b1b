#!/usr/bin/env bash
# The differential test of the Pushgateway protocol (issue 16): builds the Go push client (client_golang's push
# package, Debian's golang-github-prometheus-client-golang-dev, GOPATH mode) into a temp dir, then runs
# scripts/differential/pushgateway_differential.py, which starts a real Pushgateway and the binary for each scenario
# and compares their answers. Prints one line per check and a summary; exits 1 on any failure.
#
#   scripts/pushgateway-differential.sh BINARY [--only SCENARIO[,SCENARIO]]
#   scripts/pushgateway-differential.sh --pushgateway-only [--only ...]   # the real Pushgateway alone
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: $0 BINARY|--pushgateway-only [--only SCENARIO]"; exit 2; }
args=()
if [ "$1" = "--pushgateway-only" ]; then
    args+=(--pushgateway-only)
else
    args+=(--binary "$(realpath "$1")")
fi
shift
python3 -c 'import prometheus_client' 2>/dev/null \
    || { echo "python3 has no prometheus_client: make deps-acceptance (or python3 -m pip install prometheus_client)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Go's build cache is kept where go keeps it (faster reruns); a bare environment without HOME gets one in $work.
if [ -z "${GOCACHE:-}" ] && [ -z "${HOME:-}" ] && [ -z "${XDG_CACHE_HOME:-}" ]; then export GOCACHE="$work/gocache"; fi
(cd scripts/differential/goclient && GOPATH=/usr/share/gocode GO111MODULE=off go build -o "$work/goclient" .)
exec_status=0
python3 scripts/differential/pushgateway_differential.py --goclient "$work/goclient" "${args[@]}" "$@" || exec_status=$?
exit "$exec_status"
