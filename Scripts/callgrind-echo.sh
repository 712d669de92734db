#!/usr/bin/env bash
# Instructions per echoed message, counted exactly by callgrind (noise-free, unlike timings).
#
#   Scripts/callgrind-echo.sh [--binary PATH] [--conns 100] [--size 64] [--duration 8]
#                             [--top 25] [--keep DIR] [--cache-sim] [-- SERVER ARGS...]
#
# Builds `sock` statically in release mode (.build-static) unless --binary is given, copies it
# with its debug info stripped (valgrind cannot read Swift's DWARF; the symbol table stays, so
# functions keep their names), runs `sock serve echo` under `valgrind --tool=callgrind`, drives
# it with ../shared/bench's loadgen (built here with gcc into a temporary directory), stops it
# with SIGTERM and prints: total instructions, messages echoed (warm-up 0, so start-up is
# counted apart: the per-message figure is the load's instructions, shutdown included, over
# the messages, and the figure with start-up is issue 15's measure), and the functions with
# the most inclusive and exclusive instructions under load.
#
# --cache-sim also simulates the caches (a 48 KiB L1 and, as "LL", a 2 MiB L2; the kernel's
# own accesses are not simulated) and prints data-cache misses per message: how many
# distinct memory lines a message touches that were not touched recently, which grows with
# the number of connections while the instruction count does not.
#
# Minutes, not seconds: keep it out of CI. Talks only to 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

binary="" conns=100 size=64 duration=8 top=25 keep="" cache_sim=()
server_args=(serve echo --quiet --threads 1)
while [ $# -gt 0 ]; do
    case "$1" in
        --binary) binary=$2; shift 2 ;;
        --conns) conns=$2; shift 2 ;;
        --size) size=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --top) top=$2; shift 2 ;;
        --keep) keep=$2; shift 2 ;;
        --cache-sim) cache_sim=(--cache-sim=yes --D1=49152,12,64 --LL=2097152,16,64); shift ;;
        --) shift; server_args=("$@"); break ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "callgrind-echo: unknown argument $1" >&2; exit 2 ;;
    esac
done

for tool in valgrind callgrind_annotate gcc strip python3; do
    command -v "$tool" >/dev/null || { echo "callgrind-echo: $tool is required" >&2; exit 1; }
done
loadgen_source=../shared/bench/loadgen/loadgen.c
[ -f "$loadgen_source" ] || { echo "callgrind-echo: no $loadgen_source" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/callgrind-echo.XXXXXX")
server_pid=""
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "$binary" ]; then
    swift build -c release --static-swift-stdlib --product sock --scratch-path .build-static >&2
    binary=.build-static/release/sock
fi
cp "$binary" "$work/sock"
strip --strip-debug "$work/sock"
gcc -O2 -o "$work/loadgen" "$loadgen_source"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
valgrind --tool=callgrind ${cache_sim[@]+"${cache_sim[@]}"} --callgrind-out-file="$work/callgrind.out" \
    "$work/sock" "${server_args[@]}" --listen "127.0.0.1:$port" 2>"$work/valgrind.log" &
server_pid=$!

# Under valgrind start-up takes seconds: wait (bounded) until the port accepts.
python3 - "$port" <<'EOF'
import socket, sys, time
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.2)
sys.exit("callgrind-echo: the server did not listen within 120 s")
EOF

# Dump (and zero) the start-up's counts, so that the load's own are counted apart.
callgrind_control --dump=start-up "$server_pid" >/dev/null
result=$("$work/loadgen" --mode pingpong --port "$port" --conns "$conns" --size "$size" \
    --duration "$duration" --warmup 0 --quiet | grep '^RESULT')
kill -TERM "$server_pid"
wait "$server_pid" || true
server_pid=""

messages=$(sed -E 's/.* msgs=([0-9]+).*/\1/' <<<"$result")
errors=$(sed -E 's/.* errors=([0-9]+).*/\1/' <<<"$result")
startup=$(sed -nE 's/^totals: ([0-9]+).*/\1/p' "$work/callgrind.out.1")
load=$(sed -nE 's/^totals: ([0-9]+).*/\1/p' "$work/callgrind.out")
[ -n "$startup" ] && [ -n "$load" ] && [ "$messages" -gt 0 ] || { cat "$work/valgrind.log" >&2; exit 1; }

echo "load: pingpong, $conns connections x $size B, $duration s (loadgen errors: $errors)"
echo "instructions: start-up $startup, load and shutdown $load"
echo "messages echoed: $messages"
echo "instructions per message: $((load / messages)) (start-up included: $(((startup + load) / messages)))"
if [ ${#cache_sim[@]} -gt 0 ]; then
    # totals: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw (the load's, start-up apart)
    read -r -a t <<<"$(sed -nE 's/^totals: //p' "$work/callgrind.out")"
    python3 -c "import sys; m = int(sys.argv[1]); t = [int(x) for x in sys.argv[2:]]; print(
        f'data-cache misses per message: L1 {(t[4] + t[5]) / m:.1f} (reads {t[4] / m:.1f}),'
        f' L2 {(t[7] + t[8]) / m:.1f}; instruction-cache misses: L1 {t[3] / m:.1f}')" "$messages" "${t[@]}"
fi
echo
# The top entries of callgrind_annotate, without the file column, demangled when swift can.
annotate() {
    callgrind_annotate --threshold=100 "$@" "$work/callgrind.out" 2>/dev/null |
        grep -E '^ *[0-9,]+ \(' | sed -E 's/ \[[^]]*\]$//; s/\?\?\?://' | head -n "$top" |
        { if command -v swift >/dev/null; then swift demangle --simplified; else cat; fi; } || true
}
echo "== inclusive (top $top) =="
annotate --inclusive=yes
echo
echo "== exclusive (top $top) =="
# Frames live when the start-up was dumped are charged oddly (the thread's root shows ~100 %).
annotate | awk '$1 == "PROGRAM" || $2 !~ /^\(( [0-9]|[1-4][0-9])\./' | sed '/PROGRAM TOTALS/!{/(\(9[0-9]\|100\)\./d}'
if [ -n "$keep" ]; then
    mkdir -p "$keep"
    cp "$work/callgrind.out.1" "$keep/start-up.callgrind"; cp "$work/callgrind.out" "$keep/load.callgrind"
    echo "kept $keep/start-up.callgrind and $keep/load.callgrind"
fi
