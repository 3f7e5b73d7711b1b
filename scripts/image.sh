#!/usr/bin/env bash
# Builds the container image with docker or nerdctl when an engine answers; says so and succeeds when none does.
set -euo pipefail
image=${IMAGE:-delivery-metrics:dev}
for engine in docker nerdctl; do
    if command -v "$engine" >/dev/null 2>&1 && "$engine" info >/dev/null 2>&1; then
        echo "building $image with $engine"
        exec "$engine" build -t "$image" .
    fi
done
echo "no container engine answers here (docker info / nerdctl info failed): image not built."
echo "make image-check verifies the runtime stage without an engine."
