#!/bin/bash
# Compiles the given C++ files for errors only (no object files): a quick check while the
# rest of the project is not yet buildable.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
nb=$(python -m nanobind --include_dir)
for f in "$@"; do
  g++ -std=c++20 -fsyntax-only -I"$top" -I"$nb" -I"$nb/../ext/robin_map/include" $(python3-config --includes) "$f"
done
