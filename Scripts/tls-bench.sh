#!/usr/bin/env bash
# TLS echo: `sock serve echo --tls-...` against the SwiftNIO + NIOSSL echo server of
# Benchmarks/ (issue 12), both driven by `sock bench --tls`.
#
#   Scripts/tls-bench.sh [--duration 5] [--warmup 1] [--rounds 1] [--key ec|rsa] [--no-build]
#
# Builds `sock` statically in release mode (.build-static) and Benchmarks' NIOTLSEchoServer
# in release mode, makes a self-signed certificate for 127.0.0.1 with the openssl CLI in a
# temporary directory, starts both servers with one thread each pinned to core 0, and runs
# the client (`sock bench --threads 1`) pinned to core 1, the two servers in turn for each
# workload:
#   pingpong   100 connections, 64 B messages, one in flight each   messages/s
#   bulk       1 connection, 64 KiB chunks streamed (--mode stream)  MB/s
#   handshake  16 at a time: connect, full handshake, 64 B echo, close   handshakes/s
# and the server's CPU time in the measured window (utime+stime of /proc/PID/stat, read
# `--warmup` seconds after the client starts and again `--duration` seconds later). Prints a
# table with the ratios ours/NIO (with --rounds N, every workload runs N times, the two servers
# in turn, and the table gives the medians and the range of the per-round ratios), the cipher each server chose, and `openssl speed` for
# AES-GCM on one core (the cipher's ceiling for bulk).
#
# Talks only to 127.0.0.1; stops only the servers it started, by PID; removes its
# temporary directory on every exit. Minutes, not seconds: keep it out of CI.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=5 warmup=1 rounds=1 key=ec build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --duration) duration=$2; shift 2 ;;
        --warmup) warmup=$2; shift 2 ;;
        --key) key=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
        *) echo "tls-bench: unknown argument $1" >&2; exit 2 ;;
    esac
done
case "$key" in ec|rsa) ;; *) echo "tls-bench: --key is ec or rsa" >&2; exit 2 ;; esac

for tool in openssl taskset python3 swift; do
    command -v "$tool" >/dev/null || { echo "tls-bench: $tool is required" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/tls-bench.XXXXXX")
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$build" = 1 ]; then
    swift build -c release --static-swift-stdlib --product sock --scratch-path .build-static >&2
    (cd Benchmarks && swift build -c release --product NIOTLSEchoServer) >&2
fi
sock=.build-static/release/sock
nio=Benchmarks/.build/release/NIOTLSEchoServer
[ -x "$sock" ] && [ -x "$nio" ] || { echo "tls-bench: build $sock and $nio first" >&2; exit 1; }

if [ "$key" = ec ]; then
    key_options=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1)
else
    key_options=(-newkey rsa:2048)
fi
openssl req -x509 "${key_options[@]}" -nodes -keyout "$work/key.pem" -out "$work/cert.pem" -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null

# Starts a server pinned to core 0 and waits for the line with its port in its output.
start() {
    local name=$1 pattern=$2
    shift 2
    taskset -c 0 "$@" >"$work/$name.out" 2>"$work/$name.err" &
    pids+=($!)
    echo $! >"$work/$name.pid"
    for _ in $(seq 200); do
        grep -q "$pattern" "$work/$name.out" 2>/dev/null && return
        kill -0 "$(cat "$work/$name.pid")" 2>/dev/null || break
        sleep 0.1
    done
    echo "tls-bench: $name did not start: $(cat "$work/$name.err")" >&2
    exit 1
}

# The port in a server's first line (`listening on 127.0.0.1:PORT`, `listening tls 127.0.0.1:PORT ...`).
port_of() { sed -n '1s/^listening [a-z]* [^ ]*:\([0-9][0-9]*\).*/\1/p' "$work/$1.out"; }

start ours "listening on" "$sock" serve echo --listen 127.0.0.1:0 --threads 1 --quiet \
    --tls-cert "$work/cert.pem" --tls-key "$work/key.pem"
start nio "listening tls" "$nio" --port 0 --threads 1 --cert "$work/cert.pem" --key "$work/key.pem"
ours_port=$(port_of ours)
nio_port=$(port_of nio)
ticks=$(getconf CLK_TCK)

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# Runs one workload against one server; writes its JSON report with the server's CPU seconds.
measure() {
    local server=$1 port=$2 workload=$3 round=$4
    shift 4
    local pid
    pid=$(cat "$work/$server.pid")
    taskset -c 1 "$sock" bench "127.0.0.1:$port" --tls --tls-ca "$work/cert.pem" --threads 1 \
        --duration "$duration" --warmup "$warmup" --json "$@" >"$work/$server-$workload-$round.json" 2>"$work/$server-$workload-$round.err" &
    local client=$!
    sleep "$warmup"
    local before after
    before=$(cpu_ticks "$pid")
    sleep "$duration"
    after=$(cpu_ticks "$pid")
    wait "$client" || echo "tls-bench: $server $workload: $(cat "$work/$server-$workload-$round.err")" >&2
    echo "$(( after - before ))" >"$work/$server-$workload-$round.cpu"
}

