#!/usr/bin/env bash
# Builds the structured-record fuzz target with clang++ (libFuzzer + ASan) in
# its own build directory and runs it for a bounded time, seeded from the
# public fixtures (read where they are, copied only into a temporary corpus).
# Exits non-zero on a finding.
#   adapters/gpconnect/run_fuzzer.sh [SECONDS]     (default 60)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-60}"
build="${CAREGATE_FUZZ_BUILD_DIR:-build-fuzz}"
shared="${CAREGATE_SHARED_DIR:-$PWD/../shared}"
if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCAREGATE_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS="-fsanitize=address,fuzzer-no-link" >/dev/null
fi
ninja -C "$build" -j2 structured_record_fuzzer
corpus="$(mktemp -d)"
trap 'rm -rf "$corpus"' EXIT
# Seeds: small valid bundles cut from the fixtures (the Patient plus eight
# consecutive entries each), so mutations stay small and fast.
/usr/bin/python3 - "$shared/fixtures/gpconnect" "$corpus" <<'PY'
import json, os, sys
src, out = sys.argv[1], sys.argv[2]
n = 0
for name in sorted(os.listdir(src)):
    if not name.endswith(".json"):
        continue
    bundle = json.load(open(os.path.join(src, name), encoding="utf-8"))
    entries = bundle.get("entry", [])
    patient = [e for e in entries if e["resource"]["resourceType"] == "Patient"]
    for i in range(0, len(entries), 8):
        piece = dict(bundle, entry=patient + [e for e in entries[i:i + 8] if e not in patient])
        data = json.dumps(piece, separators=(",", ":"))
        if len(data) <= 65536:
            open(os.path.join(out, "seed-%04d.json" % n), "w").write(data)
            n += 1
PY
"$build/adapters/gpconnect/structured_record_fuzzer" "$corpus" \
  -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 \
  -artifact_prefix="$build/" -print_final_stats=1 2>&1 | tail -n 25
