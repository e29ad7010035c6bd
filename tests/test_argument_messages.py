"""A wrongly typed argument raises an error that names the op and the argument (issue 7):
"[op] Expected <argument> to be ..., but got <type>.", never nanobind's generic
"incompatible function arguments" text. The exception types are the reference's."""

import numpy as np
import pytest

import mlx.core as mx

A = mx.ones((2, 3))
V = mx.arange(6)
K = mx.random.key(0)
F = lambda x: x  # noqa: E731

# (op shown in brackets, argument named, exception type, call)
CASES = [
    # creation
    ("zeros", "shape", TypeError, lambda: mx.zeros("x")),
    ("zeros", "dtype", TypeError, lambda: mx.zeros((2,), dtype="float32")),
    ("zeros", "stream", TypeError, lambda: mx.zeros((2,), stream="cpu")),
    ("ones", "shape", TypeError, lambda: mx.ones(1.5)),
    ("full", "shape", TypeError, lambda: mx.full("x", 1.0)),
    ("zeros_like", "a", TypeError, lambda: mx.zeros_like("x")),
    ("zeros_like", "dtype", TypeError, lambda: mx.zeros_like(A, dtype=3)),
    ("ones_like", "a", TypeError, lambda: mx.ones_like([1, 2])),
    ("arange", "stop", TypeError, lambda: mx.arange(0, "x")),
    ("linspace", "num", TypeError, lambda: mx.linspace(0, 1, num="x")),
    ("linspace", "num", TypeError, lambda: mx.linspace(0, 1, num=2.5)),
    ("linspace", "start", TypeError, lambda: mx.linspace("a", 1)),
    ("linspace", "endpoint", TypeError, lambda: mx.linspace(0, 1, endpoint="yes")),
    ("eye", "n", TypeError, lambda: mx.eye("x")),
    ("eye", "n", TypeError, lambda: mx.eye(2**40)),
    ("eye", "m", TypeError, lambda: mx.eye(2, m=1.5)),
    ("eye", "k", TypeError, lambda: mx.eye(2, k="x")),
    ("identity", "n", TypeError, lambda: mx.identity(2.0)),
    ("tri", "n", TypeError, lambda: mx.tri("x")),
    ("empty", "shape", TypeError, lambda: mx.empty("x")),
    ("hanning", "M", TypeError, lambda: mx.hanning("x")),
    # element-wise
    ("exp", "stream", TypeError, lambda: mx.exp(A, stream=[])),
    ("add", "stream", TypeError, lambda: mx.add(A, A, stream="x")),
    ("where", "stream", TypeError, lambda: mx.where(A, A, A, stream=3)),
    ("clip", "stream", TypeError, lambda: mx.clip(A, 0, 1, stream=3)),
    ("isclose", "rtol", TypeError, lambda: mx.isclose(A, A, rtol="x")),
    ("isclose", "equal_nan", TypeError, lambda: mx.isclose(A, A, equal_nan="x")),
    ("allclose", "atol", TypeError, lambda: mx.allclose(A, A, atol="x")),
    ("array_equal", "equal_nan", TypeError, lambda: mx.array_equal(A, A, equal_nan=[1])),
    ("nan_to_num", "nan", TypeError, lambda: mx.nan_to_num(A, nan="x")),
    ("round", "decimals", TypeError, lambda: mx.round(A, decimals=1.5)),
    # reductions and scans
    ("sum", "a", TypeError, lambda: mx.sum("x")),
    ("sum", "a", TypeError, lambda: mx.sum([1, 2])),
    ("sum", "axis", TypeError, lambda: mx.sum(A, axis="x")),
    ("sum", "axis", TypeError, lambda: mx.sum(A, axis=[0, "x"])),
    ("sum", "keepdims", TypeError, lambda: mx.sum(A, keepdims=1)),
    ("sum", "stream", TypeError, lambda: mx.sum(A, stream="x")),
    ("mean", "axis", TypeError, lambda: mx.mean(A, axis=1.0)),
    ("max", "keepdims", TypeError, lambda: mx.max(A, keepdims="no")),
    ("all", "axis", TypeError, lambda: mx.all(A, axis="x")),
    ("any", "keepdims", TypeError, lambda: mx.any(A, keepdims=2)),
    ("var", "ddof", TypeError, lambda: mx.var(A, ddof=1.5)),
    ("std", "axis", TypeError, lambda: mx.std(A, axis="x")),
    ("logsumexp", "axis", TypeError, lambda: mx.logsumexp(A, axis="x")),
    ("argmax", "axis", TypeError, lambda: mx.argmax(A, axis=[0])),
    ("argmin", "keepdims", TypeError, lambda: mx.argmin(A, keepdims="x")),
    ("cumsum", "axis", TypeError, lambda: mx.cumsum(A, axis=1.5)),
    ("cumsum", "reverse", TypeError, lambda: mx.cumsum(A, reverse="x")),
    ("cumprod", "inclusive", TypeError, lambda: mx.cumprod(A, inclusive="x")),
    ("cummax", "axis", TypeError, lambda: mx.cummax(A, axis="x")),
    ("logcumsumexp", "axis", TypeError, lambda: mx.logcumsumexp(A, axis="x")),
    ("softmax", "axis", TypeError, lambda: mx.softmax(A, axis="x")),
    ("softmax", "precise", TypeError, lambda: mx.softmax(A, precise="x")),
    ("count_nonzero", "axis", TypeError, lambda: mx.count_nonzero(A, axis="x")),
    # shapes
    ("reshape", "a", TypeError, lambda: mx.reshape("x", (2,))),
    ("reshape", "shape", TypeError, lambda: mx.reshape(A, "x")),
    ("flatten", "start_axis", TypeError, lambda: mx.flatten(A, start_axis="x")),
    ("squeeze", "axis", TypeError, lambda: mx.squeeze(A, axis="x")),
    ("expand_dims", "axis", TypeError, lambda: mx.expand_dims(A, axis="x")),
    ("transpose", "axes", TypeError, lambda: mx.transpose(A, axes=(0, "x"))),
    ("swapaxes", "axis1", TypeError, lambda: mx.swapaxes(A, "x", 1)),
    ("moveaxis", "destination", TypeError, lambda: mx.moveaxis(A, 0, "x")),
    ("concatenate", "arrays", TypeError, lambda: mx.concatenate("x")),
    ("concatenate", "arrays", TypeError, lambda: mx.concatenate([A, "x"])),
    ("concatenate", "axis", TypeError, lambda: mx.concatenate([A, A], axis="x")),
    ("stack", "arrays", TypeError, lambda: mx.stack((A, 1))),
    ("stack", "axis", TypeError, lambda: mx.stack([A, A], axis=1.5)),
    ("broadcast_to", "shape", TypeError, lambda: mx.broadcast_to(A, "x")),
    ("tile", "reps", TypeError, lambda: mx.tile(A, "x")),
    ("repeat", "repeats", TypeError, lambda: mx.repeat(A, "x")),
    ("repeat", "axis", TypeError, lambda: mx.repeat(A, 2, axis="x")),
    ("roll", "shift", TypeError, lambda: mx.roll(A, "x")),
    ("split", "axis", TypeError, lambda: mx.split(A, 2, axis="x")),
    ("flip", "axis", TypeError, lambda: mx.flip(A, axis="x")),
    ("diagonal", "offset", TypeError, lambda: mx.diagonal(A, offset="x")),
    ("diag", "k", TypeError, lambda: mx.diag(A, k="x")),
    ("tril", "k", TypeError, lambda: mx.tril(A, k="x")),
    ("triu", "k", TypeError, lambda: mx.triu(A, k=1.5)),
    ("trace", "offset", TypeError, lambda: mx.trace(A, offset="x")),
    ("unflatten", "axis", TypeError, lambda: mx.unflatten(A, "x", (1, 2))),
    ("atleast_1d", "stream", TypeError, lambda: mx.atleast_1d(A, stream="x")),
    ("as_strided", "shape", TypeError, lambda: mx.as_strided(A, shape="x")),
    ("view", "dtype", TypeError, lambda: mx.view(A, "int32")),
    ("astype", "dtype", TypeError, lambda: mx.astype(A, "int32")),
    ("pad", "pad_width", TypeError, lambda: mx.pad(A, "x")),
    # indexing, sorting
    ("take", "axis", TypeError, lambda: mx.take(A, V, axis="x")),
    ("take_along_axis", "axis", TypeError, lambda: mx.take_along_axis(A, V, axis="x")),
    ("put_along_axis", "axis", TypeError, lambda: mx.put_along_axis(A, V, 1.0, axis="x")),
    ("sort", "axis", TypeError, lambda: mx.sort(A, axis="x")),
    ("argsort", "axis", TypeError, lambda: mx.argsort(A, axis=1.5)),
    ("partition", "kth", TypeError, lambda: mx.partition(A, "x")),
    ("argpartition", "kth", TypeError, lambda: mx.argpartition(A, 1.5)),
    ("topk", "k", TypeError, lambda: mx.topk(A, "x")),
    ("topk", "axis", TypeError, lambda: mx.topk(A, 1, axis="x")),
    # random
    ("seed", "seed", TypeError, lambda: mx.random.seed("x")),
    ("key", "seed", TypeError, lambda: mx.random.key("x")),
    ("split", "num", TypeError, lambda: mx.random.split(K, num="x")),
    ("normal", "shape", TypeError, lambda: mx.random.normal("x")),
    ("normal", "dtype", TypeError, lambda: mx.random.normal((2,), dtype="float32")),
    ("normal", "key", TypeError, lambda: mx.random.normal((2,), key="x")),
    ("uniform", "shape", TypeError, lambda: mx.random.uniform(shape="x")),
    ("uniform", "key", TypeError, lambda: mx.random.uniform(key=3)),
    ("randint", "shape", TypeError, lambda: mx.random.randint(0, 5, shape="x")),
    ("bernoulli", "key", TypeError, lambda: mx.random.bernoulli(key="x")),
    ("categorical", "axis", TypeError, lambda: mx.random.categorical(A, axis="x")),
    ("categorical", "num_samples", TypeError, lambda: mx.random.categorical(A, num_samples="x")),
    ("gumbel", "shape", TypeError, lambda: mx.random.gumbel(shape="x")),
    ("permutation", "axis", TypeError, lambda: mx.random.permutation(V, axis="x")),
    ("truncated_normal", "shape", TypeError, lambda: mx.random.truncated_normal(-1, 1, shape="x")),
    ("laplace", "dtype", TypeError, lambda: mx.random.laplace(dtype="x")),
    # transforms, devices, memory, files
    ("grad", "fun", TypeError, lambda: mx.grad("x")),
    ("grad", "argnums", TypeError, lambda: mx.grad(F, argnums="x")),
    ("grad", "argnames", TypeError, lambda: mx.grad(F, argnames=[1])),
    ("value_and_grad", "argnums", TypeError, lambda: mx.value_and_grad(F, argnums=1.5)),
    ("checkpoint", "fun", TypeError, lambda: mx.checkpoint(3)),
    ("default_stream", "device", TypeError, lambda: mx.default_stream("cpu")),
    ("new_stream", "device", TypeError, lambda: mx.new_stream("gpu")),
    ("device_count", "device_type", TypeError, lambda: mx.device_count("cpu")),
    ("is_available", "device", TypeError, lambda: mx.is_available("cpu")),
    ("set_memory_limit", "limit", TypeError, lambda: mx.set_memory_limit("x")),
    ("set_cache_limit", "limit", TypeError, lambda: mx.set_cache_limit(1.5)),
    ("set_wired_limit", "limit", TypeError, lambda: mx.set_wired_limit("x")),
    ("issubdtype", "arg1", ValueError, lambda: mx.issubdtype("x", mx.floating)),
    ("issubdtype", "arg2", ValueError, lambda: mx.issubdtype(mx.float32, "x")),
    ("isdtype", "dtype", TypeError, lambda: mx.isdtype("x", "bool")),
    ("can_cast", "to", TypeError, lambda: mx.can_cast(mx.int8, "x")),
    ("from_dlpack", "copy", TypeError, lambda: mx.from_dlpack(A, copy="x")),
    ("set_printoptions", "precision", TypeError, lambda: mx.set_printoptions(precision="x")),
    # constructors and context managers
    ("array", "dtype", TypeError, lambda: mx.array([1], dtype="x")),
    ("Device", "type", TypeError, lambda: mx.Device("x")),
    ("Device", "index", TypeError, lambda: mx.Device(mx.cpu, "x")),
    ("finfo", "dtype", TypeError, lambda: mx.finfo("x")),
    ("iinfo", "dtype", TypeError, lambda: mx.iinfo(3)),
    ("stream", "s", TypeError, lambda: mx.stream("x")),
    ("synchronize", "stream", TypeError, lambda: mx.synchronize("x")),
    ("custom_function", "f", TypeError, lambda: mx.custom_function("x")),
    # array methods
    ("reshape", "shape", TypeError, lambda: A.reshape("x")),
    ("reshape", "shape", TypeError, lambda: A.reshape(2, "x")),
    ("transpose", "axes", TypeError, lambda: A.transpose("x")),
    ("transpose", "axes", TypeError, lambda: A.transpose(1, 0.5)),
    ("astype", "dtype", TypeError, lambda: A.astype("nope")),
    ("astype", "stream", TypeError, lambda: A.astype(mx.int32, stream="x")),
    ("view", "dtype", TypeError, lambda: A.view(1)),
    ("swapaxes", "axis2", TypeError, lambda: A.swapaxes(0, "x")),
    ("squeeze", "axis", TypeError, lambda: A.squeeze("x")),
    ("flatten", "end_axis", TypeError, lambda: A.flatten(end_axis=1.5)),
    ("sum", "axis", TypeError, lambda: A.sum("x")),
    ("sum", "keepdims", TypeError, lambda: A.sum(keepdims="x")),
    ("mean", "stream", TypeError, lambda: A.mean(stream=2.5)),
    ("argmax", "axis", TypeError, lambda: A.argmax(axis="x")),
    ("var", "ddof", TypeError, lambda: A.var(ddof="x")),
    ("cumsum", "axis", TypeError, lambda: A.cumsum(axis="x")),
    ("split", "axis", TypeError, lambda: A.split(2, axis="x")),
    ("moveaxis", "source", TypeError, lambda: A.moveaxis("x", 0)),
    ("diagonal", "offset", TypeError, lambda: A.diagonal(offset="x")),
    ("round", "decimals", TypeError, lambda: A.round("x")),
    ("exp", "stream", TypeError, lambda: A.exp(stream="x")),
    ("to_device", "device", TypeError, lambda: A.to_device("cpu")),
]


