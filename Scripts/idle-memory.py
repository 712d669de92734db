#!/usr/bin/env python3
"""Memory per idle connection of an echo server (issue 11, SPEC §7).

Starts the server command (``{port}`` is replaced by a free loopback port), reads
its resident memory, opens N connections from this one process, makes one echo
round trip on each (so the server has accepted it and its handler is parked), waits
for the server's memory to settle, and prints the growth per connection.

    Scripts/idle-memory.py --connections 10000 -- .build/release/sock serve echo --listen 127.0.0.1:{port} --quiet

Talks only to 127.0.0.1; stops only the server it started, by PID; bounded in time.
"""
import argparse
import os
import random
import resource
import signal
import socket
import subprocess
import sys
import time


def free_port():
    """A free port below the ephemeral range, so no other program's port-0 listener takes it meanwhile."""
    for _ in range(100):
        port = random.randrange(20000, 30000)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def resident_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def settled_kib(pid, seconds=1.0):
    """The resident size once it stops moving (bounded)."""
    last = resident_kib(pid)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        time.sleep(seconds)
        now = resident_kib(pid)
        if now == last:
            return now
        last = now
    return last


def wait_listening(port, server, limit=15):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited with {server.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not listen")


def open_idle(port, count, round_trip):
    clients = []
    for index in range(count):
        client = socket.create_connection(("127.0.0.1", port), timeout=10)
        clients.append(client)
    if not round_trip:
        return clients
    payload = b"x"
    for client in clients:
        client.sendall(payload)
    for client in clients:
        reply = client.recv(1)
        if reply != payload:
            raise RuntimeError(f"no echo: got {reply!r}")
    return clients


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=10000)
    parser.add_argument("--no-round-trip", action="store_true", help="only connect; send nothing")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    arguments = parser.parse_args()
    command = [part for part in arguments.command if part != "--"]
    if not command:
        parser.error("give the server command after --")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, arguments.connections + 1000), hard))
    port = free_port()
    command = [part.replace("{port}", str(port)) for part in command]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    clients = []
    try:
        wait_listening(port, server)
        # One connection first, so that lazily built state (threads, buffers) is counted in `before`.
        clients = open_idle(port, 1, not arguments.no_round_trip)
        before = settled_kib(server.pid)
        clients += open_idle(port, arguments.connections, not arguments.no_round_trip)
        after = settled_kib(server.pid)
        per = (after - before) / arguments.connections
        print(f"before {before} KiB, after {after} KiB, {arguments.connections} idle connections: {per:.2f} KiB each")
    finally:
        for client in clients:
            client.close()
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


if __name__ == "__main__":
    sys.exit(main())
