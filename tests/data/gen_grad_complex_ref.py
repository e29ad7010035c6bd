"""Records the reference's vjp/jvp values for tests/grad_complex_cases.py.

Run from the repository root with the reference (Apple's MLX):
    ../shared/tools/mlx-ref tests/data/gen_grad_complex_ref.py
It writes tests/data/grad_complex_ref.json: per case, the vjp of each input and the jvp of
each output as [re, im] pairs, or the exception the reference raised."""
import json
import os
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(here))
import grad_complex_cases as gc  # noqa: E402


def enc(a):
    a = np.asarray(a).astype(np.complex128).ravel()
    return [[float(f"{v.real:.9g}"), float(f"{v.imag:.9g}")] for v in a]


out = {}
for c in gc.CASES:
    rec = {}
    for mode in ("vjp", "jvp"):
        try:
            rec[mode] = [enc(v) for v in gc.run_case(c, mode)]
        except Exception as e:  # the reference does not support this case
            rec[mode + "_error"] = type(e).__name__ + ": " + str(e)[:200]
    out[c["name"]] = rec
with open(os.path.join(here, "grad_complex_ref.json"), "w") as f:
    # One case per line (values rounded to float32's precision).
    rows = [json.dumps(k) + ": " + json.dumps(out[k], separators=(",", ":")) for k in sorted(out)]
    f.write("{\n" + ",\n".join(rows) + "\n}\n")
print(len(out), "cases;", sum(k.endswith("error") for v in out.values() for k in v), "raised in the reference")
