"""quantize / dequantize: the reference's packing byte for byte, error bounds, gradients,
vmap, bad inputs. The reference's bytes were recorded once (sha256 prefixes of w_q,
scales, biases and the dequantized matrix, and a few explicit words); the tests do not
call it."""
import hashlib

import numpy as np
import pytest

import mlx.core as mx

MODES = [("affine", b, g) for b in [1, 2, 3, 4, 5, 6, 8] for g in [32, 64, 128]] + [
    ("mxfp4", 4, 32),
    ("mxfp8", 8, 32),
    ("nvfp4", 4, 16),
]


def fixed_input(rows, cols, seed):
    """Deterministic test weights (no RNG): smooth values, a zero group, a constant group,
    an outlier and a tiny group."""
    i = np.arange(rows * cols, dtype=np.float64).reshape(rows, cols)
    w = np.sin(i * 0.731 + seed) * (1.0 + 2.0 * np.cos(i * 0.0137 * (seed + 1)))
    w[0, :32] = 0.0
    w[1, :32] = 0.5
    w[2, 5] = 40.0
    w[3, :16] *= 1e-3
    return w.astype(np.float32)


def digest(a):
    if a.dtype == mx.bfloat16:
        a = a.view(mx.uint8)
    return hashlib.sha256(np.ascontiguousarray(np.array(a)).tobytes()).hexdigest()[:16]


