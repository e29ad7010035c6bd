#!/usr/bin/env bash
# Small-op timings of openmlx and of Apple's MLX (the reference, run through
# ../shared/tools/mlx-ref), measured one after the other by the same
# script, each with NumPy in the same process as the yardstick.
#
#   benchmarks/bench_reference.sh            # small cases (eval round trip, one small op)
#   benchmarks/bench_reference.sh --all      # every case of bench_core.py
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
ref=${MLX_REF:-$root/../shared/tools/mlx-ref}
python=${PYTHON:-python3}
mode=--small
[[ ${1:-} == --all ]] && mode=

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Run both outside the source tree so that each picks up its own installed mlx.
cd "$tmp"
echo "### openmlx"
"$python" "$here/bench_core.py" $mode --label openmlx --json "$tmp/openmlx.json"
echo
echo "### reference (Apple MLX via $ref)"
"$ref" "$here/bench_core.py" $mode --label mlx-ref --json "$tmp/ref.json"
echo

"$python" - "$tmp/openmlx.json" "$tmp/ref.json" <<'PY'
import json, sys
ours = json.load(open(sys.argv[1]))["rows"]
ref = {r["case"]: r for r in json.load(open(sys.argv[2]))["rows"]}
print(f"{'case':32s} {'openmlx':>11s} {'reference':>11s} {'ours/ref':>9s} "
      f"{'ours/numpy':>11s} {'ref/numpy':>10s}")
for r in ours:
    q = ref.get(r["case"])
    if not q:
        continue
    us = lambda t: f"{t * 1e6:.2f} us"
    print(f"{r['case']:32s} {us(r['mlx']):>11s} {us(q['mlx']):>11s} "
          f"{r['mlx'] / q['mlx']:>8.2f}x {r['mlx'] / r['numpy']:>10.2f}x "
          f"{q['mlx'] / q['numpy']:>9.2f}x")
PY
