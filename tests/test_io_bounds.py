"""Bounds of the file readers: nothing a header or zip directory claims is allocated before it
is checked against the file; duplicate entries are read once; GGUF metadata stays small; the
formats' less common types (safetensors F8, GGUF Q4_0/Q4_1/Q8_0) load as the reference loads
them. The malicious files are built here."""

import io
import json
import struct
import zlib

import numpy as np
import pytest

import mlx.core as mx


def npy_bytes(a):
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


def npy_header(shape, descr="<f4"):
    h = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, repr(tuple(shape)))
    h = h + " " * ((-(len(h) + 11)) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode()


def zip_bytes(members):
    """A zip archive of (name, stored bytes, method, crc, file_size, compress_size) members, any
    field free to lie; several directory entries may name the same local header through
    ("@", index_of_member, name)."""
    local, offsets, cd_fields = b"", [], []
    for m in members:
        if m[0] == "@":
            cd_fields.append((m[2].encode(),) + cd_fields[m[1]][1:])
            continue
        name, data, method, crc, fsize, csize = m
        nm = name.encode()
        offsets.append(len(local))
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, crc,
                             csize & 0xFFFFFFFF, fsize & 0xFFFFFFFF, len(nm), 0) + nm + data
        cd_fields.append((nm, method, crc, csize, fsize, offsets[-1]))
    cd = b""
    for nm, method, crc, csize, fsize, off in cd_fields:
        extra = b""
        c32, f32 = csize, fsize
        if csize >= 0xFFFFFFFF or fsize >= 0xFFFFFFFF:
            extra = struct.pack("<HHQQ", 1, 16, fsize, csize)
            c32 = f32 = 0xFFFFFFFF
        cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, method, 0, 0, crc, c32, f32,
                          len(nm), len(extra), 0, 0, 0, 0, off) + nm + extra
    n = len(cd_fields)
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(cd), len(local), 0)
    return local + cd + eocd


def deflate(data):
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def load_peak(data, fmt, **kw):
    """Loads `data` (expecting RuntimeError) and returns the peak of allocator memory."""
    mx.eval(mx.zeros(1))
    mx.clear_cache()
    mx.reset_peak_memory()
    with pytest.raises(RuntimeError):
        mx.load(io.BytesIO(data), format=fmt, **kw)
    return mx.get_peak_memory()


# ---------------------------------------------------------------------------
# .npz: claimed sizes against the archive
# ---------------------------------------------------------------------------

def test_npz_stored_member_larger_than_its_bytes(tmp_path):
    # A 2 GB array claimed by a stored member that holds a header and 16 bytes.
    body = npy_header((1 << 29,)) + b"\x00" * 16
    claim = (1 << 31) + len(body)
    data = zip_bytes([("a.npy", body, 0, zlib.crc32(body), claim, len(body))])
    assert len(data) < 300
    assert load_peak(data, "npz") < (1 << 20)
    path = tmp_path / "lie.npz"
    path.write_bytes(data)
    with pytest.raises(RuntimeError, match="load_npz"):
        mx.load(str(path))


def test_npz_compressed_size_past_the_archive():
    # A deflated member whose sizes claim 1 GB compressed (past the file's end) and 1 TB out:
    # the ratio check alone passes it. The stream is valid (and unfinished) for 16 KB.
    header = npy_header((1 << 19, 1 << 19))
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    noise = np.random.default_rng(2).integers(0, 256, 16384, dtype=np.uint8).tobytes()
    body = c.compress(header + noise) + c.flush(zlib.Z_SYNC_FLUSH)
    data = zip_bytes([("a.npy", body, 8, 0, (1 << 40) + len(header), 1 << 30)])
    assert load_peak(data, "npz") < (1 << 20)


def test_npz_deflated_member_inflates_less_than_it_claims():
    # An honest compressed size (1.1 MB of incompressible bytes) whose npy header and file size
    # claim 1 GB: the data that comes out is what memory follows, not the claim.
    rng = np.random.default_rng(0)
    body = npy_header((1 << 28,)) + rng.integers(0, 256, 1_100_000, dtype=np.uint8).tobytes()
    comp = deflate(body)
    claim = (1 << 30) + 128
    data = zip_bytes([("a.npy", comp, 8, zlib.crc32(body), claim, len(comp))])
    assert load_peak(data, "npz") < (64 << 20)