REF = {
    "float32-affine-1-32": ["84f0bda354a9fa70", "9ea87037546dbeee", "b90c6bcc16baedd3", "e2c06f3a8b9e308f", "e2c06f3a8b9e308f"],
    "float32-affine-1-64": ["6de5fbdf275f2f00", "9bf095d528ebe584", "8a1577290070a5a5", "9e06a4266a78bd18", "9e06a4266a78bd18"],
    "float32-affine-1-128": ["e0499a3bfef4c86c", "db2031dcad683818", "7bbed25cd7e099b1", "426de2a6c026945e", "426de2a6c026945e"],
    "float32-affine-2-32": ["8f80af1247881d41", "76460befbd82a576", "9460fc2e16029098", "1a01d73afc2ffae3", "1a01d73afc2ffae3"],
    "float32-affine-2-64": ["08d2663bd6b57af9", "84e9af7fe00dc30e", "ffaea58b164e959b", "43508a3aee8ce99b", "43508a3aee8ce99b"],
    "float32-affine-2-128": ["4e8ff6616c458275", "af0679e9df075c7c", "8669576d1da6ddd8", "00c545c30f174f70", "00c545c30f174f70"],
    "float32-affine-3-32": ["3b4961c7fc614dac", "beac1828a27e4db5", "00d61333cf6ad046", "ac7d1b644ebfb65e", "ac7d1b644ebfb65e"],
    "float32-affine-3-64": ["d8fce751ba788d3d", "dfa490734576757c", "23a264034adc5b40", "3ac19e2c808aba11", "3ac19e2c808aba11"],
    "float32-affine-3-128": ["8b49ea0dca6e890b", "39393638a941e9b4", "bd47c77570233713", "146e10567568776e", "146e10567568776e"],
    "float32-affine-4-32": ["1092f105f0e7e5b0", "fe836a66a7ca63b2", "8b3325533a6599ac", "97a258b2122a4b3c", "97a258b2122a4b3c"],
    "float32-affine-4-64": ["bf532984a6c2b027", "d99ee39e191d0eac", "33f02f52b425b35e", "2729a8653286dedf", "2729a8653286dedf"],
    "float32-affine-4-128": ["9d700d90a88624a4", "93b8eb4da5152ed3", "0cd5e952cbff3771", "94c966865c5a8699", "94c966865c5a8699"],
    "float32-affine-5-32": ["b89793c3539c34c9", "19c6ed6856a1f414", "59cbdfe68fe70889", "5ab12b9ae3ffd096", "5ab12b9ae3ffd096"],
    "float32-affine-5-64": ["8a5b9ac00582f8f8", "16587e0dd4272f85", "a5d6b9d2d706d9db", "ba76c065f176acaa", "ba76c065f176acaa"],
    "float32-affine-5-128": ["06ab9e37759dc0a4", "786b7afc37d13ab5", "206a490f6a58a0aa", "5e7ce3679b14f0b5", "5e7ce3679b14f0b5"],
    "float32-affine-6-32": ["1ce143298eb07471", "17c15b19ae5f5ff7", "300adb9ede9fc047", "c1fd5150fd6b293c", "c1fd5150fd6b293c"],
    "float32-affine-6-64": ["c9a946aefa1348bc", "e605cc575b37537d", "52ecbaf18cdeb2bd", "26ef10c6c72423c7", "26ef10c6c72423c7"],
    "float32-affine-6-128": ["f07b521caa39b786", "c6fb29a587229344", "9faed6bd18f0c056", "61d2b672229725dd", "61d2b672229725dd"],
    "float32-affine-8-32": ["81f95c682179d317", "1f310a7eaadfee08", "ca1651671c33c48d", "53fd600f925db2a9", "53fd600f925db2a9"],
    "float32-affine-8-64": ["f36311596382eab1", "63ba2f738d270aa6", "a52ad93e49744928", "d977f500b71207ba", "d977f500b71207ba"],
    "float32-affine-8-128": ["997bb5a3b1f8aebf", "10055f68b5b062e7", "3f92d54ac0cc0f59", "37195d2d47a11577", "37195d2d47a11577"],
    "float32-mxfp4-4-32": ["e91783a2bccc36fe", "193ec67621e85a94", "4c9b9d06371d7e8e", "4c9b9d06371d7e8e"],
    "float32-mxfp8-8-32": ["9563f04f1aaf662e", "f42ed43dac902715", "3c306e6999d54622", "3c306e6999d54622"],
    "float32-nvfp4-4-16": ["ee473792c6d445bb", "dcb00bf0327197bf", "b18ffb662c83afc9", "b18ffb662c83afc9"],
    "float16-affine-1-32": ["84f0bda354a9fa70", "d208fe6a955d1ca2", "45d7863ac8852940", "e12cf575fbce2de2", "5b344b70b3e17992"],
    "float16-affine-1-64": ["6de5fbdf275f2f00", "1ca62975393bfce4", "9ee0849a00f877f6", "22d4fcadc52749f4", "4e2eaf9ea78cdaa7"],
    "float16-affine-1-128": ["e0499a3bfef4c86c", "eed49d97c4003441", "2f33359fca4493f9", "8564f154043de61d", "ffb54e10b7f8375e"],
    "float16-affine-2-32": ["4ddaf3f685fdcdb1", "3c368f0062bf4191", "6bc7c6c5f3250631", "9119a414fffd4d88", "cb3d6845edb0f4cb"],
    "float16-affine-2-64": ["c0cdb63d958776e7", "17e2f07380d8388c", "51e289c14039782b", "c527d3698bc20de5", "21c3904d40d4bb49"],
    "float16-affine-2-128": ["bbcc38ebab53aba3", "b653dfccfff6cda1", "d0777c02f0633786", "726255594d4d2dec", "f7a099846f10f45d"],
    "float16-affine-3-32": ["3b4961c7fc614dac", "524f4f004bb07436", "e8ef710253705a20", "99753c9b0cf1392e", "3c63d2de1f2b8c82"],
    "float16-affine-3-64": ["9c70851a5f0437e7", "4bdc3c5e920226bd", "2f39df3f1199020d", "157634aa277a2c8f", "da6dd32dde2d630d"],
    "float16-affine-3-128": ["8b49ea0dca6e890b", "36aa3b33d11c0a53", "47a07b0550651978", "e6f5b0df5bf932a2", "fba1d77fef62e823"],
    "float16-affine-4-32": ["44ad66e44d13a6a7", "09a4156f97f2dd27", "7fec01e6d6cb6436", "4660080c617c29c3", "90ec57799649cd86"],
    "float16-affine-4-64": ["ec63e75e78049a11", "333c2697b39cd77b", "12e0d25a64205cab", "95b9c6332a69dfcb", "a3497a7bf038069b"],
    "float16-affine-4-128": ["35231f065fa3c77e", "bad4ff5aecd11c04", "542c90f41288d3a6", "336a8caed8720b86", "61b9f75f5575f12e"],
    "float16-affine-5-32": ["933070af54672bcf", "14f721ad88220d1d", "394db87c4a17bd71", "6829e99d7f43c9ac", "fc54c4f465eff081"],
    "float16-affine-5-64": ["e2f0449a4a76b9ca", "ea618392b1c84c94", "4e56a9cf79c14fa9", "7d91b80fbbfeecca", "170d3fecfce041ad"],
    "float16-affine-5-128": ["ac690a683d19d149", "ce004e6c72b61f56", "72d08d93f85f398a", "945c4a20284e60dd", "dd64313ba0ada71c"],
    "float16-affine-6-32": ["1a7970b604601b6b", "3a5c78f14a53120d", "2b4a227f05ebd2f5", "b3c804dda8eb632d", "cdfe0fe6e1d25a57"],
    "float16-affine-6-64": ["c0a2f27501ebb6c1", "40ef713257cb4704", "29f798c46a9ec882", "0447e4f0a1c80654", "4c5c41a767fc3d41"],
    "float16-affine-6-128": ["fed4288eec83a57f", "4fcc49965f889439", "0532d8dc46f2326d", "f6cf451613be78a3", "e0aa1199157a22a5"],
    "float16-affine-8-32": ["c08bb6ca0493d6dd", "066c06eae380ad1d", "cd1948ce1ca7c92b", "14c9eac06258fc9b", "f6128ee0424d47b5"],
    "float16-affine-8-64": ["0f9c9dc0dab8d6db", "887f94c4cf5adc57", "9294a6ed120f2d2e", "3b203e194794d28c", "4df83f2bd0a772cf"],
    "float16-affine-8-128": ["8865280e3297d0b4", "4e22628bb1f272aa", "f9caff809c9ffd89", "08e741a458274375", "c4e7cd4362440a4b"],
    "float16-mxfp4-4-32": ["e91783a2bccc36fe", "193ec67621e85a94", "4c9b9d06371d7e8e", "80c069b647ff8952"],
    "float16-mxfp8-8-32": ["00010073f53613d4", "f42ed43dac902715", "d3d80081f03cd5f2", "f2ad626c6ae91ce4"],
    "float16-nvfp4-4-16": ["38f654e8990cf6ce", "dcb00bf0327197bf", "32484ac165b9492a", "6b0b040e7916d5b1"],
    "bfloat16-affine-1-32": ["84f0bda354a9fa70", "059573befc6091e9", "029212340fe25a3f", "8bd77b2db120ec29", "b273697ff13d89ca"],
    "bfloat16-affine-1-64": ["c1547539589ef062", "170b6ffaa142d4e6", "0bfd5e3ba046493e", "313e5b6bb9a150fa", "e4e07158329385a4"],
    "bfloat16-affine-1-128": ["80a889877358a232", "f7e7417eaa9a8a1e", "0c084d4b82cde6bd", "2337f69dedb90fa5", "7d5fdcbf7eb34de9"],
    "bfloat16-affine-2-32": ["28d04b1b5bd7c476", "f688f46761906c8f", "93d9d129237eb772", "84d1bad44bdf94b2", "cb546049e37320de"],
    "bfloat16-affine-2-64": ["08d2663bd6b57af9", "7133ac96f501313a", "b277f08c24f74289", "2258a0e3dfb23694", "d1ff6237b6096278"],
    "bfloat16-affine-2-128": ["94a2747ab3437741", "b09324eba42560e7", "3359a8984493f22f", "f6d38156c0a7f7e6", "ca625c9f8c1bcc13"],
    "bfloat16-affine-3-32": ["a041b88875578064", "d7d2a0b8c3354669", "5b946ad23ec68c83", "232c20ebfca8b2bb", "0da1f274c743c199"],
    "bfloat16-affine-3-64": ["a9ea1b880d46bd80", "f545f1e389763d78", "1f78ee213330747b", "7670ee73be16f055", "186c51b2f664b535"],
    "bfloat16-affine-3-128": ["8b49ea0dca6e890b", "6b022b8367a0a87a", "7f8cb0238e546c93", "1f0a87808e5d7ca0", "2553a414bdf464e3"],
    "bfloat16-affine-4-32": ["d036f88e2c72abb5", "622cb4aa4523c560", "343dfc51787d0fc5", "13c41c30668d4152", "c2015ddb7d654521"],
    "bfloat16-affine-4-64": ["a3000e89a0c5a0e0", "ab4f62c090f44688", "ea57d51cc9e04273", "aca11ee16d1ef1ac", "6cbed40854d18970"],
    "bfloat16-affine-4-128": ["f36cfd5f4a51992f", "ce6fc10bfcf5a31a", "e52e7c49c577f9b5", "df678d9bf40c80f6", "35744e8a168bd305"],
    "bfloat16-affine-5-32": ["d635d7dde3501ea9", "2b0ef30c825c3a15", "890272458af4cd1c", "eb82aac744d0cefb", "e72998162657f6bf"],
    "bfloat16-affine-5-64": ["00c9d7f21a4d808b", "5dbb0863d125f997", "e5541facfcb77868", "4bf8207c6beea96c", "7dd3986f281ba618"],
    "bfloat16-affine-5-128": ["8bcb7fdc98be87da", "0c01666e0e0a643c", "5d1c7aedd81df176", "f77cbf6f9d495cc6", "d401cf0798cf9685"],
    "bfloat16-affine-6-32": ["b681b181f399c479", "6718637a10b932b9", "17de4ea5c1595eda", "dedb70d10c3ba702", "122164f7ff172966"],
    "bfloat16-affine-6-64": ["abd52afebfff83a5", "74b43607b95b51f5", "15b4a8068002ddf0", "5d145a858c3c5091", "b2221da4571b47b4"],
    "bfloat16-affine-6-128": ["e230525c1e156f65", "8285047f23d4e8c5", "b2bea07853f78b97", "6043976bfc070f63", "9c60631cdb7f5769"],
    "bfloat16-affine-8-32": ["29b13cf1d03591c3", "6af3a2d36831d402", "304e65d3903fbd3e", "08544736aed0a861", "69adc0e615a39c9a"],
    "bfloat16-affine-8-64": ["a0c18e1f83cd8339", "3ba0d4f8b78b4da9", "830139d61255469e", "a846833618eff4d5", "4e4e05a4f144cdf3"],
    "bfloat16-affine-8-128": ["d23753c30dd3be34", "e57fe07293b5976c", "b3165a69ddd8fa50", "6b45b798fd44370a", "0b37516bf0ef5001"],
    "bfloat16-mxfp4-4-32": ["994dcb3efcc29f90", "193ec67621e85a94", "2b697383acc3dcdf", "8900fdeb13d281c9"],
    "bfloat16-mxfp8-8-32": ["64c4363cafa697f8", "f42ed43dac902715", "6f4d95c283788f24", "a6c255d35ee7f830"],
    "bfloat16-nvfp4-4-16": ["318c64c3a39f4414", "da45e1e8caac166b", "a8490056f49269aa", "46e94cbd38fc5415"],
    "nvfp4-global": ["4a4de2434ebed269", "693a9bca633e9be1", "78a99b1dcf9fc69a"],
}


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
@pytest.mark.parametrize("mode,bits,gs", MODES)
def test_packing_matches_reference_bytes(dtype, mode, bits, gs):
    w = mx.array(fixed_input(6, 256, bits + gs)).astype(getattr(mx, dtype))
    r = mx.quantize(w, group_size=gs, bits=bits, mode=mode)
    assert len(r) == (3 if mode == "affine" else 2)
    b = r[2] if mode == "affine" else None
    d32 = mx.dequantize(r[0], r[1], b, group_size=gs, bits=bits, mode=mode, dtype=mx.float32)
    dn = mx.dequantize(r[0], r[1], b, group_size=gs, bits=bits, mode=mode, dtype=None if mode == "affine" else w.dtype)
    want = REF[f"{dtype}-{mode}-{bits}-{gs}"]
    got = [digest(x) for x in r] + [digest(d32), digest(dn)]
    names = ["w_q", "scales", "biases"][: len(r)] + ["dequantized f32", "dequantized native"]
    for name, g, e in zip(names, got, want):
        assert g == e, f"{name} differs from the reference"


