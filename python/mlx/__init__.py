"""openmlx: an MLX-compatible array framework."""


def _preload_openblas():
    # The extension links against scipy-openblas64; load it globally first so that
    # `import mlx.core` works without LD_LIBRARY_PATH.
    import ctypes
    import glob
    import os

    try:
        import scipy_openblas64
    except ImportError:
        return
    libdir = scipy_openblas64.get_lib_dir()
    for pattern in ("libscipy_openblas64_.so*", "libscipy_openblas64_*.dylib", "libscipy_openblas64_*.so*"):
        libs = sorted(glob.glob(os.path.join(libdir, pattern)))
        if libs:
            ctypes.CDLL(libs[0], mode=ctypes.RTLD_GLOBAL)
            return


_preload_openblas()
del _preload_openblas