def case_id(case):
    return f"{case[0]}-{case[1]}"


@pytest.mark.parametrize("op,name,exc,call", CASES, ids=[case_id(c) for c in CASES])
def test_bad_argument_names_op_and_argument(op, name, exc, call):
    with pytest.raises(exc) as info:
        call()
    msg = str(info.value)
    assert f"[{op}]" in msg, msg
    assert name in msg, msg
    assert "incompatible function arguments" not in msg, msg
    assert "Invoked with types" not in msg, msg


def test_bad_element_is_named():
    with pytest.raises(TypeError, match=r"\[concatenate\] .*arrays.*element of type str"):
        mx.concatenate([A, "x"])
    with pytest.raises(TypeError, match=r"\[sum\] .*axis.*element of type str"):
        mx.sum(A, axis=(0, "x"))


def test_numpy_bool_is_not_a_bool_argument():
    # As the reference, a bool argument takes only True / False; the message shows the type.
    with pytest.raises(TypeError, match=r"\[sum\] Expected keepdims to be a bool, but got numpy\.bool"):
        mx.sum(A, keepdims=np.bool_(True))


def test_out_of_range_int_says_so():
    with pytest.raises(TypeError, match=r"\[eye\] Expected n to be an int in the range"):
        mx.eye(2**40)