def test_nvfp4_global_scale_matches_reference_bytes():
    w = mx.array(fixed_input(6, 256, 7))
    gsc = mx.array(np.float32(np.abs(np.array(w)).max()))
    r = mx.quantize(w, mode="nvfp4", global_scale=gsc)
    d = mx.dequantize(r[0], r[1], mode="nvfp4", global_scale=gsc, dtype=mx.float32)
    assert [digest(r[0]), digest(r[1]), digest(d)] == REF["nvfp4-global"]


def test_packing_explicit_words():
    # 3, 5 and 6-bit codes cross word boundaries: the words the reference writes.
    r = mx.quantize(mx.array(np.linspace(-1, 2, 32, dtype=np.float32)[None]), group_size=32, bits=3)
    assert np.array(r[0]).tolist() == [[1859878911, 920425051, 1198665]]
    assert np.array(r[1]).tolist() == [[np.float32(-0.4)]] and np.array(r[2]).tolist() == [[2.0]]
    r = mx.quantize(mx.array(np.linspace(-1, 2, 64, dtype=np.float32)[None]), group_size=64, bits=5)
    assert np.array(r[0]).tolist() == [[1005550591, 2909502695, 1526253107, 1956981611, 2216896842,
                                        451361263, 2770955363, 417874450, 1679903331, 4333836]]
    r = mx.quantize(mx.array(np.linspace(-1, 2, 32, dtype=np.float32)[None]), group_size=32, bits=6)
    assert np.array(r[0]).tolist() == [[2011676543, 3144664893, 2251909030, 375498526, 2735620389, 2164256]]
    x = mx.array(np.linspace(-7, 5, 32, dtype=np.float32)[None])
    r = mx.quantize(x, mode="mxfp4")
    assert np.array(r[0]).tolist() == [[3437092317, 2594880460, 571539465, 1145320242]]
    assert np.array(r[1]).tolist() == [[128]]
    r = mx.quantize(x, mode="mxfp8")
    assert np.array(r[0]).tolist() == [[4244438526, 4193909499, 4092983032, 3941462257, 1539366373,
                                        1869375844, 1987343217, 2054781047]]
    assert np.array(r[1]).tolist() == [[121]]
    r = mx.quantize(x, mode="nvfp4")
    assert np.array(r[0]).tolist() == [[4008640511, 2881277405, 1144131738, 2004248149]]
    assert np.array(r[1]).tolist() == [[57, 53]]


