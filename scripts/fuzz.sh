#!/usr/bin/env bash
# Fuzzes Staylab: builds every libFuzzer target (tests/CMakeLists.txt
# staylab_add_fuzz_target) with Clang 16 under AddressSanitizer and
# UndefinedBehaviorSanitizer in ./build-address-undefined (the sanitizer
# build of scripts/test.sh), then runs each for SECONDS
# (default 60), two at a time, over its committed corpus
# (tests/fuzz_corpus/<target>/ and the shipped files it names).
#
# Usage: scripts/fuzz.sh [SECONDS]
# Prints the executions per target. Exits 1 when any target crashed, leaked,
# hit undefined behaviour, timed out or ran out of memory, after copying each
# input that did into tests/fuzz_corpus/<target>/regressions/ (printed), where
# the normal suite's <target>_replay test replays it from then on: commit it
# with the fix. Exits 2 on bad usage.
# Environment: STAYLAB_FUZZ_BUILD_DIR (default ./build-address-undefined), STAYLAB_JOBS
# (build jobs and targets at once, default 2).
set -euo pipefail

seconds=${1:-60}
if ! [[ $seconds =~ ^[1-9][0-9]{0,5}$ ]]; then
  echo "fuzz.sh: SECONDS must be a whole number of seconds from 1 to 999999, not '$seconds'" >&2
  exit 2
fi

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${STAYLAB_FUZZ_BUILD_DIR:-$repo_root/build-address-undefined}
jobs=${STAYLAB_JOBS:-2}

# The sanitizer build of scripts/setup.sh (Clang 16, ASan, UBSan and
# libFuzzer's coverage hooks) holds the fuzz targets: when the suite ran under
# ASan there, they are built already, or nearly.
build_started=$SECONDS
STAYLAB_SANITIZE=address,undefined STAYLAB_BUILD_DIR="$build_dir" STAYLAB_JOBS="$jobs" \
  STAYLAB_BUILD_TARGET=staylab_fuzz_targets nice -n 5 "$repo_root/scripts/setup.sh"
echo "fuzz.sh: built in $((SECONDS - build_started)) s"

targets=()
for args_file in "$build_dir"/fuzz/*.args; do
  targets+=("$(basename "$args_file" .args)")
done
if ((${#targets[@]} == 0)); then
  echo "fuzz.sh: no fuzz targets configured in $build_dir/fuzz" >&2
  exit 1
fi

export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-/usr/lib/llvm-16/bin/llvm-symbolizer}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

# Runs one target for $seconds; its output goes to fuzz/<target>.log.
run_target() {
  local target=$1
  local work="$build_dir/fuzz/$target.corpus"  # What libFuzzer finds: scratch.
  local artifacts="$build_dir/fuzz/$target.artifacts"
  rm -rf "$artifacts"
  mkdir -p "$work" "$artifacts"
  local lines
  mapfile -t lines <"$build_dir/fuzz/$target.args"
  local rc=0
  "${lines[0]}" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" "${lines[@]:1}" \
    >"$build_dir/fuzz/$target.log" 2>&1 || rc=$?
  echo "$rc" >"$build_dir/fuzz/$target.rc"
}

echo "fuzz.sh: running each target ${seconds} s, ${jobs} at a time"
fuzz_started=$SECONDS
running=0
for target in "${targets[@]}"; do
  if ((running >= jobs)); then
    wait -n || true
    running=$((running - 1))
  fi
  rm -f "$build_dir/fuzz/$target.rc"
  run_target "$target" &
  running=$((running + 1))
done
wait
echo "fuzz.sh: fuzzed in $((SECONDS - fuzz_started)) s"

failed=0
for target in "${targets[@]}"; do
  rc=$(cat "$build_dir/fuzz/$target.rc" 2>/dev/null || echo "no exit status")
  log="$build_dir/fuzz/$target.log"
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
  echo "fuzz.sh: $target: ${executions:-?} executions in ${seconds} s (${coverage:-cov: ?}), exit $rc"
  kept=()
  # libFuzzer's artifacts: crash-, leak-, timeout- and oom- (slow-unit-
  # inputs only report a slow run, not a failure).
  for artifact in "$build_dir/fuzz/$target.artifacts"/{crash,leak,timeout,oom}-*; do
    [ -e "$artifact" ] || continue
    regressions="$repo_root/tests/fuzz_corpus/$target/regressions"
    mkdir -p "$regressions"
    cp "$artifact" "$regressions/"
    kept+=("$regressions/$(basename "$artifact")")
  done
  if [ "$rc" != 0 ] || ((${#kept[@]} > 0)); then
    failed=1
    echo "fuzz.sh: $target FAILED; the end of $log:" >&2
    grep -v -e '^#[0-9]' -e 'NEW_FUNC' -e '# Uses: ' "$log" | tail -60 >&2
    for input in "${kept[@]}"; do
      echo "fuzz.sh: $target: kept the failing input as $input" >&2
    done
  fi
done
if ((failed)); then
  echo "fuzz.sh: FAILED: see above; commit each kept input with its fix" >&2
  exit 1
fi
echo "fuzz.sh: ${#targets[@]} targets, no crash, leak or undefined behaviour"
