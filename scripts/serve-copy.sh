# Sourced by the scripts that need a copy of the binary of their own (readme-clients.sh, status-page-screenshots.sh):
#
#   serve_copy BINARY TOKEN LOG
#
# starts BINARY on 127.0.0.1 and a port the kernel picks, JSON logs to LOG, the access log off, and sets served_pid
# and served_url from its boot line; exits 1 with the log when no boot line comes within 10 s. stop_copy sends it
# SIGTERM and returns its exit status.
serve_copy() {
    local binary=$1 token=$2 log=$3 port=""
    AUTH_TOKEN=$token DELIVERY_METRICS_ACCESS_LOG=false "$binary" -listen-address 127.0.0.1 -port 0 -log-format json \
        2>"$log" &
    served_pid=$!
    for _ in $(seq 1 100); do
        port=$(sed -n 's/.*"address":"127\.0\.0\.1:\([0-9]*\)".*/\1/p' "$log" | head -n 1)
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || { echo "no boot line:"; cat "$log"; exit 1; }
    served_url="http://127.0.0.1:$port"
}

stop_copy() {
    [ -n "${served_pid:-}" ] || return 0
    kill -TERM "$served_pid" 2>/dev/null || true
    local status=0
    wait "$served_pid" || status=$?
    served_pid=""
    return "$status"
}
