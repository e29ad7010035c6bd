"""Function export beyond single round trips: exporter with several traces, errors as the
reference raises them, export_to_dot, the export callback, malformed files (hand-made and
fuzzed) and a file read by another process."""
import io
import os
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import mlx.core as mx

HEADER = 8 + 4 + 8 + 8


M64 = (1 << 64) - 1


def checksum(data):
    """The file body's checksum (mlx_core/transforms/export.cpp), to write files by hand."""
    mix = lambda h, w: ((((h << 31) | (h >> 33)) & M64 ^ w) * 1099511628211) & M64
    h = [1469598103934665603 ^ k for k in range(4)]
    n = len(data) - len(data) % 32
    words = struct.unpack(f"<{n // 8}Q", data[:n])
    for i in range(0, len(words), 4):
        for k in range(4):
            h[k] = mix(h[k], words[i + k])
    for b in data[n:]:
        h[0] = mix(h[0], b)
    r = mix(len(data), h[0])
    for k in range(1, 4):
        r = mix(r, h[k])
    return r


def with_body(raw, body, version=1):
    """A file with raw's magic and `body`, with a correct size and checksum."""
    return raw[:8] + struct.pack("<IQQ", version, len(body), checksum(body)) + body


def simple_file(tmp_path):
    path = str(tmp_path / "simple.mlxfn")
    mx.export_function(path, lambda x, y: (mx.sum(x * y + 1, axis=0), x.T @ y), mx.ones((2, 3)), mx.ones((2, 3)))
    return path, open(path, "rb").read()


# ---- exporter --------------------------------------------------------------------------------


def test_exporter_several_traces(tmp_path):
    path = str(tmp_path / "ex.mlxfn")

    def fun(*args):
        return sum(args)

    with mx.exporter(path, fun) as ex:
        assert isinstance(ex, mx.FunctionExporter)
        ex(mx.array(1))
        ex(mx.array(1), mx.array(2))
        ex(mx.array([1, 2]), mx.array(2))
    g = mx.import_function(path)
    assert g(mx.array(5))[0].item() == 5
    assert g(mx.array(5), mx.array(6))[0].item() == 11
    assert g(mx.array([5, 6]), mx.array(6))[0].tolist() == [11, 12]
    with pytest.raises(ValueError, match="No imported function found") as e:
        g(mx.array(5), mx.array(6), mx.array(7))
    assert "Called with 3 positional inputs and 0 keyword inputs" in str(e.value)
    assert "1. Function with 1 positional inputs" in str(e.value)
    assert "3. Function with 2 positional inputs" in str(e.value)


def test_exporter_kwargs_close_and_duplicates(tmp_path):
    path = str(tmp_path / "ex2.mlxfn")
    ex = mx.exporter(path, lambda x, y=None: x if y is None else x * y, metadata="meta")
    ex(mx.array(1.0))
    ex(mx.array(1.0), y=mx.array(2.0))
    with pytest.raises(RuntimeError, match="same signature"):
        ex(mx.array(3.0))
    ex.close()
    with pytest.raises(RuntimeError, match="closed"):
        ex(mx.array(1.0, mx.float16))
    g, meta = mx.import_function(path, return_metadata=True)
    assert meta == "meta"
    assert g(mx.array(3.0), y=mx.array(2.0))[0].item() == 6.0
    assert g(mx.array(3.0))[0].item() == 3.0


def test_exporter_without_traces(tmp_path):
    path = str(tmp_path / "empty.mlxfn")
    mx.exporter(path, lambda a: a).close()
    g = mx.import_function(path)
    with pytest.raises(ValueError, match="No imported function found"):
        g(mx.array(1.0))
    with pytest.raises(RuntimeError, match="Failed to open"):
        mx.exporter(str(tmp_path / "no" / "dir.mlxfn"), lambda a: a)


