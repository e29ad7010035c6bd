"""The inspection namespace of the Array API standard: mlx.core.__array_namespace_info__()."""

import mlx.core as mx


class ArrayNamespaceInfo:
    """What mlx.core supports: its devices, default dtypes, dtypes and capabilities."""

    def capabilities(self):
        """A dict of the optional features: boolean indexing, data-dependent shapes and the
        largest number of dimensions."""
        return {
            "boolean indexing": False,
            "data-dependent shapes": False,
            "max dimensions": None,
        }

    def default_device(self):
        """The device new arrays are computed on (mx.default_device())."""
        return mx.default_device()

    def devices(self):
        """A tuple of the available devices."""
        out = [mx.Device(mx.cpu, 0)]
        if mx.is_available(mx.gpu):
            out += [mx.Device(mx.gpu, i) for i in range(mx.device_count(mx.gpu))]
        return tuple(out)

    def default_dtypes(self, *, device=None):
        """The default dtypes by kind: real floating, complex floating, integral, indexing."""
        self._check_device(device)
        return {
            "real floating": mx.float32,
            "complex floating": mx.complex64,
            "integral": mx.int32,
            "indexing": mx.int32,
        }

    def dtypes(self, *, device=None, kind=None):
        """The supported dtypes by name, optionally restricted to a kind (a kind name as in
        mx.isdtype, or a tuple of them)."""
        self._check_device(device)
        names = [
            "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
            "uint64", "float16", "bfloat16", "float32", "float64", "complex64",
        ]
        table = {n: getattr(mx, "bool_" if n == "bool" else n) for n in names}
        if kind is None:
            return table
        return {n: d for n, d in table.items() if mx.isdtype(d, kind)}

    def _check_device(self, device):
        if device is not None and device not in self.devices():
            raise ValueError(f"[__array_namespace_info__] Unknown device {device!r}.")

    def __repr__(self):
        return "ArrayNamespaceInfo()"