def test_bit_stream_order():
    # Codes are a little-endian bit stream: element i occupies bits [i*b, (i+1)*b).
    for bits in [2, 3, 4, 5, 6, 8]:
        n = 2**bits - 1
        q = (np.arange(64) * 7) % (n + 1)
        q[0], q[1] = 0, n  # every group spans the full range: scale 1, bias 0
        q[32], q[33] = 0, n
        w = mx.array(q.astype(np.float32)[None])
        wq, s, b = mx.quantize(w, group_size=32, bits=bits)
        stream = np.unpackbits(np.array(wq).view(np.uint8), bitorder="little")
        codes = (stream.reshape(-1, bits) * (1 << np.arange(bits))).sum(1)
        deq = (codes.reshape(2, 32) * np.array(s).reshape(2, 1) + np.array(b).reshape(2, 1)).ravel()
        np.testing.assert_allclose(deq, q, atol=1e-5)


@pytest.mark.parametrize("bits", [2, 3, 4, 5, 6, 8])
@pytest.mark.parametrize("gs", [32, 64, 128])
def test_affine_round_trip_error_bound(bits, gs):
    rng = np.random.default_rng(bits * 100 + gs)
    w = rng.standard_normal((16, 256)).astype(np.float32)
    wq, s, b = mx.quantize(mx.array(w), group_size=gs, bits=bits)
    d = np.array(mx.dequantize(wq, s, b, group_size=gs, bits=bits))
    err = np.abs(d - w).reshape(16, -1, gs).max(-1)
    # Each element is within half a step of its group's grid, except that making zero
    # exact may shrink the grid by up to half a step at the far end.
    step = np.abs(np.array(s))
    assert np.all(err <= step + 1e-5)
    # Zero is representable (up to the rounding of scale * code + bias).
    z = w.copy()
    z[:, ::7] = 0
    r = mx.quantize(mx.array(z), group_size=gs, bits=bits)
    dz = np.array(mx.dequantize(*r, group_size=gs, bits=bits))
    assert np.all(np.abs(dz[:, ::7]) <= 1e-6 * np.abs(z).max())


