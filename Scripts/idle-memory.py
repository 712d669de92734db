#!/usr/bin/env python3
"""Memory per idle connection of an echo server (issue 11, SPEC §7; TLS: issue 12).

Starts the server command (``{port}`` is replaced by a free loopback port), reads
its resident memory, opens N connections from this one process, makes one echo
round trip on each (so the server has accepted it and its handler is parked), waits
for the server's memory to settle, and prints the growth per connection.

    Scripts/idle-memory.py --connections 10000 -- .build/release/sock serve echo --listen 127.0.0.1:{port} --quiet

With ``--tls`` every connection is TLS (Python's ``ssl``, certificate not verified,
handshake done before the round trip), and ``{cert}`` and ``{key}`` in the command are
replaced by PEM files of a self-signed EC certificate made for the run with the openssl CLI:

    Scripts/idle-memory.py --tls --connections 1000 -- .build-static/release/sock serve echo \
        --listen 127.0.0.1:{port} --quiet --threads 1 --tls-cert {cert} --tls-key {key}
    Scripts/idle-memory.py --tls --connections 1000 -- Benchmarks/.build/release/NIOTLSEchoServer \
        --port {port} --cert {cert} --key {key}

Talks only to 127.0.0.1; stops only the server it started, by PID; bounded in time.
"""
import argparse
import os
import random
import resource
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
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


def open_idle(port, count, round_trip, tls=None):
    clients = []
    for index in range(count):
        client = socket.create_connection(("127.0.0.1", port), timeout=10)
        if tls is not None:
            client = tls.wrap_socket(client)
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


def make_certificate(directory):
    """A self-signed P-256 certificate for 127.0.0.1 in `directory`; a client context that does not verify."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", os.path.join(directory, "key.pem"), "-out", os.path.join(directory, "cert.pem"), "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=10000)
    parser.add_argument("--no-round-trip", action="store_true", help="only connect (and handshake); send nothing")
    parser.add_argument("--tls", action="store_true", help="TLS connections; {cert} and {key} name a fresh certificate")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    arguments = parser.parse_args()
    command = [part for part in arguments.command if part != "--"]
    if not command:
        parser.error("give the server command after --")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, arguments.connections + 1000), hard))
    port = free_port()
    directory = tempfile.mkdtemp(prefix="idle-memory.")
    server = None
    clients = []
    try:
        tls = None
        if arguments.tls:
            tls = make_certificate(directory)
        command = [
            part.replace("{port}", str(port))
            .replace("{cert}", os.path.join(directory, "cert.pem"))
            .replace("{key}", os.path.join(directory, "key.pem"))
            for part in command
        ]
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_listening(port, server)
        # One connection first, so that lazily built state (threads, buffers) is counted in `before`.
        clients = open_idle(port, 1, not arguments.no_round_trip, tls)
        before = settled_kib(server.pid)
        clients += open_idle(port, arguments.connections, not arguments.no_round_trip, tls)
        after = settled_kib(server.pid)
        per = (after - before) / arguments.connections
        print(f"before {before} KiB, after {after} KiB, {arguments.connections} idle connections: {per:.2f} KiB each")
    finally:
        for client in clients:
            client.close()
        shutil.rmtree(directory, ignore_errors=True)
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


if __name__ == "__main__":
    sys.exit(main())
