"""The CPU thread pool: a C++ program (tests/cpp/thread_pool_test.cpp) checks that
parallel_for covers its range on several threads, that an exception thrown on a
pool worker reaches the caller with its type, nested and concurrent calls, and a
pool after fork. From Python: the pool size follows MLX_NUM_THREADS, and threads
sharing the pool get correct results."""

import os
import shutil
import subprocess
import sys
import threading

import numpy as np
import pytest

import mlx.core as mx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _compiler():
    for c in (os.environ.get("CXX"), "c++", "g++", "clang++"):
        if c and shutil.which(c):
            return c
    raise RuntimeError("a C++ compiler is needed to build the project and this test")


def test_thread_pool_program(tmp_path):
    exe = tmp_path / "thread_pool_test"
    subprocess.run([_compiler(), "-std=c++20", "-O1", "-pthread", f"-I{ROOT}",
                    os.path.join(ROOT, "tests", "cpp", "thread_pool_test.cpp"),
                    os.path.join(ROOT, "mlx_core", "backend", "cpu", "thread_pool.cpp"),
                    "-o", str(exe)], check=True)
    for n in ("4", "1"):
        r = subprocess.run([str(exe)], env=dict(os.environ, MLX_NUM_THREADS=n), capture_output=True,
                           text=True, timeout=120)
        assert r.returncode == 0 and r.stdout.strip() == "ok", (n, r.stdout, r.stderr)


def test_python_threads_share_the_pool():
    xs = [np.random.default_rng(i).standard_normal((700, 800)).astype(np.float32) for i in range(4)]
    errors = []

    def work(x):
        a = mx.array(x)
        for _ in range(20):
            r = [mx.sum(a, axis=0), mx.sum(a, axis=1), mx.max(a), mx.reshape(a.T, (-1,)), a * 2 + 1]
            mx.eval(*r)
            try:
                np.testing.assert_allclose(np.array(r[0]), x.sum(axis=0), rtol=1e-4, atol=1e-3)
                np.testing.assert_allclose(np.array(r[1]), x.sum(axis=1), rtol=1e-4, atol=1e-3)
                assert r[2].item() == x.max()
                np.testing.assert_array_equal(np.array(r[3]), x.T.reshape(-1))
                np.testing.assert_array_equal(np.array(r[4]), x * 2 + 1)
            except AssertionError as e:
                errors.append(e)

    ts = [threading.Thread(target=work, args=(x,)) for x in xs]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors


def test_process_exits_promptly_after_threaded_work():
    code = ("import numpy as np, mlx.core as mx\n"
            "a = mx.array(np.ones((2000, 2000), np.float32))\n"
            "print(mx.sum(a).item(), mx.sum(a.T + 1, axis=0)[0].item())\n")
    for n in ("1", "3"):
        r = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, MLX_NUM_THREADS=n),
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        assert r.stdout.split() == ["4000000.0", "4000.0"]