@pytest.mark.parametrize("mode", ["mxfp4", "mxfp8", "nvfp4"])
def test_fp_round_trip_error_bound(mode):
    rng = np.random.default_rng(3)
    w = rng.standard_normal((16, 256)).astype(np.float32)
    r = mx.quantize(mx.array(w), mode=mode)
    d = np.array(mx.dequantize(*r, mode=mode, dtype=mx.float32))
    gs = 16 if mode == "nvfp4" else 32
    amax = np.abs(w).reshape(16, -1, gs).max(-1, keepdims=True)
    rel = (np.abs(d - w).reshape(16, -1, gs) / amax).max()
    assert rel <= (0.07 if mode == "mxfp8" else 0.34)


def test_dtypes_and_shapes():
    w = mx.array(fixed_input(4, 128, 1))
    for dt in [mx.float32, mx.float16, mx.bfloat16, mx.float64]:
        wq, s, b = mx.quantize(w.astype(dt))
        assert wq.dtype == mx.uint32 and s.dtype == dt and b.dtype == dt
        assert wq.shape == (4, 16) and s.shape == (4, 2)
        assert mx.dequantize(wq, s, b).dtype == dt
    wq, s = mx.quantize(w.astype(mx.float16), mode="mxfp8")
    assert wq.shape == (4, 32) and s.dtype == mx.uint8 and s.shape == (4, 4)
    assert mx.dequantize(wq, s, mode="mxfp8").dtype == mx.bfloat16
    assert mx.dequantize(wq, s, mode="mxfp8", dtype=mx.float16).dtype == mx.float16
    # Batch dimensions, empty arrays.
    r = mx.quantize(mx.zeros((2, 3, 128)))
    assert [a.shape for a in r] == [(2, 3, 16), (2, 3, 2), (2, 3, 2)]
    r = mx.quantize(mx.zeros((0, 128)))
    assert [a.shape for a in r] == [(0, 16), (0, 2), (0, 2)]
    assert mx.dequantize(*r).shape == (0, 128)


