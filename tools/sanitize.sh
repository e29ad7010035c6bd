#!/usr/bin/env bash
# Builds openmlx with AddressSanitizer and UndefinedBehaviorSanitizer (-DOPENMLX_SANITIZE=ON) in
# its own build dir and venv, then runs the test suite under them.
#
#   bash tools/sanitize.sh [pytest args]      # default: the whole suite (tests/) but the stub checks
#
# The allocator runs in exact mode (OPENMLX_EXACT_ALLOC=1: no cache, no rounding), so an overflow
# of a few bytes is not hidden inside a rounded-up or reused block. A UBSan report stops the run
# (halt_on_error=1) and an ASan report always does; either makes the script fail. Reports are
# written to $SANITIZE_LOG_DIR (pytest's output capture would hide them) and printed at the end.
#
# Environment:
#   SANITIZE_VENV        venv for the sanitized build (default build/sanitize-venv)
#   SANITIZE_BUILD_DIR   CMake build dir (default build/sanitize)
#   SANITIZE_LOG_DIR     where sanitizer reports go (default build/sanitize-logs)
#   SANITIZE_SKIP_BUILD  1: run the tests on the existing sanitized build
#   SANITIZE_KEEP_GOING  1: UBSan reports do not stop the run; all are collected, and any
#                        report still fails the script at the end (ASan reports still stop it)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
venv=${SANITIZE_VENV:-$root/build/sanitize-venv}
build_dir=${SANITIZE_BUILD_DIR:-$root/build/sanitize}
log_dir=${SANITIZE_LOG_DIR:-$root/build/sanitize-logs}
cxx=${CXX:-g++}

if [[ ${SANITIZE_SKIP_BUILD:-0} != 1 ]]; then
  if [[ ! -x $venv/bin/python ]]; then
    echo "== creating $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q numpy scikit-build-core nanobind cmake ninja scipy-openblas64 \
      pytest ml_dtypes
  fi
  echo "== building with sanitizers in $build_dir (log: $build_dir.log)" >&2
  mkdir -p "$(dirname "$build_dir")"
  if ! CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2} \
      "$venv/bin/pip" install --no-build-isolation -e . \
      -C build-dir="$build_dir" -C cmake.define.OPENMLX_SANITIZE=ON -C cmake.build-type=RelWithDebInfo \
      >"$build_dir.log" 2>&1; then
    tail -40 "$build_dir.log" >&2
    echo "== sanitized build failed" >&2
    exit 2
  fi
fi

# Python does not link libstdc++ or the sanitizer runtimes: ASan must be loaded first, and
# libstdc++ before the module so that ASan's interceptors see its operator new/delete.
libasan=$(realpath "$($cxx -print-file-name=libasan.so)")
libstdcxx=$(realpath "$($cxx -print-file-name=libstdc++.so)")
for lib in "$libasan" "$libstdcxx"; do
  [[ -f $lib ]] || { echo "== not found: $lib" >&2; exit 2; }
done

rm -rf "$log_dir"
mkdir -p "$log_dir"
halt=1
[[ ${SANITIZE_KEEP_GOING:-0} == 1 ]] && halt=0

# The sanitized build makes no type stubs (CMakeLists.txt: the stub generator would have to
# import the instrumented module without the preload), so their tests are left to the
# normal build's suite.
(( $# )) || set -- tests --ignore=tests/test_typing_stubs.py

status=0
env LD_PRELOAD="$libasan:$libstdcxx" \
  ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1:log_path=$log_dir/asan:${ASAN_OPTIONS:-}" \
  UBSAN_OPTIONS="halt_on_error=$halt:print_stacktrace=1:log_path=$log_dir/ubsan:${UBSAN_OPTIONS:-}" \
  OPENMLX_EXACT_ALLOC=1 \
  PYTHONFAULTHANDLER=1 \
  "$venv/bin/python" -m pytest "$@" || status=$?

# Logs that hold only warnings (e.g. "failed to allocate" for a test that expects MemoryError)
# are shown but are not failures; errors ("ERROR:", UBSan's "runtime error:") are.
shopt -s nullglob
logs=("$log_dir"/*)
errors=0
for f in "${logs[@]}"; do
  echo "--- $f" >&2
  cat "$f" >&2
  grep -q -E "ERROR: |runtime error:" "$f" && errors=$((errors + 1))
done
if (( errors )); then
  (( status == 0 )) && status=1
  echo "== FAILED: sanitizer errors in $errors of ${#logs[@]} logs above ($log_dir)" >&2
elif (( status != 0 )); then
  echo "== FAILED: pytest exit status $status" >&2
else
  echo "== clean: no sanitizer reports, tests passed" >&2
fi
exit $status
