#!/usr/bin/env bash
# Portability check (run by .ci/run after the README commands and the tests; also by hand).
# No Apple machine is reachable from CI, so this stands in for one:
#   1. clang 16 + libc++ for an aarch64 target compiles every engine file (mlx_core/**.cpp,
#      to objects) and syntax-checks every binding file (python/src/*.cpp);
#   2. the aarch64 cross GCC from Debian's packages (GCC 12: no _Float16 in C++) builds the
#      engine (libmlx_core.a) and a C++ smoke test (tools/cross_smoke.cpp), linked against
#      the aarch64 scipy-openblas64 wheel from PyPI;
#   3. the smoke test runs under qemu-aarch64 with the thread pool on.
# Missing toolchains are installed with apt-get. Any error fails the script.
# Environment: CROSS_JOBS (parallel compiles, default: the cores), CROSS_OPT (default -O1),
# CROSS_WORK (scratch folder, default a fresh temporary one), PYTHON (default python3).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
jobs=${CROSS_JOBS:-$(nproc)}
opt=${CROSS_OPT:--O1}
python=${PYTHON:-python3}
work=${CROSS_WORK:-$(mktemp -d)}
mkdir -p "$work"
start=$(date +%s)
clang=clang++-16
gxx=aarch64-linux-gnu-g++
sysroot=/usr/aarch64-linux-gnu

echo "== cross check: toolchains"
need=()
command -v "$clang" >/dev/null || need+=(clang-16)
[ -e /usr/lib/llvm-16/include/c++/v1/vector ] || need+=(libc++-16-dev libc++abi-16-dev)
command -v "$gxx" >/dev/null || need+=(g++-aarch64-linux-gnu)
command -v qemu-aarch64 >/dev/null || need+=(qemu-user)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${need[@]}"
fi
"$clang" --version | head -1
"$gxx" --version | head -1
qemu-aarch64 --version | head -1

echo "== cross check: aarch64 scipy-openblas64 wheel"
"$python" -m pip download -q --no-deps --only-binary=:all: --platform manylinux2014_aarch64 \
  scipy-openblas64 -d "$work/wheel"
"$python" -m zipfile -e "$work"/wheel/scipy_openblas64-*.whl "$work/openblas"
blas_lib="$work/openblas/scipy_openblas64/lib"
[ -e "$blas_lib/libscipy_openblas64_.so" ]

# Python and nanobind headers for the bindings' syntax check: the host Python's headers
# (its pyconfig.h describes x86-64 Linux, which has the same type sizes as aarch64 Linux).
py_inc=$("$python" -c "import sysconfig; print(sysconfig.get_paths()['include'])")
nb_inc=$("$python" -m nanobind --include_dir 2>/dev/null) || {
  # The fresh CI venv has no nanobind (pip's build isolation kept it out): fetch one.
  "$python" -m pip install -q --target "$work/nb" nanobind
  nb_inc=$(PYTHONPATH="$work/nb" "$python" -m nanobind --include_dir)
}

engine_src=$(find mlx_core -name '*.cpp' | sort)
binding_src=$(find python/src -name '*.cpp' | sort)
common=(-std=c++20 -fopenmp-simd -fno-math-errno -fno-trapping-math -Wall -Wno-sign-compare -Werror=switch -I"$root")

# Compiles each file named on stdin with the command in "$@" (the file appended, plus
# "-o OBJ" when $CROSS_OUT is set), $jobs at a time; prints each failing file's errors and
# fails when any file failed.
compile_all() {
  local log=$1
  shift
  mkdir -p "$log"
  export CROSS_LOG=$log
  xargs -P "$jobs" -n 1 bash -c '
    f=${!#}; set -- "${@:1:$#-1}"; name=$(echo "$f" | tr / _)
    if [ -n "${CROSS_OUT:-}" ]; then set -- "$@" -o "$CROSS_OUT/$name.o"; fi
    if ! "$@" "$f" > "$CROSS_LOG/$name.log" 2>&1; then echo "FAILED: $f"; cat "$CROSS_LOG/$name.log"; exit 1; fi
  ' _ "$@"
}

echo "== cross check: clang 16 + libc++, aarch64: engine objects ($(echo "$engine_src" | wc -l) files)"
clang_flags=("$clang" --target=aarch64-linux-gnu -stdlib=libc++ "${common[@]}" "$opt")
mkdir -p "$work/clang"
echo "$engine_src" | CROSS_OUT="$work/clang" compile_all "$work/clang-log" "${clang_flags[@]}" -c
echo "== cross check: clang 16 + libc++, aarch64: bindings, syntax only ($(echo "$binding_src" | wc -l) files)"
echo "$binding_src" | compile_all "$work/clang-log" "${clang_flags[@]}" -fsyntax-only \
  -I"$py_inc" -I"$nb_inc" -I"$nb_inc/../ext/robin_map/include"

echo "== cross check: aarch64 GCC: libmlx_core.a"
mkdir -p "$work/gcc"
echo "$engine_src" | CROSS_OUT="$work/gcc" compile_all "$work/gcc-log" "$gxx" "${common[@]}" "$opt" -c
aarch64-linux-gnu-ar rcs "$work/libmlx_core.a" "$work"/gcc/*.o
"$gxx" "${common[@]}" "$opt" tools/cross_smoke.cpp -o "$work/smoke" "$work/libmlx_core.a" \
  -L"$blas_lib" -lscipy_openblas64_ -Wl,-rpath,"$blas_lib" \
  -Wl,-rpath-link,/usr/lib/aarch64-linux-gnu -pthread

echo "== cross check: smoke test under qemu-aarch64"
# libgfortran (bundled with the aarch64 OpenBLAS wheel) needs an aarch64 libz.so.1: Debian's
# zlib1g:arm64 (multiarch) provides it.
if [ ! -e /usr/lib/aarch64-linux-gnu/libz.so.1 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo dpkg --add-architecture arm64
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends zlib1g:arm64
fi
# The program runs through the aarch64 dynamic loader named explicitly, with the library
# path given to it: qemu-user's -L prefix hangs every threaded program on some hosts (seen
# with qemu 7.2 here), while this way threads work. Killed after 300 s: a hang fails too.
MLX_NUM_THREADS=4 OPENBLAS_NUM_THREADS=2 timeout -s KILL 300 \
  qemu-aarch64 "$sysroot/lib/ld-linux-aarch64.so.1" --library-path "$sysroot/lib:/usr/lib/aarch64-linux-gnu" \
  "$work/smoke"

echo "== cross check passed in $(( $(date +%s) - start )) s"