def test_non_contiguous_input():
    w = fixed_input(128, 64, 2)
    a = mx.quantize(mx.array(w).T, group_size=32)
    b = mx.quantize(mx.array(np.ascontiguousarray(w.T)), group_size=32)
    for x, y in zip(a, b):
        assert np.array_equal(np.array(x), np.array(y))
    d = mx.dequantize(a[0].T.T, a[1][:, ::1], a[2], group_size=32)
    assert np.array_equal(np.array(d), np.array(mx.dequantize(*b, group_size=32)))


def test_dequantize_gradients_finite_differences():
    w = mx.array(fixed_input(4, 128, 3))
    wq, s, b = mx.quantize(w)
    c = mx.array(np.cos(np.arange(4 * 128)).reshape(4, 128).astype(np.float32))
    f = lambda s_, b_: (mx.dequantize(wq, s_, b_) * c).sum()
    gs, gb = mx.grad(f, argnums=(0, 1))(s, b)
    eps = 1e-2
    for (i, j) in [(0, 0), (1, 1), (3, 0)]:
        e = np.zeros(s.shape, np.float32)
        e[i, j] = eps
        e = mx.array(e)
        fd_s = (f(s + e, b) - f(s - e, b)).item() / (2 * eps)
        fd_b = (f(s, b + e) - f(s, b - e)).item() / (2 * eps)
        assert abs(fd_s - gs[i, j].item()) < 1e-2 * max(1, abs(fd_s))
        assert abs(fd_b - gb[i, j].item()) < 1e-2 * max(1, abs(fd_b))
    # jvp agrees with the vjp.
    ts = mx.ones_like(s)
    _, (t,) = mx.jvp(lambda s_: mx.dequantize(wq, s_, b), [s], [ts])
    assert np.allclose(np.array((t * c).sum()), np.array(gs.sum()), rtol=1e-4)
    with pytest.raises(RuntimeError, match="No gradient"):
        mx.grad(lambda w_: mx.dequantize(w_, s, b).sum())(wq)