def test_exporter_shapeless(tmp_path):
    path = str(tmp_path / "ex3.mlxfn")
    with mx.exporter(path, lambda x: x * 2, shapeless=True) as ex:
        ex(mx.array([1.0]))
        with pytest.raises(RuntimeError, match="same signature"):
            ex(mx.array([1.0, 2.0]))
        ex(mx.array([[1.0, 2.0]]))
    g = mx.import_function(path)
    assert g(mx.ones((3, 3)))[0].tolist() == [[2.0] * 3] * 3
    assert g(mx.ones((4,)))[0].tolist() == [2.0] * 4
    with pytest.raises(TypeError):
        mx.exporter(path, lambda x: x, True)  # shapeless is keyword-only


# ---- errors ----------------------------------------------------------------------------------


def test_call_errors(tmp_path):
    path = str(tmp_path / "f.mlxfn")
    x, y = mx.array(1.0), mx.array([1.0, 2.0, 3.0])
    mx.export_function(path, lambda x, y: x + y, x, y=y)
    g = mx.import_function(path)
    for args, kwargs in [((x, y), {}), ((x,), {"z": y}), ((x,), {"y": mx.array([1.0, 2.0])}),
                         ((x,), {"y": mx.array([1, 2, 3])}), ((x, x), {"y": y}), ((), {"y": y})]:
        with pytest.raises(ValueError, match="No imported function found"):
            g(*args, **kwargs)
    with pytest.raises(ValueError, match="Inputs can either be"):
        g(1.0, y=y)


def test_export_errors(tmp_path):
    path = str(tmp_path / "f.mlxfn")
    x = mx.array(1.0)
    with pytest.raises(ValueError, match="Outputs can be either"):
        mx.export_function(path, lambda a: {"o": a}, x)
    with pytest.raises(ValueError, match="Outputs can be either"):
        mx.export_function(path, lambda a: 3, x)
    with pytest.raises(ValueError, match="Inputs can either be"):
        mx.export_function(path, lambda a: a, 3)
    with pytest.raises(ValueError, match="metadata"):
        mx.export_function(lambda d: None, lambda a: a, x, metadata="m")
    with pytest.raises(TypeError):
        mx.export_function(path, lambda a: a, x, shapeless=1)
    with pytest.raises(RuntimeError, match="Failed to open"):
        mx.export_function(str(tmp_path / "no" / "dir.mlxfn"), lambda a: a, x)
    with pytest.raises(RuntimeError, match="Failed to open"):
        mx.import_function(str(tmp_path / "missing.mlxfn"))
    with pytest.raises(ValueError, match="broadcast"):
        mx.export_function(path, lambda a: a + mx.ones((5,)), mx.ones((3,)))
    with pytest.raises(KeyError):
        mx.export_function(path, lambda a: {}["boom"], x)


def test_compiled_functions_are_traced_through(tmp_path):
    # As in the reference, a compiled function called by the exported one is inlined.
    path = str(tmp_path / "c.mlxfn")
    f = mx.compile(lambda a: mx.exp(a) * 2 + 1)
    x = mx.array([0.5, 1.0, 2.0])
    mx.export_function(path, lambda a: f(a) - a, x)
    np.testing.assert_allclose(mx.import_function(path)(x)[0], f(x) - x, rtol=1e-6)
    names = []
    mx.export_function(lambda d: names.append(d.get("name")), f, x)
    assert "Exp" in names and "Compiled" not in names
    assert f(x).shape == (3,)  # compilation is back on afterwards


def test_collectives_of_one_process(tmp_path):
    # On a group of one process the collectives are the identity, as the reference exports them.
    path = str(tmp_path / "d.mlxfn")
    fun = lambda a: (mx.distributed.all_sum(a) * 2, mx.distributed.all_gather(a), mx.distributed.all_max(a + 1))
    x = mx.array([1.0, 2.0, 3.0])
    mx.export_function(path, fun, x)
    outs = mx.import_function(path)(x)
    for o, e in zip(outs, fun(x)):
        np.testing.assert_array_equal(o, e)
    names = []
    mx.export_function(lambda d: names.append(d.get("name")), fun, x)
    assert not any(n and n.startswith("All") for n in names)


def test_eval_inside_raises(tmp_path):
    path = str(tmp_path / "e.mlxfn")
    with pytest.raises(ValueError, match="eval"):
        mx.export_function(path, lambda a: mx.array((a * 2).item()), mx.array(1.0))


