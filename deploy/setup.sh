#!/usr/bin/env bash
# Installs the Debian 12 packages caregate needs, only those missing, so a
# second run costs a dpkg query. Then configures and builds into build/.
#   deploy/setup.sh            install what is missing and build
#   deploy/setup.sh --no-build install only
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config git ca-certificates
  # England's time zone (Europe/London): dates in records are local dates
  tzdata
  # gRPC 1.51, protobuf 3.21, Abseil, and the standard protos
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev grpc-proto golang-github-gogo-googleapis-dev
  # crypto, HTTP, JSON, storage, config, metrics
  libssl-dev openssl libcurl4-openssl-dev libsimdjson-dev libsqlite3-dev sqlite3
  libpq-dev postgresql libyaml-cpp-dev prometheus-cpp-dev zlib1g-dev
  # the server's allocator (tcmalloc)
  libgoogle-perftools-dev
  # tests, fuzzing, independent client, load
  libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev
  python3 python3-grpcio python3-protobuf nghttp2-client
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "setup: installing ${#missing[@]} missing packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

[ "${1:-}" = "--no-build" ] && exit 0

BUILD_DIR="${CAREGATE_BUILD_DIR:-build}"
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
ninja -C "$BUILD_DIR" -j2
