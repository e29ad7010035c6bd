"""Records the reference's signatures, or lists where ours differ from the recorded ones.

    /work/shared/tools/mlx-ref tools/record_signatures.py --record   # writes tests/data/reference_signatures.json
    python tools/record_signatures.py                                 # our mismatches, one a line

Covers every callable in mlx.core, mlx.core.random, mlx.core.linalg and mlx.core.fast. A name
we lack is listed as missing (other issues add them); names, parameter kinds (positional-only,
keyword-only) and defaults must match, annotations may differ.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "tests", "data", "reference_signatures.json")
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
sys.path.insert(0, HERE)

import probe_signatures  # noqa: E402
import signatures  # noqa: E402

MODULES = ("mlx.core", "mlx.core.random", "mlx.core.linalg", "mlx.core.fast")


def callables():
    import mlx.core as mx
    for modname in MODULES:
        mod = mx
        for part in modname.split(".")[2:]:
            mod = getattr(mod, part, None)
        if mod is None:
            continue
        for name in sorted(dir(mod)):
            obj = getattr(mod, name)
            if name.startswith("_") or isinstance(obj, type) or not callable(obj):
                continue
            yield f"{modname}.{name}", obj


def probed_kinds(full, obj, lines):
    """How obj really binds (probe_signatures), for a single-signature name it can call."""
    import mlx.core as mx
    short = full.rsplit(".", 1)[1]
    if len(lines) != 1 or any(s in short for s in probe_signatures.SKIP):
        return None
    return probe_signatures.probe(obj, signatures.parse(lines[0])[1], mx)


# Deliberate differences (docs/differences.md): a parameter the reference requires has a
# default here, so every call the reference accepts is accepted here too.
EXTRA_DEFAULTS = {
    ("mlx.core.unique", "size"): "None",  # without size: the data-dependent number of values
    ("mlx.core.save_gguf", "metadata"): "None",  # no metadata: none written
    # Not a difference: the reference's docstring omits it, its binding has it (arange(0, 10)).
    ("mlx.core.arange", "step"): "None",
}


def expected(full, entry):
    """The reference's signatures for `full`: its docstring lines, with the kinds its binding
    really has (and EXTRA_DEFAULTS)."""
    sigs = [signatures.parse(line)[1] for line in entry["doc"]]
    probed = entry.get("probed") or {}
    out = []
    for sig in sigs:
        fixed, keyword_seen = [], False
        for n, k, d in sig:
            k = probed.get(n, k)
            # Nothing after a keyword-capable parameter is positional-only (the reference's
            # roll documents `a, shift, axis=None, /` but takes shift= and axis=).
            if k == "pos_only" and keyword_seen:
                k = "pos_or_kw"
            keyword_seen = keyword_seen or k == "pos_or_kw"
            fixed.append((n, k, EXTRA_DEFAULTS.get((full, n), d)))
        out.append(fixed)
    return out


def record():
    out = {}
    for full, obj in callables():
        lines = []
        for line in (obj.__doc__ or "").split("\n"):
            if not line.strip() or signatures.parse(line) is None:
                break
            lines.append(line.strip())
        out[full] = {"doc": lines}
        probed = probed_kinds(full, obj, lines)
        if probed:
            out[full]["probed"] = probed
    with open(DATA, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"recorded {len(out)} signatures in {os.path.normpath(DATA)}")


def mismatches():
    """[(name, ours, reference)] for every recorded name we have whose signature differs."""
    import mlx.core as mx
    with open(DATA) as f:
        ref = json.load(f)
    ours = dict(callables())
    out = []
    for full, entry in sorted(ref.items()):
        if full not in ours:
            continue
        want = expected(full, entry)
        got = signatures.doc_signatures(ours[full])
        if got != want:
            out.append((full, got, want))
            continue
        probed = entry.get("probed")
        if probed:
            real = probed_kinds(full, ours[full], entry["doc"])
            if real != probed:
                out.append((full + " (as called)", [sorted((real or {}).items())], [sorted(probed.items())]))
    return out


def main():
    if "--record" in sys.argv:
        record()
        return
    with open(DATA) as f:
        ref = json.load(f)
    import mlx.core  # noqa: F401
    have = dict(callables())
    missing = [n for n in sorted(ref) if n not in have]
    bad = mismatches()
    for full, got, want in bad:
        show = signatures.describe if "(as called)" not in full else str
        print(f"{full}:\n  ours: {' | '.join(show(g) for g in got)}\n"
              f"  ref:  {' | '.join(show(w) for w in want)}")
    print(f"{len(bad)} mismatches, {len(missing)} names not here yet: {' '.join(missing)}")


if __name__ == "__main__":
    main()