def test_npz_impossible_deflate_ratio():
    body = deflate(npy_header((4,)) + b"\x00" * 16)
    data = zip_bytes([("a.npy", body, 8, 0, 1 << 33, len(body))])
    assert load_peak(data, "npz") < (1 << 20)


def test_npz_compressed_members_still_load(tmp_path):
    rng = np.random.default_rng(1)
    arrays = {"big": rng.standard_normal((3000, 2000)).astype(np.float32),
              "zeros": np.zeros((4000, 1000), np.int16), "empty": np.zeros((0, 3)),
              # Compresses ~1000x: inflated into memory that grows (16, 32, then 40 MB).
              "pattern": (np.arange(40 << 20) % 7).astype(np.int8),
              "b": np.array([True, False])}
    path = tmp_path / "c.npz"
    np.savez_compressed(path, **arrays)
    out = mx.load(str(path))
    assert sorted(out) == sorted(arrays)
    for k, v in arrays.items():
        assert np.array(out[k]).dtype == v.dtype
        np.testing.assert_array_equal(np.array(out[k]), v)


class CountingBytesIO(io.BytesIO):
    def __init__(self, data):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, n=-1):
        b = super().read(n)
        self.bytes_read += len(b)
        return b

    def readinto(self, b):
        k = super().readinto(b)
        self.bytes_read += k
        return k


def test_npz_duplicate_entries_read_once():
    # 16 directory entries naming one 8 MB member: the last entry of a name is what the dict
    # keeps, so it is the only one read.
    body = npy_bytes(np.arange(2 << 20, dtype=np.float32))
    crc = zlib.crc32(body)
    members = [("a.npy", body, 0, crc, len(body), len(body))] + [("@", 0, "a.npy")] * 15
    members += [("b.npy", npy_bytes(np.arange(3)), 0, zlib.crc32(npy_bytes(np.arange(3))),
                 len(npy_bytes(np.arange(3))), len(npy_bytes(np.arange(3))))]
    data = zip_bytes(members)
    f = CountingBytesIO(data)
    out = mx.load(f, format="npz")
    assert sorted(out) == ["a", "b"]
    np.testing.assert_array_equal(np.array(out["a"]), np.arange(2 << 20, dtype=np.float32))
    np.testing.assert_array_equal(np.array(out["b"]), np.arange(3))
    assert f.bytes_read < 2 * len(body)


def test_npz_duplicate_names_keep_the_last():
    one, two = npy_bytes(np.arange(3)), npy_bytes(np.arange(5.0))
    data = zip_bytes([("x.npy", one, 0, zlib.crc32(one), len(one), len(one)),
                      ("x.npy", two, 0, zlib.crc32(two), len(two), len(two))])
    ref = np.load(io.BytesIO(data))
    out = mx.load(io.BytesIO(data), format="npz")
    np.testing.assert_array_equal(np.array(out["x"]), ref["x"])
    np.testing.assert_array_equal(np.array(out["x"]), np.arange(5.0))


# ---------------------------------------------------------------------------
# .npy
# ---------------------------------------------------------------------------

def test_truncated_npy_raises_runtime_error(tmp_path):
    # The reference defers the read and raises RuntimeError at evaluation; ours raises the
    # same type at load.
    data = npy_bytes(np.arange(100, dtype=np.float32))[:-40]
    path = tmp_path / "t.npy"
    path.write_bytes(data)
    with pytest.raises(RuntimeError, match="claims 400 bytes"):
        mx.eval(mx.load(str(path)))
    with pytest.raises(RuntimeError):
        mx.eval(mx.load(io.BytesIO(data), format="npy"))


# ---------------------------------------------------------------------------
# GGUF metadata
# ---------------------------------------------------------------------------

