"""Records the reference's mx.random outputs for tests/test_random_reference.py.

Run under the reference (Apple MLX 0.32):
    ../shared/tools/mlx-ref tools/record_random_reference.py

Each case is a Python expression over `mx`, `K` (K(s) = mx.random.key(s)) and `np`. The
recording keeps, per case, the dtype, the shape, the SHA-256 of the output's bytes (bfloat16
as its uint16 bits) and its first values as bits (to read a mismatch); the digest is cut to 128 bits, or the exception
type. The test evaluates the same expressions with openmlx and compares. multivariate_normal keeps
its values, compared to a tolerance (its matrix square root is not bit-reproducible).
Cases where openmlx deliberately differs (docs/differences.md) are left out here and tested
for their mathematical properties instead.
"""

import hashlib
import json
import os
import sys

import numpy as np

import mlx.core as mx

SEEDS = [0, 1, 7, 2**32 + 5, 2**63 + 11]
SHAPES = [(), (0,), (1,), (7,), (2, 3), (3, 0, 2), (5, 17), (70001,)]
FLOATS = ["mx.float32", "mx.float16", "mx.bfloat16"]


def cases():
    c = []
    # Keys, split, the global state.
    for s in SEEDS:
        c.append(f"K({s})")
        for n in (1, 2, 3, 5):
            c.append(f"mx.random.split(K({s}), {n})")
    c.append("mx.random.split(mx.random.split(K(3), 4)[2])")
    c.append("(mx.random.seed(3), mx.random.uniform(shape=(5,)))[1]")
    c.append("(mx.random.seed(4), mx.random.uniform(shape=(3,)), mx.random.normal((4,)))[2]")
    c.append("(mx.random.seed(5), mx.random.state[0])[1]")
    c.append("(mx.random.seed(6), mx.random.randint(0, 100, (3,)), mx.random.state[0])[2]")
    # uniform
    for s in SEEDS[:3]:
        for dt in FLOATS:
            for sh in SHAPES:
                c.append(f"mx.random.uniform(shape={sh}, dtype={dt}, key=K({s}))")
    for dt in FLOATS:
        c += [
            f"mx.random.uniform(-2, 3, (4, 5), {dt}, key=K(2))",
            f"mx.random.uniform(mx.array([[-1.0], [0.5], [2.0]]), mx.array([1.0, 4.0, 9.0, 20.0]), (2, 3, 4), {dt}, key=K(3))",
            f"mx.random.uniform(mx.array(1.5, mx.float16), mx.array(7, mx.int32), (9,), {dt}, key=K(4))",
            f"mx.random.uniform(3.0, 3.0, (5,), {dt}, key=K(4))",
            f"mx.random.uniform(5.0, -5.0, (5,), {dt}, key=K(4))",
            f"mx.random.uniform(0, 1e6, (70001,), {dt}, key=K(9))",
        ]
    # normal
    for s in SEEDS[:3]:
        for dt in FLOATS:
            for sh in SHAPES:
                c.append(f"mx.random.normal({sh}, {dt}, key=K({s}))")
    for dt in FLOATS:
        c += [
            f"mx.random.normal((3, 4), {dt}, loc=0.5, scale=3.0, key=K(1))",
            f"mx.random.normal((3, 4), {dt}, loc=-2.0, key=K(1))",
            f"mx.random.normal((3, 4), {dt}, scale=0.37, key=K(1))",
            f"mx.random.normal((2, 3, 4), {dt}, loc=mx.array([[1.0], [2.0], [3.0]]), scale=mx.array([0.1, 1.0, 10.0, 100.0]), key=K(2))",
            f"mx.random.normal((5,), {dt}, loc=mx.array(1.0, mx.float16), scale=mx.array(2.0, mx.bfloat16), key=K(2))",
            f"mx.random.normal((70001,), {dt}, loc=0.3, scale=0.7, key=K(8))",
        ]
    c += [
        "mx.random.normal((4,), mx.complex64, key=K(3))",
        "mx.random.normal((2, 3), mx.complex64, key=K(4))",
        "mx.random.normal((7,), mx.complex64, loc=1.0, scale=2.0, key=K(4))",
        "mx.random.normal((3,), mx.complex64, loc=mx.array(1 + 2j), scale=mx.array(0.5), key=K(5))",
        "mx.random.normal((3,), mx.int32, key=K(5))",
    ]
    # randint (bounds where the reference is right; see docs/differences.md)
    ints = ["mx.int8", "mx.int16", "mx.int32", "mx.int64", "mx.uint8", "mx.uint16", "mx.uint32", "mx.uint64"]
    for dt in ints:
        for s in SEEDS[:3]:
            c.append(f"mx.random.randint(0, 100, (5, 17), {dt}, key=K({s}))")
        c.append(f"mx.random.randint(3, 4, (6,), {dt}, key=K(1))")
        c.append(f"mx.random.randint(0, 2, (70001,), {dt}, key=K(2))")
        c.append(f"mx.random.randint(10, 0, (4,), {dt}, key=K(2))")
        c.append(f"mx.random.randint(5, 5, (4,), {dt}, key=K(2))")
        c.append(f"mx.random.randint(mx.array(2.7), mx.array(9.2), (6,), {dt}, key=K(3))")
        c.append(f"mx.random.randint(0.5, 3.7, (50,), {dt}, key=K(3))")
        c.append(f"mx.random.randint(1.5, 1.7, (5,), {dt}, key=K(3))")
        c.append(f"mx.random.randint(0, 127, (), {dt}, key=K(3))")
        c.append(f"mx.random.randint(0, 127, (0, 3), {dt}, key=K(3))")
    for dt in ["mx.int8", "mx.int16", "mx.int32", "mx.int64"]:
        c.append(f"mx.random.randint(-100, 100, (5, 17), {dt}, key=K(4))")
        c.append(f"mx.random.randint(-5, -1, (20,), {dt}, key=K(4))")
        c.append(f"mx.random.randint(-2.7, -0.2, (50,), {dt}, key=K(3))")
        c.append(f"mx.random.randint(-0.5, 2.5, (50,), {dt}, key=K(3))")
        c.append(f"mx.random.randint(-3, 0.5, (50,), {dt}, key=K(3))")
        c.append(f"mx.random.randint(mx.array([0, -10, 100])[:, None], mx.array([10, 20]), (3, 2), {dt}, key=K(5))")
        c.append(f"mx.random.randint(mx.array([0.5, -10.2]), mx.array(20, mx.int8), (3, 2), {dt}, key=K(5))")
    for dt in ["mx.int32", "mx.int64", "mx.uint32", "mx.uint64"]:
        c.append(f"mx.random.randint(-2**24, 2**24, (5, 17), {dt}, key=K(6))" if "uint" not in dt
                 else f"mx.random.randint(0, 2**24, (5, 17), {dt}, key=K(6))")
        c.append(f"mx.random.randint(2**24 - 7, 2**24, (5, 17), {dt}, key=K(6))")
    c.append("mx.random.randint(-2**15, 2**15, (70001,), mx.int16, key=K(7))")
    c.append("mx.random.randint(0, 2**16, (70001,), mx.uint16, key=K(7))")
    c.append("mx.random.randint(-128, 128, (1000,), mx.int8, key=K(7))")
    c.append("mx.random.randint(0, 256, (1000,), mx.uint8, key=K(7))")
    c.append("mx.random.randint(0, 100, (4,), key=K(7))")
    c.append("mx.random.randint(0, 2, (1000,), mx.bool_, key=K(8))")
    c.append("mx.random.randint(0, 1, (10,), mx.bool_, key=K(8))")
    c.append("mx.random.randint(1, 2, (10,), mx.bool_, key=K(8))")
    c.append("mx.random.randint(0, 10, (3,), mx.float32, key=K(8))")
    # bernoulli
    for s in SEEDS[:3]:
        for sh in SHAPES:
            c.append(f"mx.random.bernoulli(0.3, {sh}, key=K({s}))")
    c += [
        "mx.random.bernoulli(key=K(1))",
        "mx.random.bernoulli(mx.array([0.1, 0.5, 0.9]), (2, 3), key=K(3))",
        "mx.random.bernoulli(mx.array([0.1, 0.5, 0.9], mx.float16), key=K(3))",
        "mx.random.bernoulli(mx.array(np.linspace(0, 1, 1001), mx.bfloat16), (3, 1001), key=K(3))",
        "mx.random.bernoulli(mx.array([[0.0], [1.0]]), (2, 5), key=K(3))",
        "mx.random.bernoulli(0.5, (70001,), key=K(4))",
        "mx.random.bernoulli(mx.array([1, 0]), key=K(3))",
    ]
    # truncated_normal
    for s in SEEDS[:3]:
        for dt in FLOATS:
            for sh in [(), (0,), (7,), (5, 17), (70001,)]:
                c.append(f"mx.random.truncated_normal(-2.0, 2.0, {sh}, {dt}, key=K({s}))")
    for dt in FLOATS:
        c += [
            f"mx.random.truncated_normal(0.5, 3.0, (40,), {dt}, key=K(1))",
            f"mx.random.truncated_normal(2.0, -2.0, (4,), {dt}, key=K(1))",
            f"mx.random.truncated_normal(1.0, 1.0, (4,), {dt}, key=K(1))",
            f"mx.random.truncated_normal(mx.array([-1.0, 0.0, 1.0])[:, None], mx.array(3.0, mx.float16), (3, 50), {dt}, key=K(2))",
            f"mx.random.truncated_normal(mx.array([-3.0, -1.0]), mx.array([[0.0], [5.0], [9.0]]), dtype={dt}, key=K(2))",
            f"mx.random.truncated_normal(-6.0, -5.0, (20,), {dt}, key=K(2))",
        ]
    c.append("mx.random.truncated_normal(mx.array([1, 2]), mx.array([3, 4]), key=K(3))")
    c.append("mx.random.truncated_normal(0, 1, (3,), mx.int32, key=K(3))")
    # gumbel
    for s in SEEDS[:3]:
        for dt in FLOATS:
            for sh in SHAPES:
                c.append(f"mx.random.gumbel({sh}, {dt}, key=K({s}))")
    c.append("mx.random.gumbel((3,), mx.int32, key=K(3))")
    # laplace
    for s in SEEDS[:3]:
        for dt in FLOATS:
            for sh in SHAPES:
                c.append(f"mx.random.laplace({sh}, {dt}, key=K({s}))")
    for dt in FLOATS:
        c += [
            f"mx.random.laplace((3, 4), {dt}, loc=0.3, scale=2.7, key=K(1))",
            f"mx.random.laplace((3, 4), {dt}, loc=-1.0, key=K(1))",
            f"mx.random.laplace((3, 4), {dt}, scale=0.1, key=K(1))",
            f"mx.random.laplace((70001,), {dt}, loc=5.0, scale=0.5, key=K(2))",
        ]
    c.append("mx.random.laplace((3,), mx.int32, key=K(3))")
    # categorical
    lg = "mx.log(mx.array([0.1, 0.2, 0.3, 0.4]))"
    big = "mx.array(np.random.default_rng(0).normal(size={n}).astype(np.float32) * 3)"
    for s in SEEDS[:3]:
        c += [
            f"mx.random.categorical({lg}, key=K({s}))",
            f"mx.random.categorical({lg}, num_samples=20, key=K({s}))",
            f"mx.random.categorical({lg}, shape=(2, 3), key=K({s}))",
            f"mx.random.categorical({lg}, shape=(), key=K({s}))",
            f"mx.random.categorical({lg}, shape=(1,), key=K({s}))",
            f"mx.random.categorical({lg}, num_samples=0, key=K({s}))",
            f"mx.random.categorical({lg}, num_samples=1, key=K({s}))",
            f"mx.random.categorical({big.format(n=1000)}, num_samples=5000, key=K({s}))",
            f"mx.random.categorical({big.format(n=7)}, num_samples=70001, key=K({s}))",
            f"mx.random.categorical({big.format(n=50)}.astype(mx.float16), num_samples=2000, key=K({s}))",
            f"mx.random.categorical({big.format(n=50)}.astype(mx.bfloat16), num_samples=2000, key=K({s}))",
            f"mx.random.categorical(mx.array([0.0, -float('inf'), 1.0, -float('inf')]), num_samples=200, key=K({s}))",
            f"mx.random.categorical(mx.array([2.0]), num_samples=5, key=K({s}))",
            f"mx.random.categorical({big.format(n=24)}.reshape(4, 6), key=K({s}))",
            f"mx.random.categorical({big.format(n=24)}.reshape(4, 6), num_samples=7, key=K({s}))",
            f"mx.random.categorical({big.format(n=24)}.reshape(4, 6), axis=0, key=K({s}))",
            f"mx.random.categorical({big.format(n=24)}.reshape(4, 6), axis=0, num_samples=3, key=K({s}))",
            f"mx.random.categorical({big.format(n=24)}.reshape(4, 6), shape=(5, 4), key=K({s}))",
            f"mx.random.categorical({big.format(n=24)}.reshape(4, 6), axis=0, shape=(2, 6), key=K({s}))",
            f"mx.random.categorical({big.format(n=24)}.reshape(2, 3, 4), axis=1, key=K({s}))",
            f"mx.random.categorical({big.format(n=24)}.reshape(2, 3, 4), axis=1, num_samples=2, key=K({s}))",
            f"mx.random.categorical({big.format(n=6)}[None], num_samples=4, key=K({s}))",
            f"mx.random.categorical({big.format(n=6)}[None], shape=(3, 1), key=K({s}))",
            f"mx.random.categorical({big.format(n=6)}[None], shape=(1,), key=K({s}))",
            f"mx.random.categorical({big.format(n=6)}[None], key=K({s}))",
            f"mx.random.categorical({big.format(n=6)}[:, None], axis=0, num_samples=5, key=K({s}))",
            f"mx.random.categorical({big.format(n=6)}[None, None], num_samples=3, key=K({s}))",
            f"mx.random.categorical({big.format(n=6)}[None], num_samples=0, key=K({s}))",
            f"mx.random.categorical({big.format(n=6)}.astype(mx.int32), num_samples=9, key=K({s}))",
        ]
    # The large seeds through every sampler.
    for s in SEEDS[3:]:
        for dt in FLOATS:
            c += [
                f"mx.random.uniform(shape=(5, 17), dtype={dt}, key=K({s}))",
                f"mx.random.normal((5, 17), {dt}, key=K({s}))",
                f"mx.random.gumbel((5, 17), {dt}, key=K({s}))",
                f"mx.random.laplace((5, 17), {dt}, key=K({s}))",
                f"mx.random.truncated_normal(-1.0, 2.5, (5, 17), {dt}, key=K({s}))",
            ]
        c += [
            f"mx.random.randint(-50, 50, (5, 17), key=K({s}))",
            f"mx.random.bernoulli(0.7, (5, 17), key=K({s}))",
            f"mx.random.categorical(mx.log(mx.array([0.1, 0.2, 0.3, 0.4])), num_samples=50, key=K({s}))",
            f"mx.random.permutation(50, key=K({s}))",
        ]
    # Many samples of one distribution: u * total lands on a running sum now and then.
    for t in (2, 3, 7, 11):
        c.append(f"mx.random.categorical(mx.random.normal(({[3, 10, 100, 1000][t % 4]},), key=K({t})) * "
                 f"{[0.5, 2.0, 4.0][t % 3]}, num_samples=65537, key=K({t + 100}))")
    # permutation
    for s in SEEDS[:3]:
        c += [
            f"mx.random.permutation(0, key=K({s}))",
            f"mx.random.permutation(1, key=K({s}))",
            f"mx.random.permutation(10, key=K({s}))",
            f"mx.random.permutation(70001, key=K({s}))",
            f"mx.random.permutation(mx.arange(12).reshape(3, 4), key=K({s}))",
            f"mx.random.permutation(mx.arange(12).reshape(3, 4), axis=1, key=K({s}))",
            f"mx.random.permutation(mx.array([1.5, 2.5, 3.5], mx.float16), key=K({s}))",
        ]
    # multivariate_normal
    cov = "mx.array([[1.0, 0.5, 0.1], [0.5, 2.0, 0.3], [0.1, 0.3, 0.7]])"
    for s in SEEDS[:3]:
        c += [
            f"mx.random.multivariate_normal(mx.array([1.0, -1.0, 0.5]), {cov}, (4,), key=K({s}))",
            f"mx.random.multivariate_normal(mx.zeros(3), mx.eye(3), (2, 5), key=K({s}))",
            f"mx.random.multivariate_normal(mx.zeros(2), mx.array([[4.0, 0.0], [0.0, 9.0]]), key=K({s}))",
        ]
    return c


