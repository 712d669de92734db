#!/usr/bin/env bash
# Builds the DocC documentation of the Sockets and Framing modules and checks it.
#
#   Scripts/docs.sh            # archives in .build-docs/docs/{Sockets,Framing}.doccarchive
#   DOCS_OUTPUT=DIR Scripts/docs.sh
#
# Fails (exit 1) when docc prints any warning or error, or when a public symbol declared
# in Sources/Sockets* or Sources/Framing has no doc comment of its own. Prints docc's
# experimental coverage table as well (information only: it also counts the members a
# type inherits from the standard library, which have no comment in our sources).
#
# No network and no package dependency: the compiler writes the symbol graphs while it
# builds the Sockets target (and Framing with it) in the build folder .build-docs, which
# is kept between runs so that a second run only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

scratch=.build-docs
graphs="$PWD/$scratch/symbol-graphs"
output="${DOCS_OUTPUT:-$scratch/docs}"
modules=(Framing Sockets)

work=$(mktemp -d "${TMPDIR:-/tmp}/sockets-docs.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "docs: building the Sockets target with symbol graphs (scratch path $scratch)"
if ! swift build --scratch-path "$scratch" --target Sockets \
    -Xswiftc -emit-symbol-graph -Xswiftc -emit-symbol-graph-dir -Xswiftc "$graphs" \
    -Xswiftc -symbol-graph-minimum-access-level -Xswiftc public >"$work/build.log" 2>&1; then
    cat "$work/build.log" >&2
    echo "docs: the build failed" >&2
    exit 1
fi

failed=0
for module in "${modules[@]}"; do
    # Only the module's own graphs: the folder also holds those of its dependencies
    # (Logging, SystemPackage, ...). `Module@Other` graphs hold its extensions of other
    # modules' types; the compiler writes them together with the module's main graph, so
    # one much older than that is left over from an extension that no longer exists.
    main="$graphs/$module.symbols.json"
    [[ -f "$main" ]] || { echo "docs: no symbol graph for $module" >&2; exit 1; }
    mkdir -p "$work/graphs/$module"
    cp "$main" "$work/graphs/$module/"
    for extension in "$graphs/$module@"*.symbols.json; do
        [[ -f "$extension" ]] || continue
        if (( $(stat -c %Y "$extension") + 60 >= $(stat -c %Y "$main") )); then
            cp "$extension" "$work/graphs/$module/"
        fi
    done

    docc convert "Sources/$module/$module.docc" \
        --additional-symbol-graph-dir "$work/graphs/$module" \
        --output-path "$work/$module.doccarchive" \
        --fallback-display-name "$module" \
        --fallback-bundle-identifier "sockets.$module" \
        --fallback-default-module-kind "Swift Package" \
        --experimental-documentation-coverage --coverage-summary-level brief \
        >"$work/$module.log" 2>&1 || { cat "$work/$module.log" >&2; echo "docs: docc failed for $module" >&2; exit 1; }

    diagnostics=$(grep -cE '^(warning|error):' "$work/$module.log" || true)
    if (( diagnostics > 0 )); then
        sed -n '/--- Experimental coverage output/q; /^\(warning\|error\):/,/^$/p' "$work/$module.log" >&2
        failed=1
    fi
    echo "docs: $module: $diagnostics warnings or errors; docc coverage (abstracts, curation, code):"
    sed -n '/Experimental coverage output/,$p' "$work/$module.log" | tail -n +2

    # Every public symbol declared in our sources needs a comment of its own. Symbols
    # without a source location are the ones the compiler adds (inherited defaults,
    # synthesized conformances); they are documented where they are declared.
    if ! python3 - "$work/graphs/$module/$module.symbols.json" "$module" <<'PYTHON'
import json, sys
path, module = sys.argv[1], sys.argv[2]
symbols = [s for s in json.load(open(path))["symbols"] if "location" in s]
missing = sorted(
    "%s (%s:%d)" % (".".join(s["pathComponents"]), s["location"]["uri"].split("/Sources/")[-1],
                    s["location"]["position"]["line"] + 1)
    for s in symbols if not s.get("docComment", {}).get("lines")
)
print("docs: %s: %d public symbols declared in our sources (%s and the modules it re-exports), %d without a doc comment"
      % (module, len(symbols), module, len(missing)))
for name in missing:
    print("  undocumented: " + name)
sys.exit(1 if missing else 0)
PYTHON
    then
        failed=1
    fi
done

if (( failed )); then
    echo "docs: FAILED (warnings or undocumented symbols above)" >&2
    exit 1
fi

mkdir -p "$output"
for module in "${modules[@]}"; do
    rm -rf "${output:?}/$module.doccarchive"
    mv "$work/$module.doccarchive" "$output/"
done
echo "docs: OK, no warnings; archives in $output (serve one with any static web server)"
