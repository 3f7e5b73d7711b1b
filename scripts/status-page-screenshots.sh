#!/usr/bin/env bash
# make screenshots: the README's two pictures of the status page (docs/status-page-1400.png and -375.png), from a
# fresh copy of BINARY holding what a delivery team's would after a day: deployments started and timed, pressure
# per environment, a blocker, and groups pushed by CI jobs. scripts/status-page-browser.py takes them, running
# its checks on the way.
#
#   scripts/status-page-screenshots.sh BINARY
set -euo pipefail
cd "$(dirname "$0")/.."
binary=$(realpath "$1")
work=$(mktemp -d)
# shellcheck source=scripts/serve-copy.sh
. scripts/serve-copy.sh
cleanup() {
    stop_copy || true
    rm -rf "$work"
}
trap cleanup EXIT
token="screenshots-token"
serve_copy "$binary" "$token" "$work/server.log"
url=$served_url
push() { curl -fsS -o /dev/null -X POST -H "X-Private-Token: $token" -d "$2" "$url/api/$1"; }
for environment in gstg-cny gstg gprd-cny gprd; do push deployment_started_total/inc "labels=$environment"; done
push deployment_started_total/add "value=3&labels=gprd"
push deployment_rollbacks_started_total/inc "labels=gprd-cny"
push auto_deploy_pressure/set "value=14&labels=gstg-cny"
push auto_deploy_pressure/set "value=6&labels=gprd"
push deployment_blocker_count/set "value=2&labels=ci_failure,2024-W23"
for value in 5400 6100 6900 7300 9800 12600; do
    push deployment_duration_seconds/observe "value=$value&labels=coordinator_pipeline,success"
done
push deployment_duration_seconds/observe "value=15400&labels=coordinator_pipeline,failed"
for runner in runner-1 runner-2; do
    printf '# TYPE release_job_duration_seconds gauge\nrelease_job_duration_seconds{stage="tag"} 84\n# TYPE release_job_success_total counter\nrelease_job_success_total 12\n' \
        | curl -fsS -o /dev/null -u "ci:$token" --data-binary @- "$url/metrics/job/release-tools/instance/$runner"
done
timeout 120 python3 scripts/status-page-browser.py "$url" "$token" "$work" | grep -v '^ok ' 
cp "$work/status-page-1400.png" docs/status-page-1400.png
cp "$work/status-page-375.png" docs/status-page-375.png
ls -l docs/status-page-1400.png docs/status-page-375.png
