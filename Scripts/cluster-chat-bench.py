#!/usr/bin/env python3
"""Measures cluster chat (SPEC §8, issue 13's target): N nodes of `sock serve chat
--cluster` on one redis-server, M members spread over them, each saying RATE lines a
second for D seconds. The members are Benchmarks' `ChatLoad` (Swift, on our own async
sockets), which checks every line reaches every other member exactly once and in its
sender's order, and measures end-to-end latency (sender's write -> each receiver's read)
p50/p99, deliveries per second and Redis commands per line. `--nodes 1` is one node on
Redis; `--no-cluster` is a single process without Redis. Also prints the CPU seconds
each process used during the run (where it saturates).

    (cd Benchmarks && swift build -c release --product ChatLoad) && swift build -c release --product sock
    Scripts/cluster-chat-bench.py [--nodes 3] [--members 300] [--seconds 30] [--rate 1]

Starts its own redis-server (free loopback port, no persistence, its working directory a
temporary one) and nodes, stops them by PID and removes the temporary directory on every
exit path (SIGINT and SIGTERM included).
"""
import argparse
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time

TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    """User plus system CPU seconds `pid` has used so far (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def wait_for_port(port, process, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"redis-server exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("redis-server did not start listening")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--rate", type=float, default=1, help="lines a second per member")
    parser.add_argument("--threads", type=int, help="--threads of each node")
    parser.add_argument("--no-cluster", action="store_true", help="one node without Redis")
    parser.add_argument("--sock", default=".build/release/sock")
    parser.add_argument("--load", default="Benchmarks/.build/release/ChatLoad")
    arguments = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    processes = {}
    with tempfile.TemporaryDirectory(prefix="cluster-chat-bench.") as directory:
        try:
            redis_port = free_port()
            load = [arguments.load, "--members", str(arguments.members), "--seconds", str(arguments.seconds),
                    "--rate", str(arguments.rate)]
            if not arguments.no_cluster:
                redis = subprocess.Popen(
                    ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                     "--dir", directory],
                    stdout=subprocess.DEVNULL)
                processes["redis"] = redis
                wait_for_port(redis_port, redis)
                load += ["--redis", f"127.0.0.1:{redis_port}"]
            for node in range(1 if arguments.no_cluster else arguments.nodes):
                options = [] if arguments.no_cluster else ["--cluster", f"redis://127.0.0.1:{redis_port}", "--node", f"n{node}"]
                if arguments.threads:
                    options += ["--threads", str(arguments.threads)]
                process = subprocess.Popen(
                    [arguments.sock, "serve", "chat", "--listen", "127.0.0.1:0", "--quiet", "--max-connections", "100000"]
                    + options,
                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
                processes[f"node n{node}"] = process
                load.append(process.stdout.readline().decode().split()[-1])
            before = {name: cpu_seconds(p.pid) for name, p in processes.items()}
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.monotonic()
            client = subprocess.Popen(load, stdout=subprocess.PIPE)
            processes["ChatLoad"] = client
            output, _ = client.communicate()
            wall = time.monotonic() - started
            after = {name: cpu_seconds(p.pid) for name, p in processes.items() if name != "ChatLoad"}
            reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
            after["ChatLoad"] = reaped.ru_utime + reaped.ru_stime
            before["ChatLoad"] = children.ru_utime + children.ru_stime
            report = json.loads(output)
            setup = "single process, no Redis" if arguments.no_cluster else f"{arguments.nodes} node(s) on Redis"
            print(f"{setup}: {arguments.members} members, {arguments.rate:g} line/s each for {arguments.seconds} s")
            print(f"delivered in order {report['delivered_in_order']} of {report['expected_deliveries']}; "
                  f"duplicates or late {report['duplicates_or_late']}, gaps {report['gaps']}; exact: {report['exact']}")
            print(f"latency ms: p50 {report['latency_ms_p50']}  p99 {report['latency_ms_p99']}  max {report['latency_ms_max']}")
            print(f"deliveries per second: {report['deliveries_per_second']} "
                  f"(offered {report['offered_deliveries_per_second']})")
            if "redis_commands" in report:
                print(f"redis: {report['redis_publish_per_line']} PUBLISH per line, {report['redis_commands_per_line']} "
                      f"commands per line in all: {report['redis_commands']}")
            cpu = {name: after[name] - before[name] for name in after}
            cpu_text = ", ".join(f"{name} {seconds:.1f}" for name, seconds in cpu.items())
            print(f"CPU seconds over the {wall:.1f} s of the load: {cpu_text}")
            print(json.dumps({"report": report, "cpu_seconds": cpu, "wall_seconds": round(wall, 2)}))
            return 0 if report["exact"] else 1
        finally:
            for process in reversed(list(processes.values())):
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in reversed(list(processes.values())):
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


if __name__ == "__main__":
    sys.exit(main())
