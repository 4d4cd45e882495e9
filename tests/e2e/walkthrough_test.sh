#!/usr/bin/env bash
# Runs deploy/walkthrough.sh (the README's walk-through) against a real
# caregate on its embedded default, on a free port in a fresh data directory.
# usage: walkthrough_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 source=$2
data=$(mktemp -d /tmp/caregate-walkthrough.XXXXXX)
out="$data/stdout"
"$build/gateway/caregate" --listen=127.0.0.1:0 --metrics_listen=127.0.0.1:0 \
  --data_dir="$data/data" >"$out" 2>"$data/caregate.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 600); do grep -q 'caregate listening on' "$out" && break; sleep 0.1; done
address=$(sed -n 's/^caregate listening on //p' "$out")
cd "$data"
CAREGATE_BUILD_DIR="$build" bash "$source/deploy/walkthrough.sh" "$address" "$data/data"
echo "1 passed, 0 failed"
