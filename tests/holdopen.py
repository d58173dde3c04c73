#!/usr/bin/env python3
"""holdopen.py -- hold many silent TCP connections open to a server.

    python3 tests/holdopen.py HOST PORT COUNT SOURCE-ADDRESS STATUS-FILE [ROUND-S]

Opens COUNT TCP connections to HOST:PORT from SOURCE-ADDRESS (e.g.
127.0.0.2, so that they come from another peer address than the
federation's gateways), sends nothing on them, and keeps COUNT attempts
going: a connection the server closes is opened again at the next round
(every ROUND-S seconds, default 0.5), so the pressure lasts until the
process is stopped. After
each round it rewrites STATUS-FILE with one line: "rounds=R open=N
reopened=M" (open: connections established and not closed by the server).
The tests run it against the real broker (tests/features/large-federation.sh).
"""

import errno
import os
import resource
import select
import socket
import sys
import time


def main():
    host, port, count, source, status_file = sys.argv[1:6]
    port, count = int(port), int(count)
    pause = float(sys.argv[6]) if len(sys.argv) > 6 else 0.5
    # As many descriptors as allowed: the point is to hold more than the
    # server can
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    connections = {}      # socket -> established?
    reopened = 0
    rounds = 0
    while True:
        while len(connections) < count:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            sock.bind((source, 0))
            code = sock.connect_ex((host, port))
            if code not in (0, errno.EINPROGRESS):
                sock.close()
                break
            connections[sock] = code == 0
            if rounds:
                reopened += 1
        # Established once writable; ended once readable with nothing (poll,
        # not select: the descriptors go past select's 1024)
        poller = select.poll()
        by_fd = {}
        for sock, up in connections.items():
            poller.register(sock, select.POLLIN if up else select.POLLOUT)
            by_fd[sock.fileno()] = sock
        for fd, event in poller.poll(0):
            sock = by_fd[fd]
            if not connections[sock]:
                if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                    connections[sock] = True
                else:
                    del connections[sock]
                    sock.close()
                continue
            try:
                data = sock.recv(4096)
            except OSError:
                data = b""
            if not data:
                del connections[sock]
                sock.close()
        rounds += 1
        open_count = sum(1 for up in connections.values() if up)
        with open(status_file + ".tmp", "w") as out:
            out.write("rounds=%d open=%d reopened=%d\n" % (rounds, open_count, reopened))
        os.replace(status_file + ".tmp", status_file)
        time.sleep(pause)


if __name__ == "__main__":
    main()