@pytest.mark.parametrize(
    "op,name,call",
    [
        ("exp", "a", lambda: mx.exp("x")),
        ("add", "b", lambda: mx.add(A, "x")),
        ("where", "condition", lambda: mx.where("x", A, A)),
        ("clip", "a_min", lambda: mx.clip(A, "x", 1)),
        ("full", "vals", lambda: mx.full((2,), "x")),
        ("permutation", "x", lambda: mx.random.permutation("x")),
        ("can_cast", "from_", lambda: mx.can_cast("x", mx.int8)),
        ("array", "val", lambda: mx.array(object())),
        ("array", "val", lambda: mx.array([[1], ["x"]])),
        ("add", "b", lambda: mx.add(A, [1, "x"])),
    ],
)
def test_array_like_str_stays_value_error(op, name, call):
    # As the reference: an array-like argument that is a str is a ValueError; the message
    # names the op and the argument.
    with pytest.raises(ValueError) as info:
        call()
    assert f"[{op}]" in str(info.value) and name in str(info.value), str(info.value)


@pytest.mark.parametrize(
    "op,call",
    [
        ("atleast_1d", lambda: mx.atleast_1d(A, object())),
        ("atleast_3d", lambda: mx.atleast_3d([1, 2])),
        ("meshgrid", lambda: mx.meshgrid(A, "x")),
    ],
)
def test_varargs_arrays_raise_type_error(op, call):
    # The reference raises RuntimeError (std::bad_cast) here; a TypeError names the op.
    with pytest.raises(TypeError, match=rf"\[{op}\] Expected each of \*\w+ to be an array"):
        call()


