"""Conversion to NumPy and other frameworks, run for real.

Walks through every example of MLX's "Conversion to NumPy and Other
Frameworks" page and prints the outputs the page states.  The PyTorch, JAX
and TensorFlow sections run when those packages are importable and are
skipped (with a note) otherwise.  It also shows the zero-copy imports
openmlx adds on top of the reference.

    python examples/numpy_interop.py
"""

import importlib.util

import numpy as np

import mlx.core as mx


def section(title):
    print(f"\n== {title}")


def have(module):
    return importlib.util.find_spec(module) is not None


# --- NumPy and back --------------------------------------------------------
section("NumPy round trip")
a = mx.arange(3)
b = np.array(a)  # copy of a
c = mx.array(b)  # copy of b
print("a =", a)
print("b =", repr(b))
print("c =", c)

section("bfloat16 -> NumPy")
h = mx.array([1.5, 2.0, -3.25], mx.bfloat16)
print("np.array(a.astype(mx.float32)) =", repr(np.array(h.astype(mx.float32))))
try:
    print("np.array(a) =", repr(np.array(h)), "(through ml_dtypes)")
except (ValueError, TypeError, RuntimeError) as e:  # ml_dtypes not installed
    print("np.array(a) raised:", e)

section("A NumPy view of an array")
a = mx.arange(3)
a_view = np.array(a, copy=False)
print(a_view.flags.owndata)  # False
a_view[0] = 1
print(a[0].item())  # 1

section("External changes are invisible to gradients")


def f(x):
    x_view = np.array(x, copy=False)
    x_view[:] *= x_view  # modify memory without telling mx
    return x.sum()


x = mx.array([3.0])
y, df = mx.value_and_grad(f)(x)
print("f(x) = x² =", y.item())  # 9.0
print("f'(x) = 2x !=", df.item())  # 1.0


def g(x):
    return mx.array(np.array(x) ** 2).sum()


print("grad of mx.array(np.array(x)**2).sum() =", mx.grad(g)(mx.array([3.0])).item())  # 0.0

section("Zero-copy imports (openmlx)")
n = np.arange(4.0)
shared = mx.asarray(n)          # shares n's memory, keeps float64
n[0] = 100.0
print("mx.asarray(n) after n[0] = 100:", shared, "| dtype", shared.dtype)
via_dlpack = mx.from_dlpack(n)
print("mx.from_dlpack(n)[0] =", via_dlpack[0].item())
print("np.from_dlpack(mx array) =", repr(np.from_dlpack(mx.arange(3) * 2)))

# --- PyTorch ---------------------------------------------------------------
section("PyTorch")
if have("torch"):
    import torch

    a = mx.arange(3)
    b = torch.tensor(memoryview(a))
    c = mx.array(b.numpy())
    print("b =", b)
    print("c =", c)
    t = torch.from_dlpack(a)     # shares a's memory
    t[0] = 7
    print("after torch.from_dlpack(a)[0] = 7: a =", a)
    print("mx.from_dlpack(torch bfloat16) =",
          mx.from_dlpack(torch.tensor([1.5, -2.0], dtype=torch.bfloat16)))
else:
    print("torch is not installed: skipped")

# --- JAX -------------------------------------------------------------------
section("JAX")
if have("jax"):
    import jax.numpy as jnp

    a = mx.arange(3)
    b = jnp.array(a)
    c = mx.array(b)
    print("b =", b)
    print("c =", c)
    print("jnp.from_dlpack(a) =", jnp.from_dlpack(a))
else:
    print("jax is not installed: skipped")

# --- TensorFlow ------------------------------------------------------------
section("TensorFlow")
if have("tensorflow"):
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    a = mx.arange(3)
    b = tf.constant(memoryview(a))
    c = mx.array(b)
    print("b =", b)
    print("c =", c)
else:
    print("tensorflow is not installed: skipped")
