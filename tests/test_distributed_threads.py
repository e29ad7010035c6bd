"""The collectives over groups of 2 and 3 processes.

tests/cpp/distributed_test.cpp runs each rank of a group as a thread, with a test-only
backend that implements the transport interface of mlx_core/distributed/group.h over shared
memory, and checks every collective's values and shapes (all_sum/all_max/all_min,
all_gather of arrays, scalars and non-contiguous views, sum_scatter and its shape errors,
send/recv/recv_like around a ring and their rank errors) and the transform rules for more
than one process (vjp, jvp, vmap along different axes). The program links the engine's
static library from the build tree (build/<wheel tag>/libmlx_core.a, made by
`pip install .`).
"""

import glob
import os
import subprocess

import pytest
from test_thread_pool import _compiler

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _core_library():
    libs = glob.glob(os.path.join(ROOT, "build", "*", "libmlx_core.a"))
    if not libs:
        pytest.skip("no build tree with libmlx_core.a (run `pip install .` in the repository)")
    return max(libs, key=os.path.getmtime)


def test_collectives_over_thread_ranks(tmp_path):
    import scipy_openblas64

    blas = scipy_openblas64.get_lib_dir()
    exe = tmp_path / "distributed_test"
    cmd = [_compiler(), "-std=c++20", "-O1", "-pthread", f"-I{ROOT}",
           os.path.join(ROOT, "tests", "cpp", "distributed_test.cpp"), _core_library(),
           f"-L{blas}", "-lscipy_openblas64_", f"-Wl,-rpath,{blas}", "-lm", "-ldl"]
    # The engine calls glibc's vector math where it was found at build time.
    r = subprocess.run(cmd + ["-lmvec", "-o", str(exe)], capture_output=True, text=True)
    if r.returncode != 0:
        subprocess.run(cmd + ["-o", str(exe)], check=True)
    r = subprocess.run([str(exe)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "ok", (r.stdout, r.stderr)
