#!/usr/bin/env bash
# The status page in a real browser: push a value, let headless Chromium render GET /, check the rendered DOM shows
# the series and a push line, and keep a screenshot at .build/status-page.png.
set -euo pipefail
url=$1
token=$2
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "no chromium: install Debian's chromium (make deps-acceptance does)"; exit 1; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
curl -fsS -X POST -H "X-Private-Token: $token" -d value=2 -d labels=17.4.9 "$url/api/release_patch_status/set" >/dev/null
flags=(--headless=new --no-sandbox --disable-dev-shm-usage --disable-gpu --no-first-run --user-data-dir="$profile")
dom=$(timeout 60 "$browser" "${flags[@]}" --dump-dom "$url/" 2>/dev/null)
grep -q '<tr class="series"><td>17.4.9</td><td class="value">2</td>' <<<"$dom" \
    || { echo "the rendered status page does not show the pushed series"; exit 1; }
grep -q '/api/release_patch_status/set' <<<"$dom" || { echo "the status page has no push line"; exit 1; }
mkdir -p .build
timeout 60 "$browser" "${flags[@]}" --window-size=1280,2400 --screenshot="$PWD/.build/status-page.png" \
    "$url/" >/dev/null 2>&1
[ -s .build/status-page.png ] || { echo "no screenshot"; exit 1; }
echo "status page rendered in Chromium; screenshot at .build/status-page.png"