def bits_of(x):
    a = np.array(x.view(mx.uint16) if x.dtype == mx.bfloat16 else x)
    return np.ascontiguousarray(a)


def record(expr):
    K = mx.random.key
    try:
        x = eval(expr, {"mx": mx, "np": np, "K": K})
        mx.eval(x)
    except Exception as e:  # noqa: BLE001 - the exception type is the recording
        return {"error": type(e).__name__}
    a = bits_of(x)
    if "multivariate_normal" in expr:
        # The square root of cov comes from an SVD whose last bits depend on the LAPACK
        # build: compared to a tolerance, on the values themselves.
        return {"dtype": str(x.dtype).split(".")[-1], "shape": list(x.shape), "values": a.reshape(-1).tolist()}
    head = a.reshape(-1)[:4]
    if head.dtype.kind == "f" or head.dtype.kind == "c":
        head = head.view(np.uint32 if head.dtype.itemsize in (4, 8) else np.uint16)
    return {
        "dtype": str(x.dtype).split(".")[-1],
        "shape": list(x.shape),
        "sha256": hashlib.sha256(a.tobytes()).hexdigest()[:32],
        "head": [int(v) if not isinstance(v, (bool, np.bool_)) else bool(v) for v in head.tolist()],
    }


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "tests", "data", "random", "reference.json")
    rec = {"reference": mx.__version__, "cases": [dict(expr=e, **record(e)) for e in cases()]}
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        f.write('{"reference": "%s", "cases": [\n' % rec["reference"])
        f.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in rec["cases"]))
        f.write("\n]}\n")
    print(len(rec["cases"]), "cases ->", out)


if __name__ == "__main__":
    main()
