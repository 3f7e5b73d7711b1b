#!/usr/bin/env python3
"""The push client of scripts/push-cost.sh: N pushes one after another on one keep-alive connection, each written
whole and its answer read whole before the next. Usage: push-client.py PORT N [TOKEN]. Prints "ok COUNT"; exits 1
unless every answer was a 200. With N = 0 it connects and closes, the empty run whose cost is subtracted."""
import socket
import sys
import time

port, n = int(sys.argv[1]), int(sys.argv[2])
token = (sys.argv[3] if len(sys.argv) > 3 else "push-cost-token").encode()
body = b"value=18000&labels=coordinator_pipeline,success"
request = (
    b"POST /api/deployment_duration_seconds/observe HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: wrk\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\nX-Private-Token: " + token + b"\r\n"
    b"Content-Length: %d\r\n\r\n" % len(body)
) + body

for _ in range(600):  # The server may still be booting under valgrind.
    try:
        connection = socket.create_connection(("127.0.0.1", port))
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("cannot connect to port %d" % port)
connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
ok, buffered = 0, b""
for _ in range(n):
    connection.sendall(request)
    while True:
        chunk = connection.recv(65536)
        if not chunk:
            sys.exit("connection closed after %d answers" % ok)
        buffered += chunk
        end = buffered.find(b"\r\n\r\n")
        if end < 0:
            continue
        head = buffered[:end].decode("latin-1")
        length = 0
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        if len(buffered) < end + 4 + length:
            continue
        ok += head.startswith("HTTP/1.1 200")
        buffered = buffered[end + 4 + length :]
        break
connection.close()
print("ok", ok)
sys.exit(0 if ok == n else 1)