@pytest.mark.parametrize(
    "call,expected",
    [
        (lambda: mx.eye(np.int64(2), k=np.int32(1)).tolist(), [[0.0, 1.0], [0.0, 0.0]]),
        (lambda: mx.sum(A, axis=np.int64(1)).tolist(), [3.0, 3.0]),
        (lambda: mx.sum(A, axis=None, keepdims=True).shape, (1, 1)),
        (lambda: mx.cumsum(V, axis=None, reverse=True).tolist(), [15, 15, 14, 12, 9, 5]),
        (lambda: mx.linspace(0, 1, num=np.int16(3)).tolist(), [0.0, 0.5, 1.0]),
        (lambda: mx.linspace(0, 1, num=None).shape, (50,)),
        (lambda: mx.topk(V, np.int64(2)).tolist(), [4, 5]),
        (lambda: A.reshape(np.int64(3), 2).shape, (3, 2)),
        (lambda: A.reshape([np.int32(6)]).shape, (6,)),
        (lambda: A.transpose(np.int64(1), 0).shape, (3, 2)),
        (lambda: A.transpose().shape, (3, 2)),
        (lambda: A.swapaxes(np.int8(0), 1).shape, (3, 2)),
        (lambda: mx.concatenate((A, A), axis=None).shape, (12,)),
        (lambda: mx.random.split(K, num=np.int64(3)).shape, (3, 2)),
        (lambda: mx.random.normal((2,), key=None, stream=mx.cpu).shape, (2,)),
        (lambda: mx.var(A, ddof=True).shape, ()),
        (lambda: mx.exp(A, stream=mx.default_stream(mx.cpu)).shape, (2, 3)),
        (lambda: mx.array([1, 2], dtype=None).tolist(), [1, 2]),
        (lambda: mx.Device(mx.cpu, np.int64(0)) == mx.cpu, True),
        (lambda: mx.iinfo(mx.int8).max, 127),
        (lambda: mx.custom_function(lambda x: x * 2)(V).tolist(), [0, 2, 4, 6, 8, 10]),
    ],
)
def test_correct_calls_still_work(call, expected):
    assert call() == expected


