"""The memory API (active/peak/cache memory, limits) against the reference's semantics, the
allocator's buffer cache (reuse of nearby sizes, limits) and its exact mode.

Checks of the cache run in a fresh subprocess with the cache on: the sanitizer run
(tools/sanitize.sh) sets OPENMLX_EXACT_ALLOC=1, which turns the cache off in this process."""

import gc
import os
import re
import subprocess
import sys
import textwrap
import threading

import pytest

import mlx.core as mx

LIMIT_SETTERS = ["set_memory_limit", "set_cache_limit", "set_wired_limit"]
METAL_ALIASES = [
    "clear_cache", "get_active_memory", "get_cache_memory", "get_peak_memory",
    "reset_peak_memory", "set_cache_limit", "set_memory_limit", "set_wired_limit",
]


def run_py(code, exact=False):
    """Runs `code` in a fresh interpreter (cache on unless `exact`); returns its stdout."""
    env = dict(os.environ)
    env.pop("OPENMLX_EXACT_ALLOC", None)
    if exact:
        env["OPENMLX_EXACT_ALLOC"] = "1"
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


@pytest.fixture(autouse=True)
def restore_limits():
    mem = mx.get_memory_limit()
    cache = mx.set_cache_limit(mx.get_memory_limit())
    mx.set_cache_limit(cache)
    yield
    mx.set_memory_limit(mem)
    mx.set_cache_limit(cache)


def settle():
    gc.collect()
    return mx.get_active_memory()


# --- the API and its values -------------------------------------------------------------

def test_getters_return_ints_and_none():
    for name in ["get_active_memory", "get_peak_memory", "get_cache_memory", "get_memory_limit"]:
        v = getattr(mx, name)()
        assert isinstance(v, int) and v >= 0, name
    assert mx.reset_peak_memory() is None
    assert mx.clear_cache() is None


def test_defaults_match_the_reference():
    # The reference's memory limit on the CPU is 80% of the machine's memory; its cache limit
    # is documented to default to the memory limit; the wired limit is 0.
    out = run_py("""
        import mlx.core as mx
        print(mx.get_memory_limit(), mx.set_cache_limit(0), mx.set_wired_limit(0))
    """).split()
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert int(out[0]) == total * 4 // 5
    assert int(out[1]) == int(out[0])
    assert int(out[2]) == 0


def test_set_memory_limit_returns_previous_in_bytes():
    old = mx.get_memory_limit()
    assert mx.set_memory_limit(123_456_789) == old
    assert mx.get_memory_limit() == 123_456_789
    assert mx.set_memory_limit(2**63) == 123_456_789
    assert mx.set_memory_limit(old) == 2**63
    assert mx.get_memory_limit() == old


def test_set_cache_limit_returns_previous():
    old = mx.set_cache_limit(5_000_000)
    assert mx.set_cache_limit(7) == 5_000_000
    assert mx.set_cache_limit(old) == 7


def test_set_wired_limit_keeps_nothing_on_the_cpu():
    # As in the reference's CPU build: CPU memory is never wired, the previous limit is 0.
    assert mx.set_wired_limit(1 << 20) == 0
    assert mx.set_wired_limit(0) == 0


@pytest.mark.parametrize("name", LIMIT_SETTERS)
@pytest.mark.parametrize("bad", [-1, 1.5, "1", None, 2**64])
def test_limit_setters_reject_bad_values(name, bad):
    with pytest.raises(TypeError):
        getattr(mx, name)(bad)


def test_limit_keyword_name():
    old = mx.set_memory_limit(limit=10**9)
    assert mx.set_memory_limit(limit=old) == 10**9


def test_active_memory_follows_an_array():
    base = settle()
    a = mx.ones((256, 1024)) + 1        # 1 MiB of float32
    mx.eval(a)
    grown = mx.get_active_memory() - base
    assert a.nbytes <= grown < a.nbytes + 64 * 1024
    del a
    assert settle() == base


def test_peak_memory_and_reset():
    mx.reset_peak_memory()
    assert mx.get_peak_memory() == 0
    a = mx.ones((500_000,)) + 1         # 2 MB
    mx.eval(a)
    peak = mx.get_peak_memory()
    assert peak >= a.nbytes
    assert peak >= mx.get_active_memory()
    del a
    gc.collect()
    assert mx.get_peak_memory() == peak     # the peak stays after the memory is freed
    mx.reset_peak_memory()
    assert mx.get_peak_memory() == 0


def test_clear_cache_empties_the_cache():
    a = mx.ones((100_000,)) + 1
    mx.eval(a)
    del a
    gc.collect()
    mx.clear_cache()
    assert mx.get_cache_memory() == 0


