#!/usr/bin/env bash
# Without a container engine: builds the runtime stage's root file system from the same Debian packages the
# Dockerfile installs (mmdebstrap), copies the release binary in, runs it there (chroot, as the image's non-root
# user) and waits until /-/ready answers.
set -euo pipefail
binary=$(realpath "$1")
packages=$(sed -n 's/.*apt-get install -y --no-install-recommends \(.*\) \\$/\1/p' Dockerfile | tr ' ' ',')
root=$(mktemp -d)
pid=""
cleanup() {
    if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
    rm -rf "$root"
}
trap cleanup EXIT
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
echo "building a $suite root with: $packages"
mmdebstrap --quiet --variant=essential --include="$packages" "$suite" "$root"
install -D -m 0755 "$binary" "$root/usr/local/bin/delivery-metrics"
port=$((20000 + RANDOM % 20000))
AUTH_TOKEN=image-check DELIVERY_METRICS_LISTEN_ADDRESS=127.0.0.1 DELIVERY_METRICS_PORT=$port \
    chroot --userspec=65532:65532 "$root" /usr/local/bin/delivery-metrics &
pid=$!
for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1; then
        echo "the binary runs in the runtime stage's root and is ready on port $port"
        exit 0
    fi
    kill -0 "$pid" 2>/dev/null || { echo "the binary exited in the runtime root"; exit 1; }
    sleep 0.1
done
echo "not ready within 10 s"
exit 1
