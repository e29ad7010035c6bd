"""Parsing of the signature lines that open a function's docstring (nanobind's form).

``parse("add(a: scalar | array, b: scalar | array, stream: StreamOrDevice = None) -> array")``
gives ``("add", [("a", "pos_or_kw", None), ("b", "pos_or_kw", None), ("stream", "pos_or_kw",
"None")])``. Type annotations are dropped (they may differ: ``scalar | array`` vs ``array``);
names, kinds and defaults are kept. Shared by tests/test_signatures.py and
tools/record_signatures.py.
"""
import ast
import re

_OPEN, _CLOSE, _QUOTES = "([{", ")]}", "'\""


def _split_top(text, sep):
    """Split at `sep` outside brackets and quotes."""
    parts, cur, depth, quote = [], "", 0, None
    for ch in text:
        if quote:
            cur += ch
            if ch == quote:
                quote = None
            continue
        if ch in _QUOTES:
            quote = ch
        elif ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
        if ch == sep and depth == 0 and not quote:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return [p.strip() for p in parts]


def normalize_default(text):
    """A default as a canonical string: Python literals by value (1e-05 == 1e-5), else as written."""
    if text is None:
        return None
    text = text.strip()
    if text.startswith("mlx.core."):  # a dtype default, as nanobind renders it
        text = text[len("mlx.core."):]
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text.replace(" ", "")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = float(value)  # 0 and 0.0 are the same default
    return repr(value)


def parse(line):
    """(name, [(param, kind, default)]) of one signature line, or None if it is not one.

    kind is pos_only, pos_or_kw, kw_only, var_pos or var_kw; default is None when there is none.
    """
    line = line.strip()
    if line.startswith("def "):
        line = line[4:]
    m = re.match(r"([A-Za-z_][A-Za-z_0-9]*)\s*\(", line)
    if not m:
        return None
    start = m.end() - 1
    depth, quote, end = 0, None, None
    for j in range(start, len(line)):
        ch = line[j]
        if quote:
            if ch == quote:
                quote = None
        elif ch in _QUOTES:
            quote = ch
        elif ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
            if depth == 0:
                end = j
                break
    if end is None:
        return None
    raw = _split_top(line[start + 1:end], ",")
    kind = "pos_only" if "/" in raw else "pos_or_kw"
    params = []
    for p in raw:
        if p == "/":
            kind = "pos_or_kw"
        elif p == "*":
            kind = "kw_only"
        elif p.startswith("**"):
            params.append((p[2:].split(":")[0].strip(), "var_kw", None))
        elif p.startswith("*"):
            params.append((p[1:].split(":")[0].strip(), "var_pos", None))
            kind = "kw_only"
        else:
            pieces = _split_top(p, "=")
            default = "=".join(pieces[1:]) if len(pieces) > 1 else None
            params.append((pieces[0].split(":")[0].strip(), kind, normalize_default(default)))
    return m.group(1), params


def doc_signatures(obj):
    """The parsed signature lines that open obj's docstring (several for an overloaded function)."""
    sigs = []
    for line in (getattr(obj, "__doc__", None) or "").split("\n"):
        if not line.strip():
            break
        parsed = parse(line)
        if parsed is None:
            break
        sigs.append(parsed[1])
    return sigs


def describe(params):
    """'a, b, /, *, stream=None' for messages."""
    out, seen_kw = [], False
    for i, (name, kind, default) in enumerate(params):
        prev = params[i - 1][1] if i else None
        if prev == "pos_only" and kind != "pos_only":
            out.append("/")
        if kind == "kw_only" and not seen_kw and prev != "var_pos":
            out.append("*")
        seen_kw = seen_kw or kind in ("kw_only", "var_pos")
        text = {"var_pos": "*", "var_kw": "**"}.get(kind, "") + name
        out.append(text if default is None else f"{text}={default}")
    if params and params[-1][1] == "pos_only":
        out.append("/")
    return ", ".join(out)