def test_allocation_threads_keep_the_count():
    base = settle()
    errors = []

    def work(k):
        try:
            for i in range(200):
                x = mx.ones((1000 + 37 * k + i,)) * 2
                assert x.sum().item() == 2 * (1000 + 37 * k + i)
        except Exception as e:   # reported in the main thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert settle() == base


# --- the buffer cache ---------------------------------------------------------------------

def test_freed_block_goes_to_the_cache_and_is_reused():
    out = run_py("""
        import mlx.core as mx
        mx.clear_cache()
        a = mx.ones((250_000,)) + 1; mx.eval(a)   # 1 MB
        active = mx.get_active_memory()
        del a
        print(mx.get_cache_memory(), active - mx.get_active_memory())
        b = mx.ones((250_000,)) + 2; mx.eval(b)
        print(mx.get_cache_memory())
    """).split()
    cached, freed, after = map(int, out)
    assert freed >= 1_000_000
    assert cached >= freed                  # (with the temporaries freed during eval)
    assert cached - after >= 1_000_000


def test_nearby_smaller_size_reuses_a_cached_block():
    # A slightly smaller request takes the cached block: the cache memory drops.
    out = run_py("""
        import mlx.core as mx
        mx.clear_cache()
        a = mx.ones((1_000_000,)) + 1; mx.eval(a)   # 4 MB
        del a
        before = mx.get_cache_memory()
        active = mx.get_active_memory()
        b = mx.ones((900_000,)) + 1; mx.eval(b)     # 3.6 MB
        print(before, mx.get_cache_memory(), mx.get_active_memory() - active)
    """).split()
    before, after, grown = map(int, out)
    assert before >= 4_000_000
    assert before - after >= 4_000_000
    assert grown >= 4_000_000          # the block lent out is the cached one


def test_much_smaller_size_leaves_a_large_block_cached():
    # Taking a block twice the size would idle half of it: a fresh block is used instead.
    out = run_py("""
        import mlx.core as mx
        mx.clear_cache()
        a = mx.ones((1_000_000,)) + 1; mx.eval(a)   # 4 MB
        del a
        before = mx.get_cache_memory()
        b = mx.ones((500_000,)) + 1; mx.eval(b)     # 2 MB
        print(before, mx.get_cache_memory())
    """).split()
    before, after = map(int, out)
    assert after >= 4_000_000 and after >= before - 64


def test_small_sizes_reuse_up_to_twice_their_size():
    out = run_py("""
        import mlx.core as mx
        mx.clear_cache()
        a = mx.ones((1000,)) + 1; mx.eval(a)        # 4000 bytes
        del a
        before = mx.get_cache_memory()
        b = mx.ones((600,)) + 1; mx.eval(b)         # 2400 bytes: takes the 4000-byte block
        print(before, mx.get_cache_memory())
    """).split()
    before, after = map(int, out)
    assert before >= 4000 and before - after >= 4000


def test_small_blocks_of_each_size_are_reused_then_trimmed():
    # Small blocks live in per-size lists: interleaved sizes, reuse of each, and trimming.
    out = run_py("""
        import mlx.core as mx
        mx.clear_cache()
        xs = [mx.ones((n,)) + 1 for n in (100, 200, 100, 300, 100, 2000)]; mx.eval(xs)
        del xs
        full = mx.get_cache_memory()
        ys = [mx.ones((100,)) + 2 for _ in range(3)] + [mx.ones((300,)) + 2]; mx.eval(ys)
        taken = full - mx.get_cache_memory()
        del ys
        mx.set_cache_limit(0)
        print(full, taken, mx.get_cache_memory())
    """).split()
    full, taken, after = map(int, out)
    assert full >= 3 * 400 + 800 + 1200 + 8000
    assert taken >= 3 * 400 + 1200     # the 400- and 1200-byte blocks were lent out again
    assert after == 0


def test_cache_limit_bounds_the_cache():
    out = run_py("""
        import mlx.core as mx
        mx.set_cache_limit(3_000_000)
        xs = [mx.ones((250_000,)) + i for i in range(6)]; mx.eval(xs)   # 6 x 1 MB
        del xs
        print(mx.get_cache_memory())
        big = mx.ones((1_000_000,)) + 1; mx.eval(big)   # 4 MB: over the limit, not cached
        del big
        print(mx.get_cache_memory())
        mx.set_cache_limit(1_100_000)                    # trims now, as the reference does
        print(mx.get_cache_memory())
        mx.set_cache_limit(0)
        print(mx.get_cache_memory())
        a = mx.ones((1000,)) + 1; mx.eval(a); del a
        print(mx.get_cache_memory())
    """).split()
    full, after_big, trimmed, zero, disabled = map(int, out)
    assert 2_000_000 <= full <= 3_000_000
    assert abs(after_big - full) < 4096       # the 4 MB blocks went to the system
    assert 1_000_000 <= trimmed <= 1_100_000
    assert zero == 0 and disabled == 0


