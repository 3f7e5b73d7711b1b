#!/usr/bin/env bash
# The Debian packages owning the libraries the binary links must be exactly the ones the Dockerfile's runtime stage
# installs (CA certificates aside, which the scraper reads rather than links).
set -euo pipefail
binary=$1
needed=$(readelf -d "$binary" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p')
owners=$(for library in $needed; do
    path=$(ldd "$binary" | awk -v lib="$library" '$1 == lib { print ($3 != "" ? $3 : $1) }')
    [ -n "$path" ] || path=$(ldd "$binary" | awk -v lib="$library" 'index($1, lib) { print $1 }')
    dpkg -S "$(realpath "$path")" 2>/dev/null | head -n 1 | cut -d: -f1 \
        || dpkg -S "$path" | head -n 1 | cut -d: -f1
done | sort -u)
installed=$(sed -n 's/.*apt-get install -y --no-install-recommends \(.*\) \\$/\1/p' Dockerfile | tr ' ' '\n' \
    | grep -v '^ca-certificates$' | sort -u)
if [ "$owners" != "$installed" ]; then
    echo "runtime packages differ from what the binary links:"
    diff <(echo "$owners") <(echo "$installed") || true
    exit 1
fi
echo "runtime stage installs exactly the packages of the linked libraries: $(echo $owners)"
