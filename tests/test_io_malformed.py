"""Malformed, truncated and lying files: every one raises (RuntimeError when the content is
wrong, as the reference), never crashes, never allocates what a header claims beyond the
file."""

import io
import json
import struct
import zipfile

import numpy as np
import pytest

import mlx.core as mx

ERRORS = (ValueError, RuntimeError)


def load_bytes(tmp_path, data, ext, **kw):
    path = tmp_path / f"bad.{ext}"
    path.write_bytes(data)
    return mx.load(str(path), **kw)


def raises(tmp_path, data, ext, match=None, exc=RuntimeError):
    with pytest.raises(exc, match=match):
        load_bytes(tmp_path, data, ext)
    # The same through a file object.
    with pytest.raises(exc, match=match):
        mx.load(io.BytesIO(data), format=ext)


# ---------------------------------------------------------------------------
# .npy
# ---------------------------------------------------------------------------

def npy(header, data=b"", version=1, magic=b"\x93NUMPY"):
    h = header.encode() if isinstance(header, str) else header
    if version == 1:
        return magic + bytes([1, 0]) + struct.pack("<H", len(h)) + h + data
    return magic + bytes([version, 0]) + struct.pack("<I", len(h)) + h + data


def hdr(descr="'<f4'", order="False", shape="(2,)"):
    return "{'descr': %s, 'fortran_order': %s, 'shape': %s, }\n" % (descr, order, shape)


def test_npy_valid_baseline(tmp_path):
    a = load_bytes(tmp_path, npy(hdr(), struct.pack("<2f", 1, 2)), "npy")
    np.testing.assert_array_equal(np.array(a), [1, 2])


