#!/usr/bin/env bash
# The status page in a real browser: scripts/status-page-browser.py drives Debian's chromium through
# chromium-driver (Selenium from PyPI) against the running server at URL: the page's script under its
# Content-Security-Policy, the filter, folded sections, histogram charts, the copy button, dark mode and a 375 px
# window. Screenshots at both widths are kept in .build/.
#
#   scripts/status-page-check.sh URL TOKEN
set -euo pipefail
url=$1
token=$2
command -v chromium >/dev/null && [ -x /usr/bin/chromedriver ] \
    || { echo "no chromium or chromedriver: install Debian's chromium and chromium-driver (make deps-acceptance does)"; exit 1; }
python3 -c 'import selenium' 2>/dev/null || { echo "python3 has no selenium: make deps-acceptance"; exit 1; }
mkdir -p .build
timeout 120 python3 scripts/status-page-browser.py "$url" "$token" "$PWD/.build"