# ---- export_to_dot and the callback ------------------------------------------------------------


def test_export_to_dot(tmp_path):
    a, b = mx.array(1.0), mx.array(2.0)
    c = mx.exp(a + b) * a
    path = str(tmp_path / "g.dot")
    mx.export_to_dot(path, c, a=a, b=b)
    text = open(path).read()
    assert text.startswith("digraph {") and text.rstrip().endswith("}")
    assert '{ rank=source; "a"; }' in text and '{ rank=source; "b"; }' in text
    for label in ("Add", "Exp", "Multiply"):
        assert f'[label ="{label}", shape=rectangle]' in text
    assert '{ rank=sink; "E"; }' in text and '{ "C"; }' in text
    s = io.StringIO()
    mx.export_to_dot(s, c)
    assert '{ rank=source; "A"; }' in s.getvalue()
    s = io.StringIO()
    d, e = mx.divmod(a, b)
    mx.export_to_dot(s, [d, e], out=d)
    assert '{ rank=sink; "out"; }' in s.getvalue() and '[label ="DivMod"' in s.getvalue()
    with pytest.raises(ValueError, match="tree_flatten"):
        mx.export_to_dot(io.StringIO(), 3)
    with pytest.raises(ValueError, match="file-like objects or strings"):
        mx.export_to_dot(3, c)
    with pytest.raises(TypeError):
        mx.export_to_dot(io.BytesIO(), c)  # DOT is text


def test_export_callback():
    events = []
    x, y = mx.array(1.0), mx.array([1.0, 2.0, 3.0])
    mx.export_function(events.append, lambda x, y: x * 2 + y, x, y=y)
    types = [e["type"] for e in events]
    assert types[:4] == ["inputs", "keyword_inputs", "outputs", "constants"]
    assert events[0]["inputs"] == [("A", (), mx.float32), ("B", (3,), mx.float32)]
    assert events[1]["keywords"] == [("y", "B")]
    assert events[2]["outputs"][0][1:] == ((3,), mx.float32)
    assert len(events[3]["constants"]) == 1 and events[3]["constants"][0][1].item() == 2.0
    names = [e["name"] for e in events[4:]]
    assert "Multiply" in names and "Add" in names and "Broadcast" in names
    bcast = next(e for e in events[4:] if e["name"] == "Broadcast")
    assert bcast["arguments"] == [(3,)]


# ---- malformed files -------------------------------------------------------------------------


def test_malformed_headers(tmp_path):
    path, raw = simple_file(tmp_path)
    bad = str(tmp_path / "bad.mlxfn")

    def expect(data, match):
        open(bad, "wb").write(data)
        with pytest.raises(RuntimeError, match=match):
            mx.import_function(bad)

    expect(b"", "malformed")
    expect(b"hello world", "magic")
    expect(b"NOTMLXFN" + raw[8:], "magic")
    expect(raw[:8] + struct.pack("<I", 99) + raw[12:], "version 99")
    expect(raw[:-1], "malformed")
    expect(raw + b"\0", "malformed")
    flipped = bytearray(raw)
    flipped[HEADER + 20] ^= 0x40
    expect(bytes(flipped), "checksum")


