#!/usr/bin/env python3
"""Measures cluster chat (SPEC §8, issue 13's target): N nodes of `sock serve chat
--cluster` on one redis-server, M members spread over them, each saying a line per
second for D seconds. Checks every line reaches every other member exactly once and in
its sender's order; prints end-to-end latency (sender's write -> each receiver's read)
p50/p99, deliveries per second and Redis commands per line. `--nodes 1` without
`--no-cluster` is one node on Redis; `--no-cluster` is today's single-process room.

    Scripts/cluster-chat-bench.py [--nodes 3] [--members 300] [--seconds 30] [--sock PATH]

Starts its own redis-server (free loopback port, no persistence) and nodes, stops them
by PID, and removes nothing else.
"""
import argparse
import asyncio
import os
import re
import signal
import socket
import subprocess
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_info(port):
    """Calls per command since the server started (`INFO commandstats`)."""
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"INFO commandstats\r\n")
        data = b""
        while b"\r\n" not in data:
            data += s.recv(65536)
        header, _, rest = data.partition(b"\r\n")
        while len(rest) < int(header[1:]):
            rest += s.recv(65536)
    return {m.group(1).decode(): int(m.group(2)) for m in re.finditer(rb"cmdstat_(\w+):calls=(\d+)", rest)}


class Member:
    def __init__(self, index, reader, writer):
        self.index = index
        self.reader = reader
        self.writer = writer
        self.last = {}  # sender -> last sequence seen
        self.received = 0
        self.errors = 0
        self.latencies = []


async def read_loop(member, stop):
    while not stop.is_set():
        try:
            line = await asyncio.wait_for(member.reader.readline(), 1)
        except asyncio.TimeoutError:
            continue
        if not line:
            return
        now = time.monotonic_ns()
        text = line.decode().rstrip("\n")
        if text.startswith("*") or ": " not in text:
            continue
        _, _, body = text.partition(": ")
        parts = body.split(" ")
        if len(parts) != 3 or not parts[0].startswith("m"):
            continue
        sender, sequence, sent = int(parts[0][1:]), int(parts[1]), int(parts[2])
        if sequence != member.last.get(sender, -1) + 1:
            member.errors += 1
        member.last[sender] = sequence
        member.received += 1
        member.latencies.append((now - sent) / 1e6)


async def send_loop(member, seconds, start):
    for sequence in range(seconds):
        await asyncio.sleep(max(0, start + sequence + (member.index % 100) / 100 - time.monotonic()))
        member.writer.write(f"m{member.index} {sequence} {time.monotonic_ns()}\n".encode())
        await member.writer.drain()


async def run(arguments, addresses, snapshot):
    members = []
    for index in range(arguments.members):
        host, port = addresses[index % len(addresses)].rsplit(":", 1)
        reader, writer = await asyncio.open_connection(host, int(port), limit=1 << 20)
        members.append(Member(index, reader, writer))
    await asyncio.sleep(3)  # joins and their notices settle
    before = snapshot()
    stop = asyncio.Event()
    readers = [asyncio.create_task(read_loop(m, stop)) for m in members]
    start = time.monotonic() + 1
    await asyncio.gather(*(send_loop(m, arguments.seconds, start) for m in members))
    expected = arguments.members - 1
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(m.received < arguments.seconds * expected for m in members):
        await asyncio.sleep(0.2)
    elapsed = time.monotonic() - start
    stop.set()
    await asyncio.gather(*readers)
    after = snapshot()
    for m in members:
        m.writer.close()
    return members, elapsed, before, after


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--no-cluster", action="store_true", help="one node without Redis")
    parser.add_argument("--sock", default=".build/release/sock")
    arguments = parser.parse_args()
    processes = []
    redis_port = free_port()
    try:
        if not arguments.no_cluster:
            processes.append(subprocess.Popen(
                ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                stdout=subprocess.DEVNULL))
            time.sleep(0.5)
        addresses = []
        for node in range(1 if arguments.no_cluster else arguments.nodes):
            cluster = [] if arguments.no_cluster else ["--cluster", f"redis://127.0.0.1:{redis_port}", "--node", f"n{node}"]
            process = subprocess.Popen(
                [arguments.sock, "serve", "chat", "--listen", "127.0.0.1:0", "--quiet", "--max-connections", "100000"] + cluster,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            processes.append(process)
            addresses.append(process.stdout.readline().decode().split()[-1])
        time.sleep(1)
        snapshot = (lambda: {}) if arguments.no_cluster else (lambda: redis_info(redis_port))
        members, elapsed, before, after = asyncio.run(run(arguments, addresses, snapshot))
        lines = arguments.members * arguments.seconds
        expected = lines * (arguments.members - 1)
        received = sum(m.received for m in members)
        latencies = sorted(x for m in members for x in m.latencies)
        p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else float("nan")
        setup = "single node, no Redis" if arguments.no_cluster else f"{arguments.nodes} nodes on Redis"
        print(f"{setup}: {arguments.members} members, a line per second each for {arguments.seconds} s")
        print(f"delivered {received} of {expected} ({received / expected:.4%}); order errors {sum(m.errors for m in members)}")
        print(f"latency ms: p50 {p(0.5):.2f}  p99 {p(0.99):.2f}  max {latencies[-1] if latencies else float('nan'):.2f}")
        print(f"deliveries per second: {received / elapsed:.0f}")
        if after:
            publishes = after.get("publish", 0) - before.get("publish", 0)
            total = sum(after.values()) - sum(before.values())
            print(f"redis: {publishes} PUBLISH for {lines} lines ({publishes / lines:.2f} per line); "
                  f"{total} commands in all ({total / lines:.2f} per line, heartbeats and the rest included)")
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGTERM)
        for process in reversed(processes):
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    main()