@pytest.mark.parametrize("data,match", [
    (b"", "too short"),
    (b"\x93NUMP", "too short"),
    (b"\x93NUMPX\x01\x00\x10\x00" + b" " * 16, "magic"),
    (b"PK\x03\x04" + b"\x00" * 40, "magic"),
    (npy(hdr(), version=9), "version"),
    (b"\x93NUMPY\x01\x00\xff\xff{}", "past the end"),
    (b"\x93NUMPY\x02\x00\xff\xff\xff\xff{}", "past the end"),
    (npy(hdr(shape="(1099511627776,)")), "too large"),
    (npy(hdr(shape="(2147483647, 2147483647, 2147483647, 2147483647)")), "too large|claims"),
    (npy(hdr(shape="(4611686018427387904, 4)")), "too large"),
    (npy(hdr(shape="(-1,)")), "negative"),
    (npy(hdr(shape="(2, -3)")), "negative"),
    (npy(hdr(shape="(2.5,)")), "Malformed"),
    (npy(hdr(shape="(3,)"), struct.pack("<2f", 1, 2)), "claims 12 bytes"),
    (npy(hdr(shape="(1000000, 1000)"), b"\x00" * 64), "claims"),
    (npy(hdr(descr="'<f16'")), "Unsupported dtype"),
    (npy(hdr(descr="'<c16'")), "Unsupported dtype"),
    (npy(hdr(descr="'|O'")), "Unsupported dtype"),
    (npy(hdr(descr="'<U5'")), "Unsupported dtype"),
    (npy(hdr(descr="[('a', '<f4')]")), "Structured"),
    (npy(hdr(order="Maybe")), "fortran_order"),
    (npy("{'descr': '<f4', 'shape': (2,), }\n", b"\x00" * 8), "must have"),
    (npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", b"\x00" * 8), "unexpected key"),
    (npy("{'descr': '<f4, 'fortran_order': False, 'shape': (2,)}", b"\x00" * 8), "Malformed|Unsupported"),
    (npy("garbage", b"\x00" * 8), "Malformed"),
    (npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,", b"\x00" * 8), "Malformed"),
    (npy(""), "Malformed"),
])
def test_npy_malformed(tmp_path, data, match):
    raises(tmp_path, data, "npy", match)


def test_npy_truncated_anywhere(tmp_path):
    buf = io.BytesIO()
    mx.save(buf, mx.arange(12, dtype=mx.float32).reshape(3, 4))
    good = buf.getvalue()
    for cut in list(range(0, 80, 3)) + list(range(len(good) - 48, len(good))):
        raises(tmp_path, good[:cut], "npy")


# ---------------------------------------------------------------------------
# .npz
# ---------------------------------------------------------------------------

def test_npz_not_a_zip(tmp_path):
    raises(tmp_path, b"this is not a zip file at all", "npz", "zip", exc=ValueError)


def test_npz_with_a_bad_member(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.npy", npy(hdr(shape="(100,)"), b"\x00" * 8))
    raises(tmp_path, buf.getvalue(), "npz", "claims")


def test_npz_member_claiming_an_impossible_size(tmp_path):
    buf = io.BytesIO()
    mx.savez_compressed(buf, a=mx.zeros(1000))
    raw = bytearray(buf.getvalue())
    cd = raw.rfind(b"PK\x01\x02")
    # The central directory's uncompressed size field: claim ~4 GB.
    raw[cd + 24:cd + 28] = struct.pack("<I", 0xFFFFFF00)
    raises(tmp_path, bytes(raw), "npz", "impossible size")


def test_npz_corrupt_compressed_data(tmp_path):
    buf = io.BytesIO()
    mx.savez_compressed(buf, a=mx.arange(1000))
    raw = bytearray(buf.getvalue())
    start = raw.find(b"a.npy") + len("a.npy")
    for k in range(start + 10, start + 60):
        raw[k] ^= 0x5A
    with pytest.raises(ERRORS):
        load_bytes(tmp_path, bytes(raw), "npz")


# ---------------------------------------------------------------------------
# .safetensors
# ---------------------------------------------------------------------------

def st(header, data=b"", raw_header=None):
    h = raw_header if raw_header is not None else json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + data


def T(dtype="F32", shape=(2,), offsets=(0, 8)):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}


def test_safetensors_valid_baseline(tmp_path):
    d = load_bytes(tmp_path, st({"a": T()}, struct.pack("<2f", 1, 2)), "safetensors")
    np.testing.assert_array_equal(np.array(d["a"]), [1, 2])


@pytest.mark.parametrize("data,match", [
    (b"", "too short"),
    (b"\x05\x00\x00", "too short"),
    (struct.pack("<Q", 2**63) + b"{}", "past the end"),
    (struct.pack("<Q", 2**64 - 1) + b"{}", "past the end"),
    (struct.pack("<Q", 100) + b"{}", "past the end"),
    (st(None, raw_header=b"{"), "Invalid JSON"),
    (st(None, raw_header=b'{"a": }'), "Invalid JSON"),
    (st(None, raw_header=b'{"a": {"dtype": "F32"}} trailing'), "Invalid JSON"),
    (st(None, raw_header=b'{"a\xff": {}}'), "UTF-8"),
    (st(None, raw_header=b'{"a\xc0\x80": {}}'), "UTF-8"),
    (st(None, raw_header=b'{"a": "\\ud800"}'), "surrogate"),
    (st(None, raw_header=b'{"a": 1, "a": 2}'), "duplicate"),
    (st(None, raw_header=b"[" * 100000 + b"]" * 100000), "deep"),
    (st(None, raw_header=b'"a string"'), "JSON object"),
    (st(None, raw_header=b"[]"), "JSON object"),
    (st({"a": 3}), "object"),
    (st({"a": {"dtype": "F32", "shape": [2]}}), "needs dtype"),
    (st({"a": T(dtype="F8_E5M2", offsets=(0, 2))}, b"\x00" * 2), "unsupported dtype"),
    (st({"a": T(dtype="XYZ")}, b"\x00" * 8), "unsupported dtype"),
    (st({"a": T(dtype=5)}, b"\x00" * 8), "dtype must be a string"),
    (st({"a": T(shape=(-2,))}, b"\x00" * 8), "non-negative"),
    (st({"a": T(shape=(2.0,))}, b"\x00" * 8), "non-negative"),
    (st({"a": T(shape=("2",))}, b"\x00" * 8), "non-negative"),
    (st({"a": {"dtype": "F32", "shape": 2, "data_offsets": [0, 8]}}, b"\x00" * 8), "shape must be a list"),
    (st({"a": T(shape=(2**40,), offsets=(0, 2**42))}), "too large"),
    (st({"a": T(shape=(2**31 - 1,) * 3, offsets=(0, 8))}, b"\x00" * 8), "too large"),
    (st({"a": T(shape=(2**31 - 1,) * 4, offsets=(0, 8))}, b"\x00" * 8), "too large"),
    (st({"a": T(shape=(2**20, 2**20), offsets=(0, 2**42))}, b"\x00" * 8), "past the end"),
    (st({"a": T(offsets=(0, 8))}, b"\x00" * 4), "past the end"),
    (st({"a": T(offsets=(2**64 - 16, 2**64 - 8))}, b"\x00" * 8), "past the end"),
    (st({"a": T(offsets=(8, 0))}, b"\x00" * 8), "end before"),
    (st({"a": T(offsets=(0, 12))}, b"\x00" * 12), "need 8"),
    (st({"a": T(offsets=(-8, 0))}, b"\x00" * 8), "non-negative"),
    (st({"a": T(offsets=(0, 8, 16))}, b"\x00" * 16), "two non-negative"),
    (st({"a": T(offsets=(0.0, 8))}, b"\x00" * 8), "two non-negative"),
    (st({"a": T(offsets=(0, 8)), "b": T(offsets=(4, 12))}, b"\x00" * 12), "overlap"),
    (st({"a": T(offsets=(0, 8)), "b": T(offsets=(0, 8))}, b"\x00" * 8), "overlap"),
    (st({"__metadata__": {"k": 1}}), "must be a string"),
    (st({"__metadata__": ["k"]}), "__metadata__"),
])
def test_safetensors_malformed(tmp_path, data, match):
    raises(tmp_path, data, "safetensors", match)


def test_safetensors_truncated_anywhere(tmp_path):
    buf = io.BytesIO()
    mx.save_safetensors(buf, {"a": mx.arange(10), "b": mx.ones((2, 3))}, {"m": "x"})
    good = buf.getvalue()
    for cut in range(len(good)):
        raises(tmp_path, good[:cut], "safetensors")


# ---------------------------------------------------------------------------
# .gguf
# ---------------------------------------------------------------------------

def gs(s):
    s = s.encode() if isinstance(s, str) else s
    return struct.pack("<Q", len(s)) + s


def gguf(kvs=b"", n_kv=0, infos=b"", n_t=0, data=b"", version=3, align=32, magic=b"GGUF"):
    head = magic + struct.pack("<IQQ", version, n_t, n_kv) + kvs + infos
    pad = b"\x00" * ((-len(head)) % align)
    return head + pad + data


def info(name="t", dims=(2,), ty=0, off=0):
    return gs(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims) + \
        struct.pack("<IQ", ty, off)


def test_gguf_valid_baseline(tmp_path):
    d, m = mx.load(io.BytesIO(gguf(gs("k") + struct.pack("<I", 5) + struct.pack("<i", -3), 1,
                                   info(dims=(3, 2)), 1, struct.pack("<6f", *range(6)))),
                   format="gguf", return_metadata=True)
    np.testing.assert_array_equal(np.array(d["t"]), np.arange(6).reshape(2, 3))
    assert m["k"].item() == -3 and m["k"].dtype == mx.int32


@pytest.mark.parametrize("data,match", [
    (b"", "too short"),
    (b"GGUF" + b"\x00" * 10, "too short"),
    (gguf(magic=b"GGML"), "magic"),
    (gguf(version=1), "version"),
    (gguf(version=99), "version"),
    (gguf(version=0x03000000), "Big-endian"),
    (gguf(n_kv=2**63), "Metadata count"),
    (gguf(n_kv=10**6), "Metadata count"),
    (gguf(n_t=2**64 - 1), "Tensor count"),
    (gguf(gs("k")[:8], 1), "end of file|past the end|Metadata count"),
    (gguf(struct.pack("<Q", 2**62) + b"k" * 20, 1), "String length"),
    (gguf(gs("k") + struct.pack("<I", 8) + struct.pack("<Q", 2**40) + b"x" * 8, 1), "String length"),
    (gguf(gs("k") + struct.pack("<I", 13) + b"\x00" * 8, 1), "unknown value type"),
    (gguf(gs("k") + struct.pack("<IIQ", 9, 8, 2**60) + b"\x00" * 16, 1), "array length"),
    (gguf(gs("k") + struct.pack("<IIQ", 9, 5, 2**60) + b"\x00" * 16, 1), "array length"),
    (gguf(gs("k") + struct.pack("<IIQ", 9, 10, 2**20) + b"\x00" * 16, 1), "array length"),
    (gguf(gs("k") + struct.pack("<IIQ", 9, 9, 1) + struct.pack("<IQ", 5, 1) + b"\x00" * 8, 1), "nested"),
    (gguf(gs("k") + struct.pack("<IIQ", 9, 99, 1) + b"\x00" * 8, 1), "unknown array element"),
    (gguf(gs("general.alignment") + struct.pack("<II", 4, 0) + b"\x00" * 8, 1), "power of two"),
    (gguf(gs("general.alignment") + struct.pack("<II", 4, 24) + b"\x00" * 8, 1), "power of two"),
    (gguf(gs("general.alignment") + struct.pack("<Ii", 5, 32) + b"\x00" * 8, 1), "uint32"),
    (gguf(infos=info(dims=(1,) * 17), n_t=1, data=b"\x00" * 64), "dimensions"),
    (gguf(infos=info(dims=(2**40,)), n_t=1), "too large"),
    (gguf(infos=info(dims=(2**31 - 1,) * 4), n_t=1), "too large"),
    (gguf(infos=info(dims=(2**20, 2**20)), n_t=1, data=b"\x00" * 8), "past the end"),
    (gguf(infos=info(ty=2), n_t=1, data=b"\x00" * 64), "Q4_0"),
    (gguf(infos=info(ty=12), n_t=1, data=b"\x00" * 64), "Q4_K"),
    (gguf(infos=info(ty=999), n_t=1, data=b"\x00" * 64), "unknown"),
    (gguf(infos=info(off=2**64 - 4), n_t=1, data=b"\x00" * 64), "past the end"),
    (gguf(infos=info(off=60), n_t=1, data=b"\x00" * 64), "past the end"),
    (gguf(infos=info(), n_t=1), "past the end"),
    (gguf(infos=info("a") + info("b", off=4), n_t=2, data=b"\x00" * 64), "overlap"),
    (gguf(infos=info()[:-4], n_t=1), "end of file|past the end"),
])
def test_gguf_malformed(tmp_path, data, match):
    raises(tmp_path, data, "gguf", match)


def test_gguf_truncated_anywhere(tmp_path):
    buf = io.BytesIO()
    mx.save_gguf(buf, {"a": mx.arange(10), "b": mx.ones((2, 3))},
                 {"s": "x", "l": ["a", "b"], "v": mx.array([1, 2])})
    good = buf.getvalue()
    end = good.rfind(struct.pack("<f", 1.0)) + 4  # last byte of the last tensor
    for cut in range(end):
        raises(tmp_path, good[:cut], "gguf")


# ---------------------------------------------------------------------------
# Random corruption never crashes
# ---------------------------------------------------------------------------

def valid_files():
    out = {}
    arrays = {"a": mx.arange(50, dtype=mx.float32).reshape(5, 10), "b": mx.array([1, 2, 3], mx.int16)}
    for fmt, save in [("safetensors", lambda f: mx.save_safetensors(f, arrays, {"k": "v"})),
                      ("gguf", lambda f: mx.save_gguf(f, arrays, {"k": "v", "l": ["x"], "n": mx.array([1, 2])})),
                      ("npy", lambda f: mx.save(f, arrays["a"])),
                      ("npz", lambda f: mx.savez_compressed(f, **arrays))]:
        buf = io.BytesIO()
        save(buf)
        out[fmt] = buf.getvalue()
    return out


@pytest.mark.parametrize("fmt", ["npy", "safetensors", "gguf", "npz"])
def test_random_corruption_raises_or_loads(fmt):
    good = valid_files()[fmt]
    rng = np.random.default_rng(1234)
    for _ in range(300):
        raw = bytearray(good)
        n = int(rng.integers(1, 4))
        for pos in rng.integers(0, min(len(raw), 400), size=n):
            raw[pos] = int(rng.integers(0, 256))
        try:
            r = mx.load(io.BytesIO(bytes(raw)), format=fmt)
        except ERRORS:
            continue
        # Whatever loaded is usable.
        for a in (r.values() if isinstance(r, dict) else [r]):
            mx.eval(a.sum())
