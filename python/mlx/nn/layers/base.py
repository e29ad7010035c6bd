"""``nn.Module``: the base class of every layer.

A module is a ``dict``: arrays, lists, dicts and sub-modules assigned as attributes are
stored as its items, so a model is a tree of its parameters (see ``mlx.utils``). Keys
starting with an underscore are kept out of ``parameters()``.
"""

import textwrap
from typing import Any, Callable, List, Optional, Tuple, Union

import mlx.core as mx
from mlx.utils import tree_flatten, tree_unflatten

__all__ = ["Module"]


def _default_is_leaf(module, key, value):
    return not isinstance(value, (Module, dict, list))


def _is_floating(dtype):
    return mx.issubdtype(dtype, mx.floating)


def _assign_tree(dst, src, strict, assign, what):
    """Walks ``src`` over ``dst`` (dicts by key, lists by index), calling
    ``assign(container, key, value)`` for each item ``dst`` has; with ``strict``, a key
    ``dst`` lacks or a ``src`` that is not a container is a ``ValueError``."""
    if isinstance(src, dict):
        for k, new in src.items():
            if k in dst:
                assign(dst, k, new)
            elif strict:
                raise ValueError(f'Module does not have {what} named "{k}".')
    elif isinstance(src, list):
        for i, new in enumerate(src):
            assign(dst, i, new)
    elif strict:
        raise ValueError(f"Received invalid type: {type(src).__name__}.")


