#!/usr/bin/env python3
"""Start to ready, measured from inside one process: ready-time.py BINARY RUNS. Each run picks a free port, takes
the time, starts BINARY (access log off, JSON logs thrown away), then tries GET /-/ready every 2 ms until a 200
answers, and stops it with SIGTERM. Prints "min median max" in milliseconds over the runs.

No shell, curl or log file in between: launching a curl per probe costs more than the boot, and a 50 ms sleep
between probes rounds every figure up to its step (`make bench` once reported 69 ms that way for an 18 ms start)."""
import os
import signal
import socket
import statistics
import subprocess
import sys
import time

binary, runs = sys.argv[1], int(sys.argv[2])
request = b"GET /-/ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ready(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection:
            connection.sendall(request)
            return connection.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


figures = []
for _ in range(runs):
    port = free_port()
    environment = dict(os.environ, AUTH_TOKEN="ready-time-token-0123456789", DELIVERY_METRICS_ACCESS_LOG="false",
                       DELIVERY_METRICS_LOG_FORMAT="json")
    start = time.monotonic()
    server = subprocess.Popen([binary, "--port", str(port), "--listen-address", "127.0.0.1"], env=environment,
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not ready(port):
            if server.poll() is not None:
                sys.exit("the server exited with %d before it was ready" % server.returncode)
            if time.monotonic() - start > 10:
                sys.exit("not ready within 10 s")
            time.sleep(0.002)
        figures.append((time.monotonic() - start) * 1000)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
print("%.0f %.0f %.0f" % (min(figures), statistics.median(figures), max(figures)))
