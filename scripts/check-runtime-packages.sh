#!/usr/bin/env bash
# The Debian packages owning the libraries the binary links, and the ones it opens with dlopen (libcurl, named in
# Sources/CCurl/shim.h, for the scraper), must be exactly the ones the Dockerfile's runtime stage installs (CA
# certificates aside, which the scraper reads rather than links).
set -euo pipefail
binary=$1
needed=$(readelf -d "$binary" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p')
dlopened=$(sed -n 's/^#define CCURL_LIBRARY "\(.*\)"$/\1/p' Sources/CCurl/shim.h)
[ -n "$dlopened" ] || { echo "no CCURL_LIBRARY in Sources/CCurl/shim.h"; exit 1; }
if ldd "$binary" | grep -q "$dlopened"; then
    echo "$binary links $dlopened: it should open it with dlopen only when the scraper is on"
    exit 1
fi
owners=$({
    for library in $needed; do
        path=$(ldd "$binary" | awk -v lib="$library" '$1 == lib { print ($3 != "" ? $3 : $1) }')
        [ -n "$path" ] || path=$(ldd "$binary" | awk -v lib="$library" 'index($1, lib) { print $1 }')
        dpkg -S "$(realpath "$path")" 2>/dev/null | head -n 1 | cut -d: -f1 \
            || dpkg -S "$path" | head -n 1 | cut -d: -f1
    done
    for library in $dlopened; do
        # Where the dynamic loader would find it, as dlopen searches.
        path=$(ldconfig -p | awk -v lib="$library" '$1 == lib && /x86-64|x86_64|aarch64|AArch64/ { print $NF; exit }')
        [ -n "$path" ] || { echo "dlopened library $library not found by ldconfig" >&2; exit 1; }
        dpkg -S "$(realpath "$path")" 2>/dev/null | head -n 1 | cut -d: -f1 || dpkg -S "$path" | head -n 1 | cut -d: -f1
    done
} | sort -u)
installed=$(sed -n 's/.*apt-get install -y --no-install-recommends \(.*\) \\$/\1/p' Dockerfile | tr ' ' '\n' \
    | grep -v '^ca-certificates$' | sort -u)
if [ "$owners" != "$installed" ]; then
    echo "runtime packages differ from what the binary links:"
    diff <(echo "$owners") <(echo "$installed") || true
    exit 1
fi
echo "runtime stage installs exactly the packages of the linked and dlopened libraries: $(echo $owners)"