def meta_gguf(n, key=lambda i: "", typ=0, fmt="<B", value=lambda i: i % 251):
    kv = b"".join(struct.pack("<Q", len(key(i).encode())) + key(i).encode() + struct.pack("<I", typ) +
                  struct.pack(fmt, value(i)) for i in range(n))
    return b"GGUF" + struct.pack("<IQQ", 3, 0, n) + kv


def load_meta_peak(data, return_metadata):
    mx.eval(mx.zeros(1))
    mx.clear_cache()
    mx.reset_peak_memory()
    out = mx.load(io.BytesIO(data), format="gguf", return_metadata=return_metadata)
    return out, mx.get_peak_memory()


def test_gguf_repeated_metadata_key_is_small():
    # 200,000 entries of one key: the last value is kept, and loading holds one value, not
    # 200,000 arrays.
    n = 200_000
    (arrays, meta), peak = load_meta_peak(meta_gguf(n), True)
    assert arrays == {} and list(meta) == [""]
    assert meta[""].dtype == mx.uint8 and meta[""].item() == (n - 1) % 251
    assert peak < 64 * 1024


def test_gguf_scalar_metadata_not_built_without_return_metadata():
    n = 100_000
    data = meta_gguf(n, key=lambda i: "k%d" % i, typ=5, fmt="<i", value=lambda i: i - 7)
    out, peak = load_meta_peak(data, False)
    assert out == {}
    assert peak < 64 * 1024
    (_, meta), _ = load_meta_peak(data, True)
    assert len(meta) == n and meta["k9"].dtype == mx.int32 and meta["k9"].item() == 2
    assert meta["k0"].ndim == 0


def test_gguf_metadata_scalars_every_type():
    # (type, struct format, dtype, value)
    cases = [(0, "<B", mx.uint8, 200), (1, "<b", mx.int8, -100), (2, "<H", mx.uint16, 60000),
             (3, "<h", mx.int16, -30000), (4, "<I", mx.uint32, 4000000000), (5, "<i", mx.int32, -2**31),
             (6, "<f", mx.float32, 1.5), (7, "<B", mx.bool_, 7), (10, "<Q", mx.uint64, 2**64 - 1),
             (11, "<q", mx.int64, -2**63), (12, "<d", mx.float64, -0.1)]
    kv = b"".join(struct.pack("<Q", len(b"k%d" % t)) + b"k%d" % t + struct.pack("<I", t) + struct.pack(f, v)
                  for t, f, _, v in cases)
    data = b"GGUF" + struct.pack("<IQQ", 3, 0, len(cases)) + kv
    _, meta = mx.load(io.BytesIO(data), format="gguf", return_metadata=True)
    for t, f, dt, v in cases:
        m = meta["k%d" % t]
        assert m.dtype == dt and m.ndim == 0
        assert m.item() == (True if dt == mx.bool_ else v)
    # A round trip through save_gguf keeps them.
    buf = io.BytesIO()
    mx.save_gguf(buf, {}, meta)
    buf.seek(0)
    _, again = mx.load(buf, format="gguf", return_metadata=True)
    for k in meta:
        assert again[k].dtype == meta[k].dtype and again[k].item() == meta[k].item()


# ---------------------------------------------------------------------------
# GGUF quantized tensors: the reference's packed (weight, scales, biases) triple
# ---------------------------------------------------------------------------