def test_malformed_bodies(tmp_path):
    """Bodies with a valid checksum but bad content: ids, sizes, dtypes, counts."""
    _, raw = simple_file(tmp_path)
    bad = str(tmp_path / "bad.mlxfn")

    def trace(inputs, consts, nodes, outputs, n_args=None):
        b = struct.pack("<Q", 0) + b"" + struct.pack("<B", 0) + struct.pack("<Q", 1)
        b += struct.pack("<QQ", len(inputs) if n_args is None else n_args, 0)
        b += struct.pack("<Q", len(inputs))
        for dt, shape in inputs:
            b += struct.pack("<BQ", dt, len(shape)) + b"".join(struct.pack("<q", d) for d in shape)
        b += struct.pack("<Q", len(consts))
        for dt, shape, data in consts:
            b += struct.pack("<BQ", dt, len(shape)) + b"".join(struct.pack("<q", d) for d in shape)
            b += struct.pack("<Q", len(data)) + data
        b += struct.pack("<Q", len(nodes))
        for key, state, ins, outs in nodes:
            for s in (key, key, state):
                s = s if isinstance(s, bytes) else s.encode()
                b += struct.pack("<Q", len(s)) + s
            b += struct.pack("<Q", len(ins)) + b"".join(struct.pack("<Q", i) for i in ins)
            b += struct.pack("<Q", len(outs))
            for dt, shape in outs:
                b += struct.pack("<BQ", dt, len(shape)) + b"".join(struct.pack("<q", d) for d in shape)
            b += b"\0" + struct.pack("<Q", 0)
        b += struct.pack("<Q", len(outputs)) + b"".join(struct.pack("<Q", o) for o in outputs)
        return b

    F32 = 11
    add = struct.pack("<i", 0)  # BinaryOp::Add
    good = trace([(F32, [3]), (F32, [3])], [], [("Binary", add, [0, 1], [(F32, [3])])], [2])
    open(bad, "wb").write(with_body(raw, good))
    g = mx.import_function(bad)
    assert g(mx.ones(3), mx.ones(3))[0].tolist() == [2.0] * 3

    cases = {
        "uses value 5": trace([(F32, [3])] * 2, [], [("Binary", add, [0, 5], [(F32, [3])])], [2]),
        "before it is defined": trace([(F32, [3])] * 2, [], [("Binary", add, [0, 2], [(F32, [3])])], [2]),  # a cycle
        "not defined": trace([(F32, [3])] * 2, [], [("Binary", add, [0, 1], [(F32, [3])])], [9]),
        "dtype code": trace([(77, [3])] * 2, [], [], [0]),
        "dimension": trace([(F32, [-4])] * 2, [], [], [0]),
        "too many elements": trace([(F32, [1 << 30, 1 << 30])], [], [], [0]),
        "dimensions": trace([(F32, [1] * 100)], [], [], [0]),
        "not valid UTF-8": trace([(F32, [3])] * 2, [], [(b"\xff\xc0", b"", [0, 1], [(F32, [3])])], [2]),
        "unknown primitive": trace([(F32, [3])] * 2, [], [("Nope", b"", [0, 1], [(F32, [3])])], [2]),
        "enum value": trace([(F32, [3])] * 2, [], [("Binary", struct.pack("<i", 999), [0, 1], [(F32, [3])])], [2]),
        "trailing bytes": trace([(F32, [3])] * 2, [], [("Binary", add + b"x", [0, 1], [(F32, [3])])], [2]),
        "bytes instead of": trace([(F32, [3])], [(F32, [4], b"\0" * 8)], [], [1]),
        "input count": trace([(F32, [3])], [], [], [0], n_args=5),
        "no outputs": trace([(F32, [3])] * 2, [], [("Binary", add, [0, 1], [])], [0]),
    }
    for match, body in cases.items():
        open(bad, "wb").write(with_body(raw, body))
        with pytest.raises(RuntimeError, match=match):
            mx.import_function(bad)
    # Absurd counts: a length far past the end of the data.
    body = bytearray(good)
    body[0:8] = struct.pack("<Q", 1 << 62)
    open(bad, "wb").write(with_body(raw, bytes(body)))
    with pytest.raises(RuntimeError, match="exceeds the remaining data"):
        mx.import_function(bad)

    # Nodes whose parameters disagree with their inputs fail when called, before any kernel runs.
    call_cases = {
        "wrong number of inputs": ("Binary", add, [0], [(F32, [3])]),
        "different shapes": ("Binary", add, [0, 1], [(F32, [3])]),
        "output dtypes": ("Binary", add, [0, 0], [(8, [3])]),
        "changes the number": ("Reshape", struct.pack("<Q", 1) + struct.pack("<i", 7), [0], [(F32, [7])]),
        "bad axis": ("Reduce", struct.pack("<iQi", 0, 1, 4), [0], [(F32, [1])]),
        "outside its input": ("Slice", struct.pack("<QiQiQi", 1, 2, 1, 9, 1, 1), [0], [(F32, [7])]),
        "not a permutation": ("Transpose", struct.pack("<Q", 1) + struct.pack("<i", 3), [0], [(F32, [3])]),
    }
    for match, node in call_cases.items():
        body = trace([(F32, [3]), (F32, [4])], [], [node], [2], n_args=2)
        open(bad, "wb").write(with_body(raw, body))
        g = mx.import_function(bad)
        with pytest.raises(RuntimeError, match=match):
            g(mx.ones(3), mx.ones(4))


