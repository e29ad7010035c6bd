"""The installed package carries .pyi stubs generated from the bindings and a py.typed
marker, so editors and type checkers see every name, signature and docstring."""

import ast
import importlib.util
import os

import pytest

import mlx.core as mx


def package_dir():
    # The directory holding the compiled module (site-packages/mlx for wheels and for the
    # editable install alike): the stubs are installed beside it.
    return os.path.dirname(importlib.util.find_spec("mlx.core").origin)


def stub_path():
    d = package_dir()
    for p in (os.path.join(d, "core", "__init__.pyi"), os.path.join(d, "core.pyi")):
        if os.path.exists(p):
            return p
    pytest.fail(f"no mlx.core stub next to {d}")


def test_py_typed_marker_installed():
    assert os.path.exists(os.path.join(package_dir(), "py.typed"))


def test_core_stub_has_signatures_and_docstrings():
    src = open(stub_path()).read()
    tree = ast.parse(src)  # valid Python syntax
    assert "def zeros(shape: int | Sequence[int], dtype: Dtype | None" in src
    funcs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    for name in ("zeros", "ones", "arange", "astype", "set_printoptions", "issubdtype", "result_type"):
        assert name in funcs, name
    assert "array" in classes and "Dtype" in classes and "finfo" in classes
    # Docstrings travel into the stub.
    assert "Args:" in (ast.get_docstring(funcs["zeros"]) or "")
    # Names the hand-written signatures use are defined.
    assert "scalar: TypeAlias" in src and "DLPackCompatible: TypeAlias" in src


def test_every_public_name_is_in_the_stub():
    src = open(stub_path()).read()
    tree = ast.parse(src)
    names = set()
    for n in tree.body:
        if isinstance(n, (ast.FunctionDef, ast.ClassDef)):
            names.add(n.name)
        elif isinstance(n, ast.Assign):
            names.update(t.id for t in n.targets if isinstance(t, ast.Name))
        elif isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name):
            names.add(n.target.id)
        elif isinstance(n, ast.ImportFrom):
            names.update(a.asname or a.name for a in n.names)
    missing = [k for k in dir(mx) if not k.startswith("_") and k not in names]
    assert not missing, missing


def test_submodule_stubs():
    d = os.path.dirname(stub_path())
    for sub in ("metal", "cuda", "random"):
        assert os.path.exists(os.path.join(d, sub + ".pyi")), sub


def test_annotations_use_only_defined_names():
    import builtins

    d = os.path.dirname(stub_path())
    for f in sorted(os.listdir(d)):
        if not f.endswith(".pyi"):
            continue
        tree = ast.parse(open(os.path.join(d, f)).read())
        defined = set(dir(builtins))
        used = set()
        for n in ast.walk(tree):
            if isinstance(n, (ast.FunctionDef, ast.ClassDef)):
                defined.add(n.name)
            elif isinstance(n, ast.Import):
                defined.update((a.asname or a.name).split(".")[0] for a in n.names)
            elif isinstance(n, ast.ImportFrom):
                defined.update(a.asname or a.name for a in n.names)
            elif isinstance(n, ast.Assign):
                defined.update(t.id for t in n.targets if isinstance(t, ast.Name))
            elif isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name):
                defined.add(n.target.id)
            anns = []
            if isinstance(n, ast.arg) and n.annotation is not None:
                anns.append(n.annotation)
            if isinstance(n, ast.FunctionDef) and n.returns is not None:
                anns.append(n.returns)
            if isinstance(n, ast.AnnAssign):
                anns.append(n.annotation)
            for a in anns:
                used.update(m.id for m in ast.walk(a) if isinstance(m, ast.Name))
        assert not (used - defined), (f, sorted(used - defined))
