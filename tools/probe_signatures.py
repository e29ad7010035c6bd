"""Finds how a function really binds its arguments, by calling it.

A docstring's signature line can say less than the binding does (the reference documents
``add(a, b, stream=None)`` but rejects ``add(a=x, b=y)`` and a positional stream). For each
recorded name we try to find one valid positional call from a small pool of values, then ask
for each parameter passed positionally whether it is also accepted by keyword, and whether
``stream`` is accepted positionally. The result: {name: {param: "pos_only" | "pos_or_kw" |
"kw_only"}} for the parameters probed.
"""
import itertools

SKIP = ("save", "load", "set_", "export", "import_", "compile", "disable", "enable", "seed", "kernel",
        "reset", "clear", "capture", "eval", "synchronize", "default", "new_stream", "stream",
        "device", "memory", "cuda", "metal", "checkpoint", "custom_function", "grad", "vjp", "jvp",
        "vmap", "fft", "dlpack", "asarray", "array", "print", "finfo", "iinfo", "issubdtype", "tree")


def pool(mx):
    f = mx.array([[1.0, 2.0], [3.0, 4.0]])
    i = mx.array([[1, 2], [3, 0]])
    return [f, i, 0, 1, [2, 2], mx.float32, mx.random.key(0), [f, f]]


def _ok(fn, args, kwargs):
    try:
        fn(*args, **kwargs)
        return True
    except TypeError as e:
        return False
    except Exception:
        # A value error still means the arguments were bound.
        return True


def _binds(fn, args, kwargs):
    """Whether the call gets past argument binding (a TypeError of a rejected binding)."""
    try:
        fn(*args, **kwargs)
        return True
    except TypeError as e:
        msg = str(e)
        return not ("incompatible function arguments" in msg or "unexpected keyword" in msg
                    or "positional argument" in msg or "got multiple values" in msg)
    except Exception:
        return True


def probe(fn, params, mx):
    """params: [(name, kind, default)] from the docstring. Returns {name: kind} or None."""
    required = [p for p in params if p[1] in ("pos_only", "pos_or_kw") and p[2] is None]
    if len(required) > 4 or any(p[1] in ("var_pos", "var_kw") for p in params):
        return None
    values = pool(mx)
    found = None
    for combo in itertools.product(range(len(values)), repeat=len(required)):
        args = [values[k] for k in combo]
        if _ok(fn, args, {}):
            found = args
            break
    if found is None:
        return None
    out = {}
    for idx, (name, _, _) in enumerate(required):
        kw = {p[0]: v for p, v in zip(required[idx:], found[idx:])}
        out[name] = "pos_or_kw" if _binds(fn, found[:idx], kw) else "pos_only"
    if any(p[0] == "stream" for p in params):
        # stream positionally right after the required parameters, when no optional one sits between.
        between = [p for p in params[len(required):] if p[0] != "stream" and p[1] != "kw_only"]
        if not between:
            out["stream"] = "pos_or_kw" if _binds(fn, found + [mx.cpu], {}) else "kw_only"
    return out