def test_vmap_matches_loop():
    ws = mx.array(np.stack([fixed_input(4, 128, k) for k in range(3)]))
    r = mx.vmap(lambda w: mx.quantize(w)[0])(ws)
    for k in range(3):
        assert np.array_equal(np.array(r[k]), np.array(mx.quantize(ws[k])[0]))
    # Along a middle axis.
    r = mx.vmap(lambda w: mx.quantize(w)[1], in_axes=1)(mx.swapaxes(ws, 0, 1))
    for k in range(3):
        assert np.array_equal(np.array(r[k]), np.array(mx.quantize(ws[k])[1]))
    q = mx.quantize(ws)
    d = mx.vmap(lambda a, s, b: mx.dequantize(a, s, b))(*q)
    assert np.array_equal(np.array(d), np.array(mx.dequantize(*q)))
    # Scales batched, w shared.
    q0 = mx.quantize(ws[0])
    sb = mx.stack([q0[1], 2 * q0[1]])
    d = mx.vmap(lambda s: mx.dequantize(q0[0], s, q0[2]))(sb)
    assert np.array_equal(np.array(d[1]), np.array(mx.dequantize(q0[0], sb[1], q0[2])))


def test_bad_inputs():
    w = mx.zeros((4, 128))
    with pytest.raises(ValueError, match=r"\[quantize\] Invalid quantization mode 'foo'"):
        mx.quantize(w, mode="foo")
    with pytest.raises(ValueError, match="group size 16 is not supported"):
        mx.quantize(w, group_size=16)
    with pytest.raises(ValueError, match="bits 7 is not supported"):
        mx.quantize(w, bits=7)
    with pytest.raises(ValueError, match="mxfp4 quantization requires group size 32 but got 64"):
        mx.quantize(w, mode="mxfp4", group_size=64)
    with pytest.raises(ValueError, match="mxfp8 quantization requires bits to be 8 but got 4"):
        mx.quantize(w, mode="mxfp8", bits=4)
    with pytest.raises(ValueError, match="nvfp4 quantization requires group size 16"):
        mx.quantize(w, mode="nvfp4", group_size=32)
    with pytest.raises(ValueError, match="at least 2 dimension"):
        mx.quantize(mx.zeros((128,)))
    with pytest.raises(ValueError, match="divisible by the quantization group size"):
        mx.quantize(mx.zeros((2, 100)))
    with pytest.raises(ValueError, match="Only real floating types"):
        mx.quantize(mx.zeros((2, 128), mx.int32))
    with pytest.raises(ValueError, match="Global scale is only supported for 'nvfp4'"):
        mx.quantize(w, global_scale=mx.array(1.0))
    with pytest.raises(TypeError):
        mx.quantize(w, group_size="a")
    wq, s, b = mx.quantize(w)
    with pytest.raises(ValueError, match="Biases must be provided"):
        mx.dequantize(wq, s)
    with pytest.raises(ValueError, match="should be given as a uint32"):
        mx.dequantize(w, s, b)
    with pytest.raises(ValueError, match="at least 2 dimension"):
        mx.dequantize(wq[0], s[0], b[0])
    with pytest.raises(ValueError, match="Shape of scales and biases does not match"):
        mx.dequantize(wq, s[:, :1], b[:, :1])
    with pytest.raises(ValueError, match="Scales and biases should have the same shape"):
        mx.dequantize(wq, s, b[:, :1])
    with pytest.raises(ValueError, match="Scale type must be uint8"):
        mx.dequantize(wq, s, mode="mxfp4")
    with pytest.raises(ValueError, match="output dtype == int32"):
        mx.dequantize(wq, s, b, dtype=mx.int32)
    with pytest.raises(ValueError):
        mx.dequantize(wq, s, b, bits=3)


