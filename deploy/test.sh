#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every
# test (unit, end-to-end against the real binaries, PostgreSQL-backed tests
# that start their own server, the bounded fuzz runs).
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/setup.sh
BUILD_DIR="${CAREGATE_BUILD_DIR:-build}"
# PostgreSQL refuses to run as root; tests start it as the postgres user in a
# temporary directory they own, so /tmp must be reachable to that user.
ctest --test-dir "$BUILD_DIR" -j2 --output-on-failure --timeout 600
# Bounded fuzz run of the GP Connect bundle parser (clang++ libFuzzer + ASan in
# build-fuzz/); a finding fails the command.
adapters/gpconnect/run_fuzzer.sh "${CAREGATE_FUZZ_SECONDS:-60}"
