#!/usr/bin/env bash
# Installs the Debian packages Staylab needs (only those missing), then
# configures and builds the project in ./build. Sourced by run.sh and test.sh.
# `setup.sh --packages-only [PACKAGE...]` installs what is missing of them and
# of the PACKAGEs named, and builds nothing (scripts/fuzz.sh adds Clang).
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${STAYLAB_BUILD_DIR:-$repo_root/build}

packages=(
  build-essential cmake pkg-config git
  libsqlite3-dev librocksdb-dev libxapian-dev libboost-graph-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libyaml-cpp-dev libcli11-dev libfmt-dev libsodium-dev
  libcpp-httplib-dev wrk sqlite3
  python3 python3-simpy
  libpq-dev postgresql-15 libnats-dev nats-server
  qt6-base-dev qt6-charts-dev libqt6opengl6-dev libgl-dev xvfb xauth fonts-dejavu-core
)
packages_only=false
if [ "${1:-}" = --packages-only ]; then
  packages_only=true
  shift
  packages+=("$@")
fi
# The AddressSanitizer build uses Clang 16 (libFuzzer, ASan and UBSan are in
# libclang-rt-16-dev; llvm-symbolizer in llvm-16), so that the same build runs
# the suite and the fuzz targets.
if [ "${STAYLAB_SANITIZE:-}" = address,undefined ]; then
  packages+=(clang-16 libclang-rt-16-dev llvm-16)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if ((${#missing[@]})); then
  echo "staylab: installing missing packages: ${missing[*]}"
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      as_root=(sudo)
    else
      echo "staylab: need root (or sudo) to install: ${missing[*]}" >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if $packages_only; then
  exit 0
fi

# STAYLAB_SANITIZE builds with sanitizers, with assertions on, without the
# benchmarks:
#   address,undefined: Clang 16 at -O1 with line tables, libstdc++'s bounds
#     checks on, and libFuzzer's coverage hooks (STAYLAB_FUZZ), so the same
#     build holds the suite and the fuzz targets (scripts/fuzz.sh);
#   thread: GCC at -O1 with line tables.
# STAYLAB_BUILD_TARGET builds only that target (the ThreadSanitizer run builds
# staylab_concurrent_suites, the fuzzers staylab_fuzz_targets).
config=(-DCMAKE_BUILD_TYPE=Release)
case "${STAYLAB_SANITIZE:-}" in
  "") ;;
  address,undefined)
    config=(-DCMAKE_CXX_COMPILER=clang++-16 -DCMAKE_BUILD_TYPE=RelWithDebInfo
      "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -D_GLIBCXX_ASSERTIONS"
      -DSTAYLAB_SANITIZE=address,undefined -DSTAYLAB_FUZZ=ON -DSTAYLAB_BUILD_BENCHMARKS=OFF)
    ;;
  thread)
    config=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1"
      -DSTAYLAB_SANITIZE=thread -DSTAYLAB_BUILD_BENCHMARKS=OFF)
    ;;
  *)
    echo "staylab: STAYLAB_SANITIZE must be address,undefined or thread, not '$STAYLAB_SANITIZE'" >&2
    exit 2
    ;;
esac
target=()
if [ -n "${STAYLAB_BUILD_TARGET:-}" ]; then
  target=(--target "$STAYLAB_BUILD_TARGET")
fi
jobs=${STAYLAB_JOBS:-$(nproc)}
cmake -S "$repo_root" -B "$build_dir" -DSTAYLAB_WERROR=ON "${config[@]}" >/dev/null
cmake --build "$build_dir" -j "$jobs" "${target[@]}"
