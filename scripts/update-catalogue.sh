#!/usr/bin/env bash
# Rewrites the README's catalogue table (between its catalogue markers) from the binary's --print-catalogue.
set -euo pipefail
binary=$1
table=$(mktemp)
trap 'rm -f "$table"' EXIT
"$binary" --print-catalogue > "$table"
awk -v table="$table" '
    index($0, "<!-- catalogue:") == 1 { print; while ((getline line < table) > 0) print line; skipping = 1; next }
    index($0, "<!-- end of catalogue -->") == 1 { skipping = 0 }
    !skipping { print }
' README.md > README.md.new
mv README.md.new README.md
echo "README.md catalogue updated"
