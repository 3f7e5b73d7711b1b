#!/usr/bin/env bash
# make micro-bench: the hot-path micro-benchmarks (Benchmarks/, ordo-one/benchmark) with malloc counts per operation.
# Writes bench/micro-results.md. Separate from the service's package, so neither its build nor CI compiles them.
set -euo pipefail
results=${MICRO_RESULTS:-bench/micro-results.md}
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
(cd Benchmarks && swift package --disable-sandbox benchmark --no-progress --format markdown) >"$raw"
{
    echo "# Micro-benchmark results"
    echo
    echo "Made by \`make micro-bench\` on $(date -u +%Y-%m-%d), commit $(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown),"
    echo "on $(nproc) cores of \"$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)\". Malloc counts are per operation;"
    echo "\`Benchmarks/Benchmarks/HotPaths/HotPaths.swift\` says what each one runs."
    echo
    sed -n '/^## HotPaths/,$p' "$raw" | sed '1d'
} >"$results"
grep -A6 "route, screen, handle" "$results" | grep "Malloc (total)"
