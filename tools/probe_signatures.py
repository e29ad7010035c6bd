"""Finds how a function really binds its arguments, by calling it.

A docstring's signature line can say less than the binding does (the reference documents
``add(a, b, stream=None)`` but rejects ``add(a=x, b=y)`` and a positional stream). For each
recorded name we try to find one valid positional call from a small pool of values, then ask
for each parameter passed positionally whether it is also accepted by keyword, and whether
``stream`` is accepted positionally. The result: {name: {param: "pos_only" | "pos_or_kw" |
"kw_only"}} for the parameters probed.
"""
import ast
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
    # Each optional parameter, given its own default: positionally (after the defaults of the
    # optional ones before it) and by keyword.
    optional = [p for p in params if p[2] is not None and p[1] in ("pos_only", "pos_or_kw", "kw_only")]
    before, state = [], "positional"  # positional: every optional one so far passed positionally
    for name, _, default in optional:
        value = default_value(default, mx)
        if value is _NO_VALUE:
            state = "unknown" if state == "positional" else state
            continue
        keyword = _binds(fn, found, {name: value})
        if state == "positional":
            if _binds(fn, found + before + [value], {}):
                out[name] = "pos_or_kw" if keyword else "pos_only"
                before.append(value)
            elif keyword:
                out[name] = "kw_only"
                state = "keyword"  # everything after a keyword-only parameter is keyword-only
            else:
                state = "unknown"
        elif state == "keyword" and keyword:
            out[name] = "kw_only"
    return out


_NO_VALUE = object()


def default_value(text, mx):
    """The Python value of a documented default ("None", "-1", "'constant'", "float32")."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return getattr(mx, text, _NO_VALUE)
    # signatures.normalize_default writes numbers as floats; an int parameter needs an int.
    return int(value) if isinstance(value, float) and value.is_integer() else value
