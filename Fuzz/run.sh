#!/usr/bin/env bash
# Builds every libFuzzer target (Fuzz/Fuzz*.swift) with AddressSanitizer and runs each
# for SECONDS seconds (default 60). Exits non-zero if any target fails to build or finds
# a crash; the crashing input is left in Fuzz/bin/. Corpora grow in Fuzz/corpus-NAME/.
#
#   Fuzz/run.sh [SECONDS]
set -euo pipefail

seconds="${1:-60}"
cd "$(dirname "$0")/.."
mkdir -p Fuzz/bin

failed=()
for source in Fuzz/Fuzz*.swift; do
    name="$(basename "$source" .swift)"
    echo "== $name: building"
    swiftc -O -sanitize=fuzzer,address -parse-as-library -use-ld=lld \
        Sources/Framing/*.swift Fuzz/Shared/*.swift "$source" -o "Fuzz/bin/$name"
    corpus="Fuzz/corpus-$name"
    mkdir -p "$corpus"
    options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="Fuzz/bin/$name-")
    if [[ "$name" == FuzzJSONHeaderDecoder ]]; then
        options+=(-dict=Fuzz/json.dict)
    fi
    if [[ "$name" == FuzzRESPDecoder ]]; then
        options+=(-dict=Fuzz/resp.dict)
    fi
    echo "== $name: running for ${seconds}s"
    if ! "Fuzz/bin/$name" "${options[@]}" "$corpus"; then
        failed+=("$name")
    fi
done

if ((${#failed[@]} > 0)); then
    echo "fuzz: crashes in ${failed[*]}" >&2
    exit 1
fi
echo "fuzz: all targets ran ${seconds}s without a crash"
