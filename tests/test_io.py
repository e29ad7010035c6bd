"""File IO round trips: .npy/.npz (against NumPy both ways), .safetensors, .gguf."""

import io
import json
import pathlib
import struct
import zipfile

import numpy as np
import pytest

import mlx.core as mx
from helpers import ALL_DTYPE_NAMES

GGUF_DTYPES = ["int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64"]


def sample(name, shape=(3, 4), seed=0):
    """A random mx array of dtype `name` and its NumPy twin (bfloat16 as float32)."""
    rng = np.random.default_rng(seed)
    if name == "bool_":
        x = rng.random(shape) > 0.5
    elif name.startswith(("uint", "int")):
        info = np.iinfo(getattr(np, name))
        x = rng.integers(info.min, info.max, size=shape, dtype=getattr(np, name), endpoint=True)
    elif name == "complex64":
        x = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex64)
    elif name == "bfloat16":
        a = mx.array(rng.standard_normal(shape).astype(np.float32)).astype(mx.bfloat16)
        return a, np.array(a.astype(mx.float32))
    else:
        x = (rng.standard_normal(shape) * 100).astype(getattr(np, name))
    return mx.array(x), x


def as_np(a):
    if a.dtype == mx.bfloat16:
        return np.array(a.astype(mx.float32))
    return np.array(a)


def assert_same(a, b):
    assert a.dtype == b.dtype
    assert a.shape == b.shape
    np.testing.assert_array_equal(as_np(a), as_np(b))


def layouts(name):
    """Row-major, transposed, strided, 0-d and empty arrays of a dtype."""
    a, _ = sample(name, (4, 6))
    return {
        "row": a,
        "transposed": a.T,
        "strided": a[::2, 1::3],
        "reversed": a[::-1],
        "broadcast": mx.broadcast_to(a[:1], (3, 6)),
        "scalar": a[1, 2],
        "empty": a[:0],
        "3d": a.reshape(2, 3, 4).transpose(1, 0, 2),
    }


# ---------------------------------------------------------------------------
# .npy
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_npy_round_trip_every_dtype_and_layout(tmp_path, name):
    for label, a in layouts(name).items():
        path = tmp_path / f"{label}.npy"
        mx.save(str(path), a)
        b = mx.load(str(path))
        assert_same(a, b)


@pytest.mark.parametrize("name", [n for n in ALL_DTYPE_NAMES if n != "bfloat16"])
def test_npy_numpy_reads_ours_and_we_read_numpy(tmp_path, name):
    for label, a in layouts(name).items():
        path = tmp_path / f"{label}.npy"
        mx.save(path, a)
        np.testing.assert_array_equal(np.load(path), np.array(a))
        assert np.load(path).dtype == np.array(a).dtype
    _, x = sample(name, (5, 3))
    for label, y in {"c": x, "f": np.asfortranarray(x), "scalar": x[0, 0].reshape(()),
                     "empty": x[:0], "1d": x[:, 0]}.items():
        path = tmp_path / f"np_{label}.npy"
        np.save(path, y)
        b = mx.load(str(path))
        assert b.shape == y.shape
        np.testing.assert_array_equal(np.array(b), y)


def test_npy_bfloat16_descr(tmp_path):
    a, _ = sample("bfloat16")
    mx.save(tmp_path / "b.npy", a)
    raw = (tmp_path / "b.npy").read_bytes()
    assert b"'descr': '<V2'" in raw
    # NumPy sees two-byte records holding the bfloat16 bits.
    bits = np.load(tmp_path / "b.npy").view(np.uint16)
    np.testing.assert_array_equal(bits, np.array(a.view(mx.uint16)))


def test_npy_fortran_order_written_by_numpy(tmp_path):
    x = np.asfortranarray(np.arange(24, dtype=np.int32).reshape(2, 3, 4))
    np.save(tmp_path / "f.npy", x)
    assert b"'fortran_order': True" in (tmp_path / "f.npy").read_bytes()
    b = mx.load(str(tmp_path / "f.npy"))
    np.testing.assert_array_equal(np.array(b), x)
    np.testing.assert_array_equal(np.array(b + 1), x + 1)
    np.testing.assert_array_equal(np.array(b.reshape(-1)), x.reshape(-1))


