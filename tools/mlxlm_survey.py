"""List the MLX names mlx-lm uses that this checkout does not provide.

Scans the installed mlx_lm package's sources for `mx.X`, `nn.X`, `optim.X` (and the other
aliases mlx-lm uses) and for `from mlx... import ...` lines, resolves each name against the
`mlx` package on sys.path and prints the ones that do not resolve, with how many mlx-lm files
use each. Usage: `python tools/mlxlm_survey.py [--all]` (`--all` also lists the names found).
"""

import argparse
import collections
import importlib
import pathlib
import re
import sys

ALIASES = {
    "mx": "mlx.core",
    "nn": "mlx.nn",
    "optim": "mlx.optimizers",
    "optimizers": "mlx.optimizers",
    "opt": "mlx.optimizers",
}
DOTTED = re.compile(
    r"(?<![\w.])(mx|nn|optim|optimizers|opt)\.([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)"
)
FROM_IMPORT = re.compile(
    r"^[ \t]*from[ \t]+(mlx(?:\.\w+)*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]+)", re.M
)
IMPORT = re.compile(r"^\s*import\s+(mlx(?:\.\w+)+)", re.M)


def _alias_defined(source, alias):
    """True when `alias` is bound to an mlx module in `source` (so `opt.x` is not a local)."""
    if alias == "mx":
        return "mlx.core as mx" in source or "import core as mx" in source
    if alias == "nn":
        return "mlx.nn as nn" in source or "from mlx import nn" in source
    return re.search(rf"import mlx\.optimizers as {alias}\b", source) is not None


def _resolve(dotted):
    """Return the longest unresolvable prefix of a dotted mlx name, or None if it resolves."""
    parts = dotted.split(".")
    obj = None
    for i in range(len(parts)):
        prefix = ".".join(parts[: i + 1])
        if obj is None or isinstance(obj, type(sys)):
            try:
                obj = importlib.import_module(prefix)
                continue
            except ImportError:
                pass
            except Exception as e:  # an import that fails inside counts as missing
                return f"{prefix} (import fails: {type(e).__name__}: {e})"
        if obj is None or not hasattr(obj, parts[i]):
            return prefix
        obj = getattr(obj, parts[i])
        if not isinstance(obj, (type, type(sys))):
            return None  # a function or value: stop (method names on results are not ours)
    return None


def collect(root):
    """Map each full mlx name used under `root` to the set of files that use it."""
    uses = collections.defaultdict(set)
    for path in sorted(pathlib.Path(root).rglob("*.py")):
        src = path.read_text(errors="replace")
        rel = str(path.relative_to(root))
        for alias, rest in DOTTED.findall(src):
            if _alias_defined(src, alias):
                uses[f"{ALIASES[alias]}.{rest}"].add(rel)
        for mod, names in FROM_IMPORT.findall(src):
            for n in names.strip("()").replace("\n", " ").split(","):
                n = n.strip().split(" as ")[0].strip()
                if n:
                    uses[f"{mod}.{n}"].add(rel)
        for mod in IMPORT.findall(src):
            uses[mod].add(rel)
    return uses


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--all", action="store_true", help="also list every name found")
    args = ap.parse_args()
    import importlib.util

    spec = importlib.util.find_spec("mlx_lm")  # find, not import: mlx_lm may not import yet
    if spec is None:
        sys.exit("mlx_lm is not installed (pip install --no-deps mlx-lm)")
    root = pathlib.Path(spec.origin).parent
    version = re.search(r"\d+\.\d+\.\d+", (root / "_version.py").read_text())
    uses = collect(root)
    missing = collections.defaultdict(set)
    for name, files in uses.items():
        bad = _resolve(name)
        if bad is not None:
            missing[bad] |= files
    import mlx.core as mx

    print(f"# mlx-lm {version.group(0) if version else '?'} against {mx.__file__}")
    print(f"# {len(uses)} names used; {len(missing)} missing (name: number of mlx-lm files)")
    for name in sorted(missing):
        files = sorted(missing[name])
        shown = ", ".join(files[:4]) + (" ..." if len(files) > 4 else "")
        print(f"{name}: {len(files)} [{shown}]")
    if args.all:
        print("# all names")
        for name in sorted(uses):
            print(name)


if __name__ == "__main__":
    main()
