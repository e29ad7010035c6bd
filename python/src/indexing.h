// NumPy-style indexing of mlx arrays: a[index], a[index] = v and the scatters of a.at[index].
#pragma once
#include <nanobind/nanobind.h>

#include <vector>

#include "mlx_core/array.h"
#include "mlx_core/primitives/indexing.h"

namespace nb = nanobind;

// a[index]: ints, slices, None, Ellipsis, integer arrays (mlx, NumPy, nested lists), boolean
// masks (evaluated eagerly) and tuples of them, with NumPy's placement of advanced indices.
mlx::core::array get_item(const mlx::core::array& a, nb::handle index);

// The array a[index] = value would make (value cast to a's dtype and broadcast); `reduce`
// other than None combines value with what is there (a.at[index].add and the like), repeated
// positions accumulating.
mlx::core::array scatter_item(const mlx::core::array& a, nb::handle index, const mlx::core::array& value,
                              mlx::core::ScatterReduce reduce);

// The coordinates of the nonzero elements of `a`, one int64 array per axis (evaluates `a`).
std::vector<mlx::core::array> nonzero_coords(const mlx::core::array& a, const char* op);
