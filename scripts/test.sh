#!/usr/bin/env bash
# Sets up and builds Staylab, then runs every test suite (quick, slow, stress
# and the fuzz corpora's replays) with CTest. Pass CTest options through,
# e.g. `-L quick`.
#
# By default the suites run on the Release build of run.sh, in build/.
# STAYLAB_SANITIZE chooses a sanitizer build (any report fails the test that
# provoked it):
#   address,undefined: the whole suite under AddressSanitizer and
#     UndefinedBehaviorSanitizer, built by Clang 16 in
#     build-address-undefined/, which also holds the fuzz targets of
#     scripts/fuzz.sh;
#   thread: the suites marked CONCURRENT (label `concurrent`) under
#     ThreadSanitizer, built by GCC in build-thread/.
set -euo pipefail
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export STAYLAB_SANITIZE=${STAYLAB_SANITIZE:-}
ctest_args=()
case "$STAYLAB_SANITIZE" in
  "") ;;
  address,undefined)
    # Xapian's own allocation pairs trip new_delete_type_mismatch (a false
    # positive in the uninstrumented library).
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:new_delete_type_mismatch=0}
    export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$repo_root/tests/sanitizers/lsan.supp}
    export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-/usr/lib/llvm-16/bin/llvm-symbolizer}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
    ;;
  thread)
    export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$repo_root/tests/sanitizers/tsan.supp}
    export STAYLAB_BUILD_TARGET=${STAYLAB_BUILD_TARGET:-staylab_concurrent_suites}
    ctest_args+=(-L concurrent)
    ;;
  *)
    echo "test.sh: STAYLAB_SANITIZE must be address,undefined or thread, not '$STAYLAB_SANITIZE'" >&2
    exit 2
    ;;
esac
if [ -n "$STAYLAB_SANITIZE" ]; then
  export STAYLAB_BUILD_DIR=${STAYLAB_BUILD_DIR:-$repo_root/build-${STAYLAB_SANITIZE//,/-}}
fi
build_dir=${STAYLAB_BUILD_DIR:-$repo_root/build}
"$repo_root/scripts/setup.sh"
# The suites of the distributed engines (labels nats and postgres) share a
# nats-server and a PostgreSQL cluster on loopback, started here and stopped
# when this script ends, whatever happens (scripts/servers.sh).
servers_dir=$(mktemp -d "${TMPDIR:-/tmp}/staylab-servers-XXXXXX")
trap '"$repo_root/scripts/servers.sh" stop "$servers_dir"' EXIT
servers=$("$repo_root/scripts/servers.sh" start "$servers_dir")
eval "$servers"
export STAYLAB_NATS_URL STAYLAB_POSTGRES_URL
echo "test.sh: nats-server at $STAYLAB_NATS_URL, PostgreSQL at $STAYLAB_POSTGRES_URL"
cd "$build_dir"
ctest --output-on-failure --no-tests=error -j "${STAYLAB_JOBS:-$(nproc)}" "${ctest_args[@]}" "$@"