def test_signatures_unchanged_by_checking():
    # The checked parameters show their own types (None only where the argument takes it).
    sig = mx.sum.__nb_signature__[0][0]
    assert "keepdims: bool = " in sig
    assert "stream: mlx.core.Stream | mlx.core.Device | None" in sig
    assert "None | None" not in mx.eye.__nb_signature__[0][0]


# ---- A sweep over the public surface --------------------------------------------------
# For every function of mlx.core and mlx.core.random and every method of mlx.core.array:
# a call with plausible values for each parameter (from the signature's types) must work;
# then each parameter in turn gets an object of a type nothing accepts, and the error must
# name the op in brackets and never be nanobind's generic text.

class _Unusable:
    pass


SQ = mx.ones((3, 3))


def _good_value(ann):
    ann = ann.replace("mlx.core.", "").replace("collections.abc.", "")
    if "Dtype" in ann and "array" not in ann:
        return mx.float32
    if "Stream" in ann or "Device" in ann:
        return mx.cpu
    if "list[array]" in ann or "Sequence[array]" in ann:
        return [SQ, SQ]
    if "array" in ann or ann == "object":
        return SQ
    if "Sequence[int]" in ann:
        return (3, 3)
    if ann.startswith("int"):
        return 0
    if ann.startswith("bool"):
        return False
    if ann.startswith("float"):
        return 0.5
    if "Callable" in ann:
        return lambda *args: args[0]
    return None


