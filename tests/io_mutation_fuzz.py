"""Mutation fuzz of mx.load (npy, npz, safetensors, gguf): valid small files, truncated and
with bytes overwritten, loaded in worker processes whose address space is limited
(RLIMIT_AS). Every mutant must load or raise ValueError/RuntimeError; a crash, another
exception type (MemoryError included) or an allocator peak far above the file's size is
reported. Not part of the pytest run:  python tests/io_mutation_fuzz.py [mutants] [seed]"""

import collections
import io
import os
import random
import resource
import subprocess
import sys
import tempfile

LIMIT_AS = 3 << 30  # bytes of address space for a worker
PEAK_FACTOR = 64  # an allocator peak above this many times the file (plus 1 MB) is flagged


def seeds():
    import numpy as np
    import mlx.core as mx
    out = []
    for a in (np.arange(12, dtype=np.float32).reshape(3, 4), np.array([True, False]),
              np.arange(6, dtype=np.int16)[::-1], np.zeros((2, 0, 3), np.float64)):
        b = io.BytesIO()
        np.save(b, a)
        out.append(("npy", b.getvalue()))
    for comp in (False, True):
        b = io.BytesIO()
        (np.savez_compressed if comp else np.savez)(b, x=np.arange(40, dtype=np.float32), y=np.ones((3, 3), np.int8))
        out.append(("npz", b.getvalue()))
    b = io.BytesIO()
    mx.save_safetensors(b, {"a": mx.arange(10, dtype=mx.float16), "b": mx.array([[1, 2], [3, 4]])}, {"k": "v"})
    out.append(("safetensors", b.getvalue()))
    b = io.BytesIO()
    mx.save_gguf(b, {"a": mx.arange(8, dtype=mx.float32), "b": mx.array([1, 2, 3], mx.int16)},
                 {"s": "x", "l": ["p", "q"], "n": mx.array([1, 2], mx.int32), "u": mx.array(3, mx.uint8)})
    out.append(("gguf", b.getvalue()))
    # Quantized GGUF tensors (Q4_0, Q8_0), built by hand.
    import struct
    def gstr(s):
        return struct.pack("<Q", len(s)) + s
    body = bytes(range(18)) * 2 + bytes(range(34))
    hdr = b"GGUF" + struct.pack("<IQQ", 3, 2, 0)
    hdr += gstr(b"q.weight") + struct.pack("<IQIQ", 1, 64, 2, 0)  # Q4_0, two blocks at 0
    hdr += gstr(b"r") + struct.pack("<IQIQ", 1, 32, 8, 64)  # Q8_0, one block at 64
    hdr += b"\0" * ((-len(hdr)) % 32)
    out.append(("gguf", hdr + body[:36] + b"\0" * 28 + body[36:]))
    return out


def lying_npz(rng):
    """An .npz built to lie: npy headers with random (often huge) shapes, members stored or
    deflated (streams cut short or not), and directory sizes true, shifted or random."""
    import struct
    import zlib
    local, cd, n = b"", b"", rng.randrange(1, 4)
    for k in range(n):
        shape = tuple(rng.choice([0, 1, 3, 40, 1000, 1 << 20, 1 << 28, (1 << 31) - 1])
                      for _ in range(rng.randrange(0, 3)))
        h = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % (repr(shape),)
        h += " " * ((-(len(h) + 11)) % 64) + "\n"
        body = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode()
        body += bytes(rng.randrange(256) for _ in range(rng.choice([0, 16, 160, 4000])))
        method = rng.choice([0, 8])
        stored = body
        if method == 8:
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            stored = c.compress(body) + c.flush(rng.choice([zlib.Z_FINISH, zlib.Z_SYNC_FLUSH]))
        def size(true):
            r = rng.randrange(4)
            return (true if r == 0 else true + rng.randrange(1, 1 << rng.choice([4, 16, 31]))
                    if r == 1 else rng.getrandbits(rng.choice([8, 32])) if r == 2 else max(0, true - rng.randrange(1, 64)))
        fsize, csize = min(size(len(body)), 0xFFFFFFFE), min(size(len(stored)), 0xFFFFFFFE)
        crc = zlib.crc32(body) if rng.randrange(4) else rng.getrandbits(32)
        name = ("m%d.npy" % (k if rng.randrange(4) else 0)).encode()
        off = len(local)
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, crc, csize, fsize, len(name), 0)
        local += name + stored
        cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0, crc, csize, fsize,
                          len(name), 0, 0, 0, 0, 0, off) + name
    return local + cd + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(cd), len(local), 0)


def mutate(rng, data):
    d = bytearray(data)
    kind = rng.randrange(5)
    if kind == 0:
        del d[rng.randrange(len(d) + 1):]
    n = 1 + rng.randrange(8)
    for _ in range(n):
        if not d:
            break
        pos = rng.randrange(len(d)) if kind >= 3 else rng.randrange(min(len(d), 160))
        r = rng.randrange(6)
        if r == 0:
            d[pos] = 0xFF
        elif r == 1:
            d[pos] = 0
        elif r == 2 and pos + 8 <= len(d):
            d[pos:pos + 8] = rng.getrandbits(64).to_bytes(8, "little")
        else:
            d[pos] = rng.randrange(256)
    if kind == 4 and d:
        # Duplicate a slice (repeated entries).
        a = rng.randrange(len(d))
        b = min(len(d), a + rng.randrange(64))
        d[b:b] = d[a:b]
    return bytes(d)


def worker():
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_AS, LIMIT_AS))
    import mlx.core as mx
    for line in sys.stdin:
        path, fmt = line.split()
        size = os.path.getsize(path)
        mx.reset_peak_memory()
        try:
            out = mx.load(path, format=fmt)
            mx.eval(list(out.values()) if isinstance(out, dict) else out)
            res = "ok"
        except (ValueError, RuntimeError):
            res = "raised"
        except Exception as e:  # anything else is a finding
            res = "other:" + type(e).__name__ + ":" + str(e)[:80].replace("\n", " ")
        peak = mx.get_peak_memory()
        if peak > PEAK_FACTOR * size + (1 << 20):
            res += " peak:%d" % peak
        mx.clear_cache()
        print(res, flush=True)


def main():
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    base = seeds()
    counts = collections.Counter()
    findings = []
    tmp = tempfile.mkdtemp()
    proc = None
    for i in range(total):
        if i % 4 == 3:
            fmt, m = "npz", lying_npz(rng)
        else:
            fmt, data = base[i % len(base)]
            m = mutate(rng, data)
        path = os.path.join(tmp, "m%d.%s" % (i % 64, fmt))
        with open(path, "wb") as f:
            f.write(m)
        if proc is None:
            proc = subprocess.Popen([sys.executable, __file__, "--worker"], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, text=True)
        proc.stdin.write("%s %s\n" % (path, fmt))
        proc.stdin.flush()
        line = proc.stdout.readline().strip()
        if not line:
            proc.wait()
            line = "crash:%d" % proc.returncode
            proc = None
            keep = os.path.join(tmp, "crash%d.%s" % (i, fmt))
            os.rename(path, keep)
        counts[(fmt, line.split(":")[0].split()[0])] += 1
        if not (line == "ok" or line == "raised"):
            findings.append((i, fmt, line))
    if proc:
        proc.stdin.close()
        proc.wait()
    for k in sorted(counts):
        print("%-12s %-8s %d" % (k[0], k[1], counts[k]))
    print("findings:", len(findings))
    for f in findings[:20]:
        print(" ", f)
    return 1 if findings else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker()
    else:
        sys.exit(main())