@pytest.mark.parametrize("dt", [">f8", ">i4", ">u2", ">c8", ">f2", ">i8"])
def test_npy_big_endian_is_byteswapped(tmp_path, dt):
    x = (np.arange(12).reshape(3, 4) * 3 - 7).astype(dt)
    if dt == ">c8":
        x = x + 1j * x[::-1]
    if dt == ">u2":
        x = np.arange(12, dtype=dt) * 1000
    np.save(tmp_path / "be.npy", x)
    b = mx.load(str(tmp_path / "be.npy"))
    np.testing.assert_array_equal(np.array(b), x.astype(x.dtype.newbyteorder("=")))


def test_npy_version_2_header(tmp_path):
    x = np.arange(6, dtype=np.float32)
    with open(tmp_path / "v2.npy", "wb") as f:
        np.lib.format.write_array(f, x, version=(2, 0))
    np.testing.assert_array_equal(np.array(mx.load(str(tmp_path / "v2.npy"))), x)


def test_npy_header_is_64_byte_aligned(tmp_path):
    for shape in [(), (1,), (3, 4), (2,) * 20]:
        mx.save(tmp_path / "a.npy", mx.zeros(shape))
        raw = (tmp_path / "a.npy").read_bytes()
        hlen = struct.unpack("<H", raw[8:10])[0]
        assert (10 + hlen) % 64 == 0
        assert raw[10 + hlen - 1:10 + hlen] == b"\n"


def test_save_appends_npy_extension(tmp_path):
    mx.save(str(tmp_path / "a"), mx.ones(2))
    mx.save(tmp_path / "b.txt", mx.ones(2))
    mx.save(tmp_path / "c.npy", mx.ones(2))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.npy", "b.txt.npy", "c.npy"]


def test_npy_file_objects(tmp_path):
    a, _ = sample("float32")
    b, _ = sample("int16", (2, 5), seed=3)
    buf = io.BytesIO()
    mx.save(buf, a)
    mx.save(buf, b.T)
    buf.seek(0)
    assert_same(mx.load(buf, format="npy"), a)
    assert_same(mx.load(buf, format="npy"), b.T)
    with open(tmp_path / "f.npy", "wb") as f:
        mx.save(f, a)
    with open(tmp_path / "f.npy", "rb") as f:
        assert_same(mx.load(f), a)  # format from the file's name
    np.testing.assert_array_equal(np.load(tmp_path / "f.npy"), np.array(a))


def test_load_bad_arguments(tmp_path):
    mx.save(tmp_path / "a.npy", mx.ones(2))
    with pytest.raises(ValueError, match="metadata"):
        mx.load(str(tmp_path / "a.npy"), return_metadata=True)
    with pytest.raises(ValueError, match="Unknown file format"):
        mx.load(str(tmp_path / "a.npy"), format="xyz")
    (tmp_path / "noext").write_bytes(b"")
    with pytest.raises(ValueError, match="infer"):
        mx.load(str(tmp_path / "noext"))
    with pytest.raises(RuntimeError, match="Failed to open"):
        mx.load(str(tmp_path / "missing.npy"))
    with pytest.raises(ValueError, match="binary mode"):
        mx.load(3)
    with open(tmp_path / "a.npy", "r") as f, pytest.raises(ValueError, match="binary mode"):
        mx.load(f)
    with pytest.raises(ValueError, match="infer"):
        mx.load(io.BytesIO(b""))
    with pytest.raises(TypeError, match="arr must be an mlx.core.array"):
        mx.save(str(tmp_path / "x.npy"), np.ones(3))
    with pytest.raises(TypeError, match="file must be a path"):
        mx.save(3, mx.ones(3))


# ---------------------------------------------------------------------------
# .npz
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("saver", [mx.savez, mx.savez_compressed])
def test_npz_round_trip_every_dtype(tmp_path, saver):
    arrays = {}
    for name in ALL_DTYPE_NAMES:
        for label, a in layouts(name).items():
            arrays[f"{name}_{label}"] = a
    saver(str(tmp_path / "all"), **arrays)
    loaded = mx.load(str(tmp_path / "all.npz"))
    assert set(loaded) == set(arrays)
    for k in arrays:
        assert_same(arrays[k], loaded[k])
    expected = zipfile.ZIP_DEFLATED if saver is mx.savez_compressed else zipfile.ZIP_STORED
    with zipfile.ZipFile(tmp_path / "all.npz") as z:
        assert {i.compress_type for i in z.infolist()} == {expected}
    # NumPy reads it (bfloat16 aside, which NumPy sees as raw two-byte records).
    with np.load(tmp_path / "all.npz") as npz:
        for k, a in arrays.items():
            if a.dtype != mx.bfloat16:
                np.testing.assert_array_equal(npz[k], np.array(a))