def test_quantize_gradient_raises_and_subnormal_scales_clamp():
    w = mx.array(fixed_input(4, 64, 5))
    with pytest.raises(ValueError, match="not differentiable"):
        mx.grad(lambda w_: mx.quantize(w_)[1].sum())(w)
    # The reference wraps the exponent of a subnormal group to code 248; openmlx clamps.
    z = np.zeros((1, 32), np.float32)
    z[0, 0] = 1e-40
    _, s = mx.quantize(mx.array(z), mode="mxfp4")
    assert np.array(s).tolist() == [[0]]
    z[0, 0] = 1e-30
    _, s = mx.quantize(mx.array(z), mode="mxfp4")
    assert np.array(s).tolist() == [[25]]
    # Scale code edges: amax exactly at the format's maximum keeps 2^0.
    for amax, mode, code in [(6.0, "mxfp4", 127), (6.0001, "mxfp4", 128), (3.0, "mxfp4", 126),
                             (448.0, "mxfp8", 127), (449.0, "mxfp8", 128)]:
        z = np.zeros((1, 32), np.float32)
        z[0, 0] = amax
        _, s = mx.quantize(mx.array(z), mode=mode)
        assert np.array(s).tolist() == [[code]], (amax, mode)


def test_fp4_ties_round_towards_zero():
    # Recorded from the reference: halfway values go to the smaller magnitude.
    w = np.zeros((1, 32), np.float32)
    w[0, 0] = 6
    vals = [0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5, -0.25, -2.5, -5, 0.26, 2.51, 5.01, 4.99, 0.24]
    want = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 0.0, -2.0, -4.0, 0.5, 3.0, 6.0, 4.0, 0.0]
    w[0, 1:1 + len(vals)] = vals
    r = mx.quantize(mx.array(w), mode="mxfp4")
    d = np.array(mx.dequantize(*r, mode="mxfp4", dtype=mx.float32))[0, 1:1 + len(vals)]
    assert d.tolist() == want


@pytest.mark.parametrize("mode", ["affine", "mxfp4", "mxfp8", "nvfp4"])
def test_non_finite_inputs_do_not_crash(mode):
    w = np.ones((2, 64), np.float32)
    w[0, 3] = np.nan
    w[1, 5] = np.inf
    r = mx.quantize(mx.array(w), mode=mode)
    mx.eval(*r)
    b = r[2] if mode == "affine" else None
    d = np.array(mx.dequantize(r[0], r[1], b, mode=mode, dtype=mx.float32))
    assert d.shape == (2, 64)