def gstr(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b

def gguf_file(tensors, align=32):
    """A GGUF v3 file of (name, dims with ne0 first, ggml type, raw bytes) tensors."""
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), 0)
    off, placed = 0, []
    for name, dims, typ, data in tensors:
        out += gstr(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        out += struct.pack("<IQ", typ, off)
        placed.append((off, data))
        off += len(data) + (-len(data)) % align
    out += b"\0" * ((-len(out)) % align)
    body = bytearray(off)
    for o, d in placed:
        body[o:o + len(d)] = d
    return out + bytes(body)

SCALES = [0.5, -1.25, 3.0, 0.0078125, 600.0, 6e-05, -0.0, 65504.0]
MINS = [0.25, -2.5, 1.0, -0.125, 7.0, 0.0, 3.5, -1.0]

def q_blocks(typ, n_blocks, seed):
    """n_blocks blocks of ggml type typ (2: Q4_0, 3: Q4_1, 8: Q8_0) with fixed contents."""
    out = b""
    for b in range(n_blocks):
        d = np.float16(SCALES[(b + seed) % len(SCALES)]).tobytes()
        if typ == 8:
            q = bytes(((b * 37 + j * 11 + 3 + seed) % 256) for j in range(32))
            out += d + q
        else:
            qs = bytes(((b * 53 + j * 29 + 7 + seed) % 256) for j in range(16))
            m = np.float16(MINS[(b + seed) % len(MINS)]).tobytes() if typ == 3 else b""
            out += d + m + qs
    return out

def q_tensors(typ):
    return [("blk.0.ffn.weight", [64, 2], typ, q_blocks(typ, 4, 0)),
            ("plain", [32], typ, q_blocks(typ, 1, 1)),
            ("cube.weight", [32, 2, 2], typ, q_blocks(typ, 4, 4))]


# The reference's mx.load of the files q_tensors builds (float16 arrays as their bits).
EXPECTED = {2: {'blk.0.ffn.biases': ('float16', (2, 2), [50176, 18688, 52736, 44032]),
     'blk.0.ffn.scales': ('float16', (2, 2), [14336, 48384, 16896, 8192]),
     'blk.0.ffn.weight': ('uint32', (2, 8),
                          [629924167, 2902682063, 3684127776, 3112583694, 2060465820, 4065902100, 248223571,
                           3988354370, 3475344353, 1202520937, 823052935, 552384885, 343593014, 2633128126,
                           1966210762, 1393618088]),
     'cube.biases': ('float16', (2, 2, 1), [60592, 36830, 0, 64512]),
     'cube.scales': ('float16', (2, 2, 1), [24752, 1007, 32768, 31743]),
     'cube.weight': ('uint32', (2, 2, 4),
                     [1775183243, 3779570947, 3684131872, 3129360927, 3189013200, 916255320, 249272148,
                      4256790082, 57265957, 2346796973, 1108265623, 552450421, 1488852090, 3493240050,
                      1966149322, 1411443881]),
     'plain': ('uint32', (4,), [916255320, 3189013200, 3684127776, 3112583695]),
     'plain.biases': ('float16', (1,), [18688]),
     'plain.scales': ('float16', (1,), [48384])},
 3: {'blk.0.ffn.biases': ('float16', (2, 2), [13312, 49408, 15360, 45056]),
     'blk.0.ffn.scales': ('float16', (2, 2), [14336, 48384, 16896, 8192]),
     'blk.0.ffn.weight': ('uint32', (2, 8),
                          [629924167, 2902682063, 3684127776, 3112583694, 2060465820, 4065902100, 248223571,
                           3988354370, 3475344353, 1202520937, 823052935, 552384885, 343593014, 2633128126,
                           1966210762, 1393618088]),
     'cube.biases': ('float16', (2, 2, 1), [18176, 0, 17152, 48128]),
     'cube.scales': ('float16', (2, 2, 1), [24752, 1007, 32768, 31743]),
     'cube.weight': ('uint32', (2, 2, 4),
                     [1775183243, 3779570947, 3684131872, 3129360927, 3189013200, 916255320, 249272148,
                      4256790082, 57265957, 2346796973, 1108265623, 552450421, 1488852090, 3493240050,
                      1966149322, 1411443881]),
     'plain': ('uint32', (4,), [916255320, 3189013200, 3684127776, 3112583695]),
     'plain.biases': ('float16', (1,), [49408]),
     'plain.scales': ('float16', (1,), [48384])},
 8: {'blk.0.ffn.biases': ('float16', (2, 2), [54272, 22784, 56832, 48128]),
     'blk.0.ffn.scales': ('float16', (2, 2), [14336, 48384, 16896, 8192]),
     'blk.0.ffn.weight': ('uint32', (2, 16),
                          [2761526915, 3502619311, 4243711707, 672993799, 1414086195, 2155178591, 2896270987,
                           3637363383, 3384718248, 4125810644, 555092736, 1296185132, 2037277528, 2778369924,
                           3519462320, 4260554716, 4007909581, 437191929, 1178284069, 1919376465, 2660468861,
                           3401561257, 4142653653, 571935745, 319356402, 1060383006, 1801475402, 2542567798,
                           3283660194, 4024752590, 454034938, 1195127078]),
     'cube.biases': ('float16', (2, 2, 1), [64512, 40926, 0, 64512]),
     'cube.scales': ('float16', (2, 2, 1), [24752, 1007, 32768, 31743]),
     'cube.weight': ('uint32', (2, 2, 8),
                     [2828898951, 3569991347, 16116447, 740365835, 1481458231, 2222550627, 2963643023,
                      3704735419, 3452090284, 4193182680, 622464772, 1363557168, 2104649564, 2845741960,
                      3586834356, 32959456, 4075281617, 504563965, 1245656105, 1986748501, 2727840897,
                      3468933293, 4210025689, 639307781, 386662902, 1127755042, 1868847438, 2609939834,
                      3351032230, 4092124626, 521406974, 1262499114]),
     'plain': ('uint32', (8,),
               [2778369924, 3519462320, 4260554716, 689836808, 1430929204, 2172021600, 2913113996,
                3654206392]),
     'plain.biases': ('float16', (1,), [22784]),
     'plain.scales': ('float16', (1,), [48384])}}


QUANT = {2: ("Q4_0", 4), 3: ("Q4_1", 4), 8: ("Q8_0", 8)}


def dequantize_blocks(typ, data, n):
    """The values of n elements of ggml blocks, by the GGUF definition."""
    out, bs = [], {2: 18, 3: 20, 8: 34}[typ]
    for b in range(n // 32):
        blk = data[b * bs:(b + 1) * bs]
        d = np.frombuffer(blk[:2], np.float16)[0].astype(np.float64)
        if typ == 8:
            out += list(np.frombuffer(blk[2:], np.int8) * d)
            continue
        qs = np.frombuffer(blk[-16:], np.uint8)
        q = np.concatenate([qs & 15, qs >> 4]).astype(np.float64)
        if typ == 2:
            out += list((q - 8) * d)
        else:
            out += list(q * d + np.frombuffer(blk[2:4], np.float16)[0].astype(np.float64))
    return np.array(out)


@pytest.mark.parametrize("typ", [2, 3, 8])
def test_gguf_quantized_matches_reference(typ):
    out = mx.load(io.BytesIO(gguf_file(q_tensors(typ))), format="gguf")
    exp = EXPECTED[typ]
    assert sorted(out) == sorted(exp)
    for k, (dt, shape, values) in exp.items():
        a = out[k]
        assert a.shape == shape, k
        if dt == "uint32":
            assert a.dtype == mx.uint32
            assert np.array(a).ravel().tolist() == values, k
        else:
            assert a.dtype == mx.float16
            assert np.array(a).view(np.uint16).ravel().tolist() == values, k


@pytest.mark.parametrize("typ", [2, 3, 8])
def test_gguf_quantized_dequantizes_to_the_block_values(typ):
    name, bits = QUANT[typ]
    data = q_blocks(typ, 6, 2)
    out = mx.load(io.BytesIO(gguf_file([("w.weight", [96, 2], typ, data)])), format="gguf")
    w, s, b = out["w.weight"], out["w.scales"], out["w.biases"]
    # Unpack the words by hand (value i of a word in bits [bits * i, bits * (i + 1))).
    words = np.array(w).astype(np.uint64)
    per = 32 // bits
    q = (words[..., None] >> (bits * np.arange(per, dtype=np.uint64))) & ((1 << bits) - 1)
    q = q.reshape(2, 96).astype(np.float64)
    scale = np.repeat(np.array(s).astype(np.float64), 32, axis=-1)
    bias = np.repeat(np.array(b).astype(np.float64), 32, axis=-1)
    want = dequantize_blocks(typ, data, 192).reshape(2, 96)
    if typ != 3:
        # The bias of the unsigned values: -2**(bits - 1) * scale, rounded to float16.
        sb = np.array(s).astype(np.float64) * -(2 ** (bits - 1))
        with np.errstate(over="ignore"):
            np.testing.assert_array_equal(np.array(b), sb.astype(np.float16))
    finite = np.isfinite(bias)
    np.testing.assert_allclose((q * scale + bias)[finite], want[finite], rtol=2e-3, atol=1e-6)


def test_gguf_quantized_empty_and_bad_shapes():
    out = mx.load(io.BytesIO(gguf_file([("e", [0, 3], 2, b"")])), format="gguf")
    assert {k: (v.shape, v.dtype) for k, v in out.items()} == {
        "e": ((3, 0), mx.uint32), "e.scales": ((3, 0), mx.float16), "e.biases": ((3, 0), mx.float16)}
    for typ in (2, 3, 8):
        with pytest.raises(RuntimeError, match="multiple of 32"):
            mx.load(io.BytesIO(gguf_file([("odd", [16, 2], typ, q_blocks(typ, 1, 0))])), format="gguf")
    # Data that runs past the file.
    with pytest.raises(RuntimeError, match="past the end"):
        mx.load(io.BytesIO(gguf_file([("w", [64], 8, q_blocks(8, 1, 0))])[:-40]), format="gguf")
    # Other quantized types are refused by name.
    with pytest.raises(RuntimeError, match="Q5_1"):
        mx.load(io.BytesIO(gguf_file([("w", [32], 7, b"\x00" * 24)])), format="gguf")


def test_gguf_duplicate_tensor_names():
    f32 = struct.pack("<2f", 1, 2)
    with pytest.raises(RuntimeError, match="Duplicate"):
        mx.load(io.BytesIO(gguf_file([("a", [2], 0, f32), ("a", [2], 0, f32)])), format="gguf")
    for order in (0, 1):
        t = [("a.weight", [32], 8, q_blocks(8, 1, 0)), ("a.scales", [2], 0, f32)]
        with pytest.raises(RuntimeError, match="Duplicate"):
            mx.load(io.BytesIO(gguf_file(t[::-1] if order else t)), format="gguf")


# ---------------------------------------------------------------------------
# safetensors: 8-bit floats load as their bytes
# ---------------------------------------------------------------------------

def safetensors_bytes(dtype, shape, data):
    h = json.dumps({"x": {"dtype": dtype, "shape": shape, "data_offsets": [0, len(data)]}}).encode()
    return struct.pack("<Q", len(h)) + h + data


@pytest.mark.parametrize("dtype", ["F8_E4M3", "F8_E8M0"])
def test_safetensors_f8_loads_as_uint8(dtype):
    raw = bytes([1, 2, 0x80, 0xFF, 0x7F, 0])
    out = mx.load(io.BytesIO(safetensors_bytes(dtype, [2, 3], raw)), format="safetensors")
    assert out["x"].dtype == mx.uint8 and out["x"].shape == (2, 3)
    assert np.array(out["x"]).tobytes() == raw
    # Saved back, they are plain U8.
    buf = io.BytesIO()
    mx.save_safetensors(buf, out)
    hlen = struct.unpack("<Q", buf.getvalue()[:8])[0]
    assert json.loads(buf.getvalue()[8:8 + hlen])["x"]["dtype"] == "U8"
    with pytest.raises(RuntimeError, match="span"):
        mx.load(io.BytesIO(safetensors_bytes(dtype, [7], raw)), format="safetensors")


@pytest.mark.parametrize("dtype", ["F8_E5M2", "F8_E4M3FN", "F4", "F6_E2M3", "C128"])
def test_safetensors_other_small_floats_refused(dtype):
    with pytest.raises(RuntimeError, match="unsupported dtype"):
        mx.load(io.BytesIO(safetensors_bytes(dtype, [4], b"\x00" * 4)), format="safetensors")