def test_npz_positional_names_and_numpy_files(tmp_path):
    a, x = sample("float32")
    b, y = sample("int64", (5,))
    mx.savez(tmp_path / "p.npz", a, b, named=a)
    d = mx.load(str(tmp_path / "p.npz"))
    assert sorted(d) == ["arr_0", "arr_1", "named"]
    np.savez(tmp_path / "n.npz", x, y=np.asfortranarray(np.ones((3, 2))), z=y.astype(">i8"))
    np.savez_compressed(tmp_path / "nc.npz", x, y=y)
    for f in ["n.npz", "nc.npz"]:
        d = mx.load(str(tmp_path / f))
        with np.load(tmp_path / f) as ref:
            assert sorted(d) == sorted(ref.files)
            for k in ref.files:
                np.testing.assert_array_equal(np.array(d[k]), ref[k])
    with pytest.raises(ValueError, match="arr_0"):
        mx.savez(tmp_path / "bad.npz", a, arr_0=a)
    with pytest.raises(TypeError, match="must be an mlx.core.array"):
        mx.savez(tmp_path / "bad.npz", 3)


def test_npz_file_objects():
    a, _ = sample("float16")
    buf = io.BytesIO()
    mx.savez_compressed(buf, w=a)
    buf.seek(0)
    assert_same(mx.load(buf, format="npz")["w"], a)
    with pytest.raises(ValueError, match="metadata"):
        mx.load(buf, format="npz", return_metadata=True)


# ---------------------------------------------------------------------------
# .safetensors
# ---------------------------------------------------------------------------

def read_safetensors_header(path):
    raw = pathlib.Path(path).read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    return json.loads(raw[8:8 + n]), raw[8 + n:], n


def test_safetensors_round_trip_every_dtype_and_layout(tmp_path):
    arrays = {}
    for name in ALL_DTYPE_NAMES:
        for label, a in layouts(name).items():
            arrays[f"{name}.{label}"] = a
    meta = {"format": "mlx", "note": 'quotes " and \\ and \n and \u00e9 \U0001f600'}
    mx.save_safetensors(str(tmp_path / "m"), arrays, metadata=meta)
    loaded, got_meta = mx.load(str(tmp_path / "m.safetensors"), return_metadata=True)
    assert got_meta == meta
    assert list(loaded) == list(arrays)
    for k in arrays:
        assert_same(arrays[k], loaded[k])


def test_safetensors_layout_follows_the_spec(tmp_path):
    """Checked against the format description: u64 header size, JSON header with dtype,
    shape and data_offsets relative to the data section, contiguous row-major bytes, the
    header padded with spaces to 8 bytes, __metadata__ a str -> str map."""
    a = mx.arange(12, dtype=mx.int32).reshape(3, 4)
    b = mx.array([1.0, 2.0], mx.bfloat16)
    mx.save_safetensors(tmp_path / "s.safetensors", {"a": a.T, "b": b}, {"k": "v"})
    header, data, n = read_safetensors_header(tmp_path / "s.safetensors")
    assert n % 8 == 0
    assert header["__metadata__"] == {"k": "v"}
    assert header["a"] == {"dtype": "I32", "shape": [4, 3], "data_offsets": [0, 48]}
    assert header["b"] == {"dtype": "BF16", "shape": [2], "data_offsets": [48, 52]}
    assert len(data) == 52
    np.testing.assert_array_equal(np.frombuffer(data[:48], "<i4").reshape(4, 3), np.array(a.T))
    np.testing.assert_array_equal(np.frombuffer(data[48:], "<u2"), np.array(b.view(mx.uint16)))
    # Without metadata the key is left out, and loading gives {}.
    mx.save_safetensors(tmp_path / "n.safetensors", {"a": a})
    header, _, _ = read_safetensors_header(tmp_path / "n.safetensors")
    assert "__metadata__" not in header
    assert mx.load(str(tmp_path / "n.safetensors"), return_metadata=True)[1] == {}