class Module(dict):
    """Base class for layers and models.

    Subclasses call ``super().__init__()`` and assign their parameters (arrays) and
    sub-modules as attributes. ``parameters()`` returns them as a tree,
    ``update()`` writes a tree back, and ``freeze()`` keeps some out of
    ``trainable_parameters()``.
    """

    __call__: Callable

    def __init__(self):
        self._no_grad = set()
        self._training = True

    @property
    def training(self):
        """Whether the module is in training mode (see :meth:`train`, :meth:`eval`)."""
        return self._training

    @property
    def state(self):
        """The module itself: its tree of arrays, for ``mx.compile``'s ``inputs`` and
        ``outputs``."""
        return self

    # Attribute access goes through the dict for arrays, containers and modules.
    def __getattr__(self, key: str):
        if key in self:
            return self[key]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {key!r}")

    def __setattr__(self, key: str, value: Any):
        if isinstance(value, (mx.array, dict, list, tuple)):
            if key not in self and key in self.__dict__:
                object.__delattr__(self, key)
            self[key] = value
        else:
            if key in self:
                del self[key]
            object.__setattr__(self, key, value)

    def __delattr__(self, key: str):
        if key in self:
            del self[key]
        else:
            object.__delattr__(self, key)

    def _extra_repr(self) -> str:
        return ""

    def __repr__(self):
        children = tree_flatten(self.children(), is_leaf=self.is_module)
        text = f"{type(self).__name__}({self._extra_repr()}"
        for key, child in children:
            text += "\n" + textwrap.indent(f"({key}): {child!r}", prefix="  ")
        if children:
            text += "\n"
        return text + ")"

    # ------------------------------------------------------------------ filters
    @staticmethod
    def is_module(value):
        """Whether ``value`` is a :class:`Module`."""
        return isinstance(value, Module)

    @staticmethod
    def valid_child_filter(module, key, value):
        """Containers that may hold sub-modules."""
        return isinstance(value, (dict, list))

    @staticmethod
    def valid_parameter_filter(module, key, value):
        """Arrays and containers whose key does not start with an underscore."""
        return isinstance(value, (dict, list, mx.array)) and not key.startswith("_")

    @staticmethod
    def trainable_parameter_filter(module, key, value):
        """Parameters that are not frozen."""
        return Module.valid_parameter_filter(module, key, value) and key not in module._no_grad

    def filter_and_map(
        self,
        filter_fn: Callable[["Module", str, Any], bool],
        map_fn: Optional[Callable] = None,
        is_leaf_fn: Optional[Callable[["Module", str, Any], bool]] = None,
    ):
        """The tree of this module's items that ``filter_fn(module, key, value)`` keeps,
        with ``map_fn`` applied to the leaves (``is_leaf_fn`` says what a leaf is).

        Inside lists and dicts the key passed to the filters is the dotted path from
        the owning module (``"layers.0"``); an item a filter rejects there becomes ``{}``.
        """
        map_fn = map_fn or (lambda x: x)
        is_leaf_fn = is_leaf_fn or _default_is_leaf

        def unwrap(owner, key, value):
            if is_leaf_fn(owner, key, value):
                return map_fn(value)
            if isinstance(value, Module):
                return {
                    k: unwrap(value, k, v) for k, v in value.items() if filter_fn(value, k, v)
                }
            if isinstance(value, dict):
                out = {}
                for k, v in value.items():
                    path = f"{key}.{k}"
                    out[k] = unwrap(owner, path, v) if filter_fn(owner, path, v) else {}
                return out
            if isinstance(value, list):
                out = []
                for i, v in enumerate(value):
                    path = f"{key}.{i}"
                    out.append(unwrap(owner, path, v) if filter_fn(owner, path, v) else {})
                return out
            raise RuntimeError("Unexpected leaf found while traversing the module")

        return {k: unwrap(self, k, v) for k, v in self.items() if filter_fn(self, k, v)}

    # ------------------------------------------------------------------ trees
    def parameters(self):
        """All parameters (arrays) as a tree of dicts and lists."""
        return self.filter_and_map(self.valid_parameter_filter)

    def trainable_parameters(self):
        """The parameters that are not frozen."""
        return self.filter_and_map(self.trainable_parameter_filter)

    def children(self):
        """The direct sub-modules, inside the containers that hold them."""
        return self.filter_and_map(
            self.valid_child_filter, is_leaf_fn=lambda m, k, v: isinstance(v, Module)
        )

    def leaf_modules(self):
        """The sub-modules that have no sub-modules themselves."""

        def is_leaf_module(m, k, v):
            return isinstance(v, Module) and len(tree_flatten(v.children())) == 0

        return self.filter_and_map(self.valid_child_filter, is_leaf_fn=is_leaf_module)

    def named_modules(self):
        """``(dotted_name, module)`` for this module (name ``""``) and every
        sub-module, depth first."""
        found = []
        stack = [("", self)]
        while stack:
            name, module = stack.pop()
            found.append((name, module))
            prefix = "." + name if name else ""
            stack.extend(tree_flatten(module.children(), prefix=prefix, is_leaf=self.is_module))
        return found

    def modules(self):
        """This module and every sub-module, depth first."""
        return [m for _, m in self.named_modules()]

    def update(self, parameters: dict, strict: bool = True) -> "Module":
        """Replace parameters with the arrays of ``parameters``, a tree shaped like
        (part of) :meth:`parameters`. With ``strict``, unknown keys and non-array
        values are a ``ValueError``."""

        def assign(dst, k, new):
            current = dst[k]
            if isinstance(current, mx.array):
                if strict and not isinstance(new, mx.array):
                    raise ValueError(f"Received invalid type: {type(new).__name__}.")
                dst[k] = new
            else:
                _assign_tree(current, new, strict, assign, "parameter")

        _assign_tree(self, parameters, strict, assign, "parameter")
        return self

    def update_modules(self, modules: dict, strict: bool = True) -> "Module":
        """Replace sub-modules with those of ``modules``, a tree shaped like (part of)
        :meth:`children`."""

        def assign(dst, k, new):
            current = dst[k]
            if isinstance(current, Module) and isinstance(new, Module):
                dst[k] = new
            elif isinstance(current, (dict, list)):
                _assign_tree(current, new, strict, assign, "sub-module")
            elif strict and new != {}:
                raise ValueError(f"Received invalid type: {type(new).__name__}.")

        _assign_tree(self, modules, strict, assign, "sub-module")
        return self

    def apply(
        self,
        map_fn: Callable[[mx.array], mx.array],
        filter_fn: Optional[Callable[["Module", str, Any], bool]] = None,
    ) -> "Module":
        """Replace each parameter ``p`` (those ``filter_fn`` keeps) with ``map_fn(p)``."""
        filter_fn = filter_fn or self.valid_parameter_filter
        return self.update(self.filter_and_map(filter_fn, map_fn))

    def apply_to_modules(self, apply_fn: Callable[[str, "Module"], Any]) -> "Module":
        """Call ``apply_fn(dotted_name, module)`` on this module and every sub-module."""
        stack = [("", self)]
        while stack:
            name, module = stack.pop()
            apply_fn(name, module)
            prefix = "." + name if name else ""
            stack.extend(tree_flatten(module.children(), prefix=prefix, is_leaf=self.is_module))
        return self

    # ------------------------------------------------------------------ freezing
    def _validate_keys(self, keys, strict):
        keys = [keys] if isinstance(keys, str) else keys
        if strict:
            for k in keys:
                if k not in self:
                    raise KeyError(f"Module doesn't contain member {k}.")
        return keys

    def freeze(
        self,
        *,
        recurse: bool = True,
        keys: Optional[Union[str, List[str]]] = None,
        strict: bool = False,
    ) -> "Module":
        """Keep parameters out of :meth:`trainable_parameters` (so out of gradients).

        ``keys`` names the parameters to freeze (all by default); with ``recurse``
        the same applies to every sub-module.
        """

        def freeze_one(_, module):
            local = keys
            if local is None:
                local = tree_flatten(
                    module.filter_and_map(
                        lambda m, k, v: not isinstance(v, Module)
                        and m.valid_parameter_filter(m, k, v)
                    )
                )
                local = [k for k, _ in local]
            module._no_grad.update(local)

        if keys is not None:
            keys = self._validate_keys(keys, strict)
        if recurse:
            self.apply_to_modules(freeze_one)
        else:
            freeze_one("", self)
        return self

    def unfreeze(
        self,
        *,
        recurse: bool = True,
        keys: Optional[Union[str, List[str]]] = None,
        strict: bool = False,
    ) -> "Module":
        """Undo :meth:`freeze` for ``keys`` (all by default), recursively by default."""

        def unfreeze_one(_, module):
            if keys is None:
                module._no_grad.clear()
            else:
                module._no_grad.difference_update(keys)

        if keys is not None:
            keys = self._validate_keys(keys, strict)
        if recurse:
            self.apply_to_modules(unfreeze_one)
        else:
            unfreeze_one("", self)
        return self

    # ------------------------------------------------------------------ modes, dtypes
    def train(self, mode: bool = True) -> "Module":
        """Set training mode (``mode=True``) or evaluation mode on every module."""

        def set_mode(_, module):
            module._training = mode

        return self.apply_to_modules(set_mode)

    def eval(self) -> "Module":
        """Set evaluation mode (dropout off, running statistics used)."""
        return self.train(False)

    def set_dtype(
        self,
        dtype: mx.Dtype,
        predicate: Optional[Callable[[mx.Dtype], bool]] = _is_floating,
    ):
        """Cast the parameters whose dtype satisfies ``predicate`` (floating point by
        default) to ``dtype``."""
        if predicate is None:
            predicate = lambda _: True  # noqa: E731
        self.apply(lambda x: x.astype(dtype) if predicate(x.dtype) else x)

    # ------------------------------------------------------------------ files
    def load_weights(
        self,
        file_or_weights: Union[str, List[Tuple[str, mx.array]]],
        strict: bool = True,
    ) -> "Module":
        """Load parameters from a ``.safetensors``/``.npz`` file or a list of
        ``(dotted_key, array)`` pairs.

        With ``strict`` every parameter must be given, with its current shape, and
        nothing else; otherwise the given ones replace their namesakes.
        """
        weights = file_or_weights
        if isinstance(weights, (str, bytes)) or hasattr(weights, "__fspath__"):
            weights = list(mx.load(weights).items())
        elif isinstance(weights, dict):
            weights = list(weights.items())
        if strict:
            given = dict(weights)
            current = dict(tree_flatten(self.parameters()))
            extras = given.keys() - current.keys()
            if extras:
                listed = ",\n".join(sorted(extras))
                raise ValueError(f"Received {len(extras)} parameters not in model: \n{listed}.")
            missing = current.keys() - given.keys()
            if missing:
                listed = ",\n".join(sorted(missing))
                raise ValueError(f"Missing {len(missing)} parameters: \n{listed}.")
            for k, v in current.items():
                new = given[k]
                if not isinstance(new, mx.array):
                    raise ValueError(f"Expected mx.array but received {type(new)} for parameter {k}")
                if new.shape != v.shape:
                    raise ValueError(
                        f"Expected shape {v.shape} but received shape {new.shape} for parameter {k}"
                    )
        if len(weights) != 0:
            self.update(tree_unflatten(weights), strict=False)
        return self

    def save_weights(self, file: str):
        """Save the parameters to ``file`` (``.safetensors`` or ``.npz``)."""
        params = dict(tree_flatten(self.parameters()))
        name = str(file)
        if name.endswith(".npz"):
            mx.savez(file, **params)
        elif name.endswith(".safetensors"):
            mx.save_safetensors(file, params)
        else:
            raise ValueError(f"Unsupported file extension for {name}. Use '.npz' or '.safetensors'.")