def test_memory_limit_frees_the_cache_first():
    # An allocation that would take active + cached memory over the limit frees cached blocks;
    # an allocation larger than the limit itself still succeeds (the limit is a guideline,
    # as in the reference).
    out = run_py("""
        import mlx.core as mx
        xs = [mx.ones((250_000,)) + i for i in range(8)]; mx.eval(xs)   # 8 x 1 MB
        del xs
        print(mx.get_cache_memory())
        mx.set_memory_limit(mx.get_active_memory() + 2_500_000)
        a = mx.ones((500_000,)) + 1; mx.eval(a)                         # 2 MB, not in cache
        print(mx.get_cache_memory())
        mx.set_memory_limit(1_000_000)
        b = mx.ones((1_000_000,)) + 3; mx.eval(b)                       # 4 MB > the limit
        print(b[-1].item(), mx.get_cache_memory())
    """).split()
    full, trimmed, value, cache_at_end = int(out[0]), int(out[1]), float(out[2]), int(out[3])
    assert full >= 8_000_000
    assert trimmed <= 500_000
    assert value == 4.0
    assert cache_at_end == 0


def test_allocation_the_system_cannot_give_raises_memory_error():
    # In a subprocess: the reference crashes here (docs/differences.md).
    out = run_py("""
        import gc
        import mlx.core as mx
        base = mx.get_active_memory()
        x = mx.zeros((2**23, 2**24)) + 1      # 512 TiB of float32: beyond the address space
        try:
            mx.eval(x)
        except MemoryError as e:
            print("MemoryError:", e)
        del x
        gc.collect()
        print(mx.get_active_memory() - base)
        print((mx.ones((10,)) + 1).sum().item())   # the allocator still works
    """).splitlines()
    assert re.fullmatch(r"MemoryError: \[malloc\] Unable to allocate 562949953421312 bytes.*",
                        out[0]), out
    assert out[1:] == ["0", "20.0"]


def test_exact_mode_has_no_cache_and_no_rounding():
    out = run_py("""
        import mlx.core as mx
        base = mx.get_active_memory()
        a = mx.ones((1001,)) + 1; mx.eval(a)      # 4004 bytes, not rounded up
        print(mx.get_active_memory() - base)
        del a
        print(mx.get_active_memory() - base, mx.get_cache_memory())
    """, exact=True).split()
    assert list(map(int, out)) == [4004, 0, 0]


# --- mx.metal -----------------------------------------------------------------------------

def test_metal_is_not_available():
    assert mx.metal.is_available() is False


def test_metal_aliases_forward():
    out = run_py("""
        import sys
        import mlx.core as mx
        mx.metal.set_memory_limit(mx.metal.set_memory_limit(12345))
        print(mx.metal.set_cache_limit(mx.get_memory_limit()) == mx.get_memory_limit())
        print(mx.metal.set_wired_limit(0))
        print(mx.metal.get_active_memory() == mx.get_active_memory())
        print(mx.metal.get_peak_memory() >= 0, mx.metal.get_cache_memory() >= 0)
        print(mx.metal.reset_peak_memory(), mx.metal.clear_cache())
        print(mx.metal.device_info(), mx.metal.device_info())
        print(mx.metal.start_capture("x.gputrace"), mx.metal.stop_capture())
        print(mx.metal.get_active_memory() == mx.get_active_memory())
        sys.stderr.flush()
    """)
    assert out.split() == ["True", "0", "True", "True", "True", "None", "None", "{}", "{}",
                           "None", "None", "True"]


def test_metal_alias_messages():
    code = """
        import mlx.core as mx
        for name in {names!r}:
            f = getattr(mx.metal, name)
            for _ in range(2):
                f(mx.get_memory_limit()) if name.startswith("set_") else f()
        mx.metal.device_info()
    """.format(names=METAL_ALIASES)
    env = dict(os.environ)
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    lines = [l for l in r.stderr.splitlines() if "deprecated" in l]
    expected = [
        f"mx.metal.{n} is deprecated and will be removed in a future version. Use mx.{n} instead."
        for n in METAL_ALIASES + ["device_info"]
    ]
    assert lines == expected