def write_safetensors(path, header, data):
    h = json.dumps(header).encode()
    pathlib.Path(path).write_bytes(struct.pack("<Q", len(h)) + h + data)


def test_safetensors_written_by_hand(tmp_path):
    """A file laid out by the spec (keys in any order, null metadata) loads."""
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    y = np.array([True, False, True])
    write_safetensors(tmp_path / "h.safetensors",
                      {"y": {"shape": [3], "dtype": "BOOL", "data_offsets": [24, 27]},
                       "__metadata__": None,
                       "x": {"data_offsets": [0, 24], "dtype": "F32", "shape": [2, 3]}},
                      x.tobytes() + y.tobytes())
    d, meta = mx.load(str(tmp_path / "h.safetensors"), return_metadata=True)
    assert meta == {}
    np.testing.assert_array_equal(np.array(d["x"]), x)
    np.testing.assert_array_equal(np.array(d["y"]), y)


def test_safetensors_file_objects_and_errors(tmp_path):
    a, _ = sample("complex64")
    buf = io.BytesIO()
    mx.save_safetensors(buf, {"a": a}, {"m": "1"})
    buf.seek(0)
    d, m = mx.load(buf, format="safetensors", return_metadata=True)
    assert_same(d["a"], a)
    assert m == {"m": "1"}
    with pytest.raises(ValueError, match="Metadata must be a dictionary"):
        mx.save_safetensors(tmp_path / "x", {"a": a}, {"k": 3})
    with pytest.raises(TypeError, match="must be an mlx.core.array"):
        mx.save_safetensors(tmp_path / "x", {"a": 3})
    with pytest.raises(TypeError, match="names must be str"):
        mx.save_safetensors(tmp_path / "x", {1: a})
    assert not (tmp_path / "x.safetensors").exists()


# ---------------------------------------------------------------------------
# .gguf
# ---------------------------------------------------------------------------

def test_gguf_round_trip_dtypes_and_layouts(tmp_path):
    arrays = {}
    for name in GGUF_DTYPES:
        for label, a in layouts(name).items():
            arrays[f"{name}.{label}"] = a
    meta = {
        "general.name": "tést",
        "tokens": ["a", "", "ü" * 3],
        "empty_list": [],
        "i": mx.array(3),
        "f": mx.array(2.5),
        "b": mx.array(True),
        "vec": mx.array([1, 2, 3], mx.int64),
        "vecf": mx.array([1.5, -2.5], mx.float32),
        "d": mx.array(0.1, mx.float64),
    }
    for n in ["uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64"]:
        meta["t_" + n] = mx.array(7, getattr(mx, n))
    mx.save_gguf(str(tmp_path / "m"), arrays, meta)
    loaded, got = mx.load(str(tmp_path / "m.gguf"), return_metadata=True)
    assert list(loaded) == list(arrays)
    for k in arrays:
        assert_same(arrays[k], loaded[k])
    assert list(got) == list(meta)
    for k, v in meta.items():
        if isinstance(v, mx.array):
            assert_same(v, got[k])
        else:
            assert got[k] == v
    assert mx.load(str(tmp_path / "m.gguf")).keys() == loaded.keys()


def test_gguf_layout_follows_the_spec(tmp_path):
    a = mx.arange(6, dtype=mx.float32).reshape(2, 3)
    mx.save_gguf(tmp_path / "g.gguf", {"a": a}, {"k": "v"})
    raw = (tmp_path / "g.gguf").read_bytes()
    assert raw[:4] == b"GGUF"
    version, n_t, n_kv = struct.unpack("<IQQ", raw[4:24])
    assert (version, n_t, n_kv) == (3, 1, 1)
    p = 24
    klen = struct.unpack("<Q", raw[p:p + 8])[0]
    assert raw[p + 8:p + 8 + klen] == b"k"
    p += 8 + klen
    assert struct.unpack("<IQ", raw[p:p + 12]) == (8, 1)
    p += 12 + 1
    nlen = struct.unpack("<Q", raw[p:p + 8])[0]
    p += 8 + nlen
    nd, d0, d1, ty, off = struct.unpack("<IQQIQ", raw[p:p + 32])
    assert (nd, d0, d1, ty, off) == (2, 3, 2, 0, 0)  # dims innermost first, F32
    start = (p + 32 + 31) // 32 * 32
    np.testing.assert_array_equal(np.frombuffer(raw[start:start + 24], "<f4"), np.arange(6))


