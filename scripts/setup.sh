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
  libcpp-httplib-dev wrk
  python3 python3-simpy
  qt6-base-dev qt6-charts-dev libqt6opengl6-dev libgl-dev xvfb xauth fonts-dejavu-core
)
packages_only=false
if [ "${1:-}" = --packages-only ]; then
  packages_only=true
  shift
  packages+=("$@")
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

# STAYLAB_SANITIZE (address,undefined or thread) builds with those sanitizers,
# at -O1 with line tables and with assertions on (the cheapest build that
# keeps sanitizer reports readable); STAYLAB_BUILD_TARGET builds only that
# target (the ThreadSanitizer run builds staylab_concurrent_suites).
build_type=Release
sanitize=()
if [ -n "${STAYLAB_SANITIZE:-}" ]; then
  build_type=RelWithDebInfo
  sanitize=(-DSTAYLAB_SANITIZE="$STAYLAB_SANITIZE" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1")
fi
target=()
if [ -n "${STAYLAB_BUILD_TARGET:-}" ]; then
  target=(--target "$STAYLAB_BUILD_TARGET")
fi
jobs=${STAYLAB_JOBS:-$(nproc)}
cmake -S "$repo_root" -B "$build_dir" -DCMAKE_BUILD_TYPE="$build_type" -DSTAYLAB_WERROR=ON \
  "${sanitize[@]}" >/dev/null
cmake --build "$build_dir" -j "$jobs" "${target[@]}"
