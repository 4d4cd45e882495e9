#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, and runs
# caregate on its embedded default (loopback, SQLite, demo data it generates
# under ./caregate-data). Extra arguments go to caregate.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/setup.sh
BUILD_DIR="${CAREGATE_BUILD_DIR:-build}"
cat <<MSG

caregate is starting on its embedded demo configuration.
In another terminal:
  $BUILD_DIR/cli/caregatectl health
  $BUILD_DIR/cli/caregatectl help
Stop it with Ctrl-C.

MSG
exec "$BUILD_DIR/gateway/caregate" "$@"