def _split_params(sig):
    inner = sig[sig.index("(") + 1 : sig.rindex(") ->")] if ") ->" in sig else ""
    depth, cur, out = 0, "", []
    for ch in inner:
        depth += ch in "[(" and 1 or (ch in "])" and -1 or 0)
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    params, kw_only = [], False
    for p in out:
        if p == "*":
            kw_only = True
        elif p in ("/", "self") or p.startswith("*"):
            if p.startswith("*") and p != "*":
                return None  # *args / **kwargs: not swept
        else:
            name, _, rest = p.partition(":")
            ann, _, default = rest.partition("=")
            params.append((name.strip(), ann.strip(), bool(default.strip()), kw_only))
    return params


# Not swept: they take any object (eval, to_device's ignored stream), check lazily when the
# result is called (vmap's axes, compile's inputs/outputs state, as the reference), write files, or change process-wide state.
_NOT_SWEPT = {"eval", "async_eval", "vmap", "save", "savez", "savez_compressed", "save_gguf",
              "save_safetensors", "load", "set_default_device", "set_default_stream",
              "set_memory_limit", "set_cache_limit", "set_wired_limit", "set_printoptions",
              "seed", "clear_cache", "synchronize", "stream", "from_dlpack", "depends",
              "to_device", "compile"}


def _sweep_targets():
    out = []
    for prefix, mod in (("mx", mx), ("mx.random", mx.random)):
        for name in sorted(dir(mod)):
            f = getattr(mod, name)
            if name.startswith("_") or name in _NOT_SWEPT or isinstance(f, type):
                continue
            if hasattr(f, "__nb_signature__"):
                out.append((f"{prefix}.{name}", f, None))
    for name in sorted(dir(mx.array)):
        f = getattr(mx.array, name)
        if not name.startswith("_") and name not in _NOT_SWEPT and hasattr(f, "__nb_signature__"):
            out.append((f"array.{name}", f, SQ))
    return out


@pytest.mark.parametrize("qualname,fn,self_", _sweep_targets(), ids=lambda x: x if isinstance(x, str) else "")
def test_sweep_no_generic_message(qualname, fn, self_):
    sig = fn.__nb_signature__[-1][0]
    params = _split_params(sig)
    if not params:
        return
    call = (lambda *a, **k: fn(self_, *a, **k)) if self_ is not None else fn

    def build(bad_index):
        args, kwargs = [], {}
        for i, (name, ann, has_default, kw_only) in enumerate(params):
            if i != bad_index and has_default:
                continue
            value = _Unusable() if i == bad_index else _good_value(ann)
            if kw_only or has_default:
                kwargs[name] = value
            else:
                args.append(value)
        return args, kwargs

    args, kwargs = build(-1)
    try:
        call(*args, **kwargs)
    except Exception:
        # The plausible values do not fit this op (a value error of its own): nothing to
        # compare against.
        return
    for i, (name, _, _, _) in enumerate(params):
        args, kwargs = build(i)
        with pytest.raises((TypeError, ValueError)) as info:
            call(*args, **kwargs)
        msg = str(info.value)
        assert "incompatible function arguments" not in msg, f"{qualname}({name}): {msg}"
        assert "[" in msg and name in msg, f"{qualname}({name}): {msg}"


def test_compile_names_a_non_callable():
    with pytest.raises(TypeError, match=r"\[compile\] Expected fun to be a callable, but got int."):
        mx.compile(5)