def test_gguf_errors(tmp_path):
    with pytest.raises(RuntimeError, match="uint8"):
        mx.save_gguf(tmp_path / "x", {"a": mx.ones(2, mx.uint8)})
    with pytest.raises(RuntimeError, match="complex64"):
        mx.save_gguf(tmp_path / "x", {"a": mx.ones(2, mx.complex64)})
    with pytest.raises(ValueError, match="float16"):
        mx.save_gguf(tmp_path / "x", {}, {"m": mx.array(1, mx.float16)})
    with pytest.raises(RuntimeError, match="dimensions"):
        mx.save_gguf(tmp_path / "x", {}, {"m": mx.ones((2, 2))})
    with pytest.raises(TypeError, match="list must hold only str"):
        mx.save_gguf(tmp_path / "x", {}, {"m": [1, 2]})
    with pytest.raises(TypeError, match="must be an array, a str or a list of str"):
        mx.save_gguf(tmp_path / "x", {}, {"m": 3})
    assert not (tmp_path / "x.gguf").exists()


def test_gguf_file_object():
    a, _ = sample("float16")
    buf = io.BytesIO()
    mx.save_gguf(buf, {"a": a}, {"s": "x"})
    buf.seek(0)
    d, m = mx.load(buf, format="gguf", return_metadata=True)
    assert_same(d["a"], a)
    assert m == {"s": "x"}


def test_lazy_inputs_are_evaluated_before_saving(tmp_path):
    a = mx.arange(10, dtype=mx.float32) * 2 + 1
    mx.save(tmp_path / "a.npy", a)
    mx.save_safetensors(tmp_path / "a", {"a": a})
    mx.save_gguf(tmp_path / "a", {"a": a})
    mx.savez(tmp_path / "a", a=a)
    expect = np.arange(10, dtype=np.float32) * 2 + 1
    np.testing.assert_array_equal(np.array(mx.load(str(tmp_path / "a.npy"))), expect)
    for f in ["a.safetensors", "a.gguf", "a.npz"]:
        np.testing.assert_array_equal(np.array(mx.load(str(tmp_path / f))["a"]), expect)


def test_npy_bfloat16_from_ml_dtypes(tmp_path):
    ml_dtypes = pytest.importorskip("ml_dtypes")
    x = (np.arange(12) - 5.5).astype(ml_dtypes.bfloat16).reshape(3, 4)
    np.save(tmp_path / "b.npy", x)
    b = mx.load(str(tmp_path / "b.npy"))
    assert b.dtype == mx.bfloat16
    np.testing.assert_array_equal(np.array(b.astype(mx.float32)), x.astype(np.float32))


def test_save_preallocation_does_not_change_the_file(tmp_path):
    # Large enough for the writer to preallocate; the file must still be exactly the data.
    a = mx.arange(1 << 19, dtype=mx.float32)
    mx.save(tmp_path / "a.npy", a)
    assert (tmp_path / "a.npy").stat().st_size == 128 + a.nbytes
    mx.save_safetensors(tmp_path / "a", {"a": a})
    header, data, _ = read_safetensors_header(tmp_path / "a.safetensors")
    assert len(data) == a.nbytes
    np.testing.assert_array_equal(np.array(mx.load(str(tmp_path / "a.npy"))), np.array(a))


class _Unseekable(io.RawIOBase):
    """A read-only stream that cannot seek (as a pipe)."""

    def __init__(self, data):
        self._b = io.BytesIO(data)

    def readable(self):
        return True

    def seekable(self):
        return False

    def readinto(self, b):
        return self._b.readinto(b)


@pytest.mark.parametrize("fmt", ["npy", "safetensors", "gguf"])
def test_load_from_a_stream_that_cannot_seek(fmt):
    a, _ = sample("int32")
    buf = io.BytesIO()
    if fmt == "npy":
        mx.save(buf, a)
    elif fmt == "safetensors":
        mx.save_safetensors(buf, {"a": a})
    else:
        mx.save_gguf(buf, {"a": a})
    r = mx.load(io.BufferedReader(_Unseekable(buf.getvalue())), format=fmt)
    assert_same(r if fmt == "npy" else r["a"], a)