cipher() {
    openssl s_client -connect "127.0.0.1:$1" -CAfile "$work/cert.pem" </dev/null 2>/dev/null \
        | sed -n 's/^New, \(.*\)$/\1/p' | head -n 1
}
echo "ours (sock serve echo, port $ours_port): $(cipher "$ours_port")"
echo "NIO  (NIOTLSEchoServer, port $nio_port): $(cipher "$nio_port")"

for workload in pingpong bulk handshake; do
    for round in $(seq "$rounds"); do
        for server in ours nio; do
            port=$ours_port
            [ "$server" = nio ] && port=$nio_port
            case "$workload" in
                pingpong) measure "$server" "$port" pingpong "$round" --connections 100 --size 64 ;;
                bulk) measure "$server" "$port" bulk "$round" --mode stream --connections 1 --size 65536 ;;
                handshake) measure "$server" "$port" handshake "$round" --mode handshake --connections 16 --size 64 ;;
            esac
        done
    done
done

speed() {
    taskset -c 0 openssl speed -seconds 3 -bytes 16384 -evp "$1" 2>/dev/null | awk '/^AES-/ { print $NF }' | tr -d k
}
aes128=$(speed aes-128-gcm)
aes256=$(speed aes-256-gcm)

python3 - "$work" "$duration" "$ticks" "$aes128" "$aes256" "$key" "$rounds" <<'EOF'
import json, statistics, sys
work, duration, ticks, aes128, aes256, key = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
rounds = int(sys.argv[7])

def load(server, workload, round):
    with open(f"{work}/{server}-{workload}-{round}.json") as report:
        data = json.load(report)
    with open(f"{work}/{server}-{workload}-{round}.cpu") as cpu:
        data["cpu_s"] = int(cpu.read()) / ticks
    return data

def runs(server, workload):
    return [load(server, workload, round) for round in range(1, rounds + 1)]

def median(server, workload, key):
    return statistics.median(run[key] for run in runs(server, workload))

rows = [("pingpong", "messages/s", "messages_per_s"), ("bulk", "MB/s", "mb_per_s"), ("handshake", "handshakes/s", "messages_per_s")]
print(f"\nTLS 1.3, {key} certificate, servers on core 0 (1 thread), sock bench --threads 1 on core 1, "
      f"{duration:g} s each, {rounds} round(s): medians (per-round ratios min–max)\n")
print("| workload | ours | NIO + NIOSSL | ours/NIO | per server CPU-s: ours | NIO | ours/NIO | errors ours/NIO |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
for workload, unit, field in rows:
    def efficiency(data):
        return data[field] * duration / data["cpu_s"] if data["cpu_s"] > 0 else float("nan")
    ours, nio = runs("ours", workload), runs("nio", workload)
    rate_ours, rate_nio = statistics.median(r[field] for r in ours), statistics.median(r[field] for r in nio)
    per_ours, per_nio = statistics.median(map(efficiency, ours)), statistics.median(map(efficiency, nio))
    rates = [o[field] / n[field] for o, n in zip(ours, nio) if n[field]]
    pers = [efficiency(o) / efficiency(n) for o, n in zip(ours, nio)]
    spread = lambda values: f" ({min(values):.2f}–{max(values):.2f})" if len(values) > 1 else ""
    errors = f"{sum(r['errors'] for r in ours)}/{sum(r['errors'] for r in nio)}"
    print(f"| {workload} ({unit}) | {rate_ours:,.1f} | {rate_nio:,.1f} | {rate_ours / rate_nio:.2f}x{spread(rates)} "
          f"| {per_ours:,.0f} | {per_nio:,.0f} | {per_ours / per_nio:.2f}x{spread(pers)} | {errors} |")
for workload in ("pingpong", "handshake"):
    print(f"\n{workload} latency p50/p99 µs (medians): ours {median('ours', workload, 'p50_us'):.0f}/"
          f"{median('ours', workload, 'p99_us'):.0f}, NIO {median('nio', workload, 'p50_us'):.0f}/"
          f"{median('nio', workload, 'p99_us'):.0f}", end="")
print(f"\nserver CPU seconds in the window (medians): " + ", ".join(
    f"{w} ours {median('ours', w, 'cpu_s'):.2f} NIO {median('nio', w, 'cpu_s'):.2f}" for w, _, _ in rows))
for name, value in (("aes-128-gcm", aes128), ("aes-256-gcm", aes256)):
    try:
        megabytes = float(value) * 1000 / 1e6
        bulk = median("ours", "bulk", "mb_per_s")
        print(f"openssl speed -evp {name}, 16 KiB blocks, one core: {megabytes:,.0f} MB/s "
              f"(bulk echo ours: {bulk / megabytes * 100:.1f}% of it; the server decrypts and encrypts each byte)")
    except ValueError:
        print(f"openssl speed -evp {name}: no figure")
EOF
