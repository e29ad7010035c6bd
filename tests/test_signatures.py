"""Every mlx.core (random, linalg, fast) function has the reference's signature.

tests/data/reference_signatures.json holds the reference's signature lines (recorded with
tools/record_signatures.py under the reference), plus the kinds its binding really has where
its docstring says less (its `add(a, b, stream=None)` rejects `add(a=x, b=y)` and a positional
stream). Names we do not have yet are skipped (other work adds them); for the rest, parameter
names, kinds (positional-only, keyword-only) and defaults must match, both as documented and
as called. Annotations may differ.
"""
import json
import os
import sys

import pytest

import mlx.core as mx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))

import probe_signatures  # noqa: E402
import record_signatures  # noqa: E402
import signatures  # noqa: E402

with open(os.path.join(HERE, "data", "reference_signatures.json")) as f:
    REFERENCE = json.load(f)


def lookup(full):
    obj = mx
    for part in full.split(".")[2:]:
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


PRESENT = sorted(n for n in REFERENCE if lookup(n) is not None)


def test_reference_data_covers_the_api():
    assert len(REFERENCE) >= 300
    for prefix in ("mlx.core.random.", "mlx.core.linalg.", "mlx.core.fast."):
        assert any(n.startswith(prefix) for n in REFERENCE), prefix


@pytest.mark.parametrize("full", PRESENT)
def test_documented_signature(full):
    got = signatures.doc_signatures(lookup(full))
    want = record_signatures.expected(full, REFERENCE[full])
    assert got == want, (f"{full}: ours ({' | '.join(map(signatures.describe, got))}) vs reference "
                         f"({' | '.join(map(signatures.describe, want))})")


PROBED = sorted(n for n in PRESENT if REFERENCE[n].get("probed"))


@pytest.mark.parametrize("full", PROBED)
def test_binding_as_called(full):
    # The same probe that found the reference's kinds, run on ours.
    entry = REFERENCE[full]
    got = record_signatures.probed_kinds(full, lookup(full), entry["doc"])
    assert got == entry["probed"]


X = mx.array([1.0, 2.0])


def test_elementwise_families_agree():
    # One family: every unary and binary op takes its inputs positionally only and the
    # stream by keyword only (the reference rejects both other forms).
    for f in (mx.exp, mx.erf, mx.isnan, mx.abs, mx.bitwise_invert, mx.logical_not):
        arg = mx.array([1, 2]) if f is mx.bitwise_invert else X
        assert f(arg, stream=mx.cpu).shape == (2,)
        with pytest.raises(TypeError):
            f(a=arg)
        with pytest.raises(TypeError):
            f(arg, mx.cpu)
    for f in (mx.add, mx.arctan2, mx.maximum, mx.logical_and, mx.power, mx.divmod, mx.equal):
        f(X, X, stream=mx.cpu)
        with pytest.raises(TypeError):
            f(a=X, b=X)
        with pytest.raises(TypeError):
            f(X, X, mx.cpu)


def test_reference_keywords_work():
    # Calls with the reference's keyword names (each accepted by the reference).
    a = mx.arange(6).reshape(2, 3)
    assert mx.sum(a, axis=0, keepdims=True).shape == (1, 3)
    assert mx.count_nonzero(a, axis=1, keepdims=False).shape == (2,)
    assert mx.cumsum(a, axis=1, reverse=True, inclusive=False).shape == (2, 3)
    assert mx.split(a, indices_or_sections=3, axis=1)[0].shape == (2, 1)
    assert mx.roll(a, shift=1, axis=0).shape == (2, 3)
    assert mx.view(a, dtype=mx.uint32).dtype == mx.uint32
    assert mx.astype(a, dtype=mx.float16).dtype == mx.float16
    assert mx.take(a, indices=mx.array([0]), axis=1).shape == (2, 1)
    assert mx.arange(start=0, stop=3).tolist() == [0, 1, 2]
    assert mx.zeros(shape=(2,), dtype=mx.int8).dtype == mx.int8
    assert mx.clip(a, a_min=1, a_max=3).max().item() == 3
    for kw in ({"a": a}, {"array": a}):
        with pytest.raises(TypeError):
            mx.sum(**kw)