FUZZ_SCRIPT = textwrap.dedent("""
    import random, struct, sys
    import mlx.core as mx
    src, dst, iters, seed, fix = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1"
    raw = open(src, "rb").read()
    rng = random.Random(seed)

    sys.path.insert(0, sys.argv[6])
    from test_export_files import checksum

    outcomes = {"ok": 0, "error": 0}
    for _ in range(iters):
        data = bytearray(raw)
        kind = rng.random()
        if kind < 0.2:
            data = data[: rng.randrange(len(data))]
        else:
            for _ in range(rng.randint(1, 4)):
                pos = rng.randrange(28 if fix else 0, len(data))
                data[pos] = rng.randrange(256) if rng.random() < 0.5 else data[pos] ^ (1 << rng.randrange(8))
        if fix and len(data) >= 28:
            body = bytes(data[28:])
            data[12:28] = struct.pack("<QQ", len(body), checksum(body))
        open(dst, "wb").write(bytes(data))
        try:
            g = mx.import_function(dst)
            mx.eval(g(mx.ones((4, 3)), mx.ones((3, 2)), mx.array([2, 0])))
            outcomes["ok"] += 1
        except (ValueError, RuntimeError, IndexError, TypeError, MemoryError, OverflowError):
            outcomes["error"] += 1
    print(outcomes)
""")


@pytest.mark.parametrize("fix_checksum", [False, True])
def test_fuzzed_files_raise_or_work(tmp_path, fix_checksum):
    """Random byte flips and truncations: every file raises or imports, nothing crashes (the
    loop runs in a child process so that a crash fails the test instead of killing pytest)."""
    src = str(tmp_path / "src.mlxfn")
    fun = lambda x, w, i: (mx.softmax(x @ w, axis=-1)[i].sum(axis=0), mx.concatenate([x.T, x.T], axis=1).reshape(-1),
                           mx.transpose(x)[1:, ::2], x[:, :1] * 2 + mx.array(1.0))
    # With the checksum fixed the parser and the checks see the damage: a shapeless export
    # also exercises its shape rules.
    mx.export_function(src, fun, mx.ones((4, 3)), mx.ones((3, 2)), mx.array([2, 0]), shapeless=fix_checksum)
    script = tmp_path / "fuzz.py"
    script.write_text(FUZZ_SCRIPT)
    r = subprocess.run([sys.executable, str(script), src, str(tmp_path / "f.mlxfn"), "150", "1234" if fix_checksum else "99",
                        "1" if fix_checksum else "0", os.path.dirname(__file__)], capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert r.returncode == 0, r.stderr[-2000:]
    assert "'error'" in r.stdout


def test_file_read_by_another_process(tmp_path):
    path = str(tmp_path / "p.mlxfn")
    w = mx.array(np.arange(12, dtype=np.float32).reshape(3, 4))
    mx.export_function(path, lambda x, *, b: (mx.tanh(x @ w) + b, x.sum()), mx.ones((2, 3)), b=mx.ones((4,)))
    code = textwrap.dedent(f"""
        import mlx.core as mx, numpy as np
        g = mx.import_function({path!r})
        out = g(mx.full((2, 3), 0.5), b=mx.arange(4).astype(mx.float32))
        print(np.array(out[0]).round(5).tolist(), out[1].item())
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=dict(os.environ))
    assert r.returncode == 0, r.stderr[-2000:]
    x = mx.full((2, 3), 0.5)
    want = (mx.tanh(x @ w) + mx.arange(4).astype(mx.float32), x.sum())
    assert r.stdout.strip() == f"{np.array(want[0]).round(5).tolist()} {want[1].item()}"
