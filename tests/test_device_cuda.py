"""mx.cuda: the reference's CUDA module (is_available), here always False."""

import importlib
import subprocess
import sys

import mlx.core as mx


def test_cuda_module_names_and_behaviour():
    assert mx.cuda.is_available() is False
    assert sorted(k for k in dir(mx.cuda) if not k.startswith("_")) == ["is_available"]
    assert mx.cuda.__name__ == "mlx.core.cuda"
    assert mx.cuda.is_available.__doc__


def test_cuda_module_imports():
    assert importlib.import_module("mlx.core.cuda") is mx.cuda
    code = "import mlx.core.cuda as c; from mlx.core import cuda; print(c is cuda, c.is_available())"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["True", "False"]

