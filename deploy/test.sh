#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every
# test (unit, end-to-end against the real binaries, PostgreSQL-backed tests on
# a real server this script starts, the bounded fuzz runs).
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/setup.sh
BUILD_DIR="${CAREGATE_BUILD_DIR:-build}"

# One real PostgreSQL server for the whole run, stopped on exit.
PG_DIR="$(mktemp -d /tmp/caregate-test-pg.XXXXXX)"
trap 'tests/support/postgres.sh stop "$PG_DIR"' EXIT
CAREGATE_TEST_PG_PORT="$(tests/support/postgres.sh start "$PG_DIR")"
export CAREGATE_TEST_PG_PORT

ctest --test-dir "$BUILD_DIR" -j2 --output-on-failure --timeout 600
