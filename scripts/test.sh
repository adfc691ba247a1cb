#!/usr/bin/env bash
# Sets up and builds Staylab, then runs every test suite (quick, slow and
# stress) with CTest. Pass CTest options through, e.g. `-L quick`.
#
# STAYLAB_SANITIZE=address,undefined runs the whole suite under AddressSanitizer
# and UndefinedBehaviorSanitizer, in build-address-undefined/;
# STAYLAB_SANITIZE=thread builds and runs the suites marked CONCURRENT (label
# `concurrent`) under ThreadSanitizer, in build-thread/. Any report fails the
# test that provoked it.
set -euo pipefail
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ctest_args=()
if [ -n "${STAYLAB_SANITIZE:-}" ]; then
  export STAYLAB_BUILD_DIR=${STAYLAB_BUILD_DIR:-$repo_root/build-${STAYLAB_SANITIZE//,/-}}
  # Xapian's own allocation pairs trip new_delete_type_mismatch (a
  # false positive in the uninstrumented library).
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:new_delete_type_mismatch=0}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
  export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$repo_root/tests/sanitizers/tsan.supp}
  if [ "$STAYLAB_SANITIZE" = thread ]; then
    export STAYLAB_BUILD_TARGET=${STAYLAB_BUILD_TARGET:-staylab_concurrent_suites}
    ctest_args+=(-L concurrent)
  fi
fi
build_dir=${STAYLAB_BUILD_DIR:-$repo_root/build}
"$repo_root/scripts/setup.sh"
cd "$build_dir"
exec ctest --output-on-failure --no-tests=error -j "${STAYLAB_JOBS:-$(nproc)}" "${ctest_args[@]}" "$@"
