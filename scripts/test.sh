#!/usr/bin/env bash
# Sets up and builds Staylab, then runs every test suite (quick, slow and
# stress) with CTest. Pass CTest options through, e.g. `-L quick`.
set -euo pipefail
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${STAYLAB_BUILD_DIR:-$repo_root/build}
"$repo_root/scripts/setup.sh"
cd "$build_dir"
exec ctest --output-on-failure -j "${STAYLAB_JOBS:-$(nproc)}" "$@"
