// The extension module mlx.core: calls each area's init function in order.
#include <nanobind/nanobind.h>

#include "python/src/device.h"
#include "python/src/errors.h"
#include "python/src/dlpack.h"
#include "python/src/transforms.h"

namespace nb = nanobind;
namespace mx = mlx::core;
using namespace nb::literals;

void init_dtype(nb::module_& m);
void init_array(nb::module_& m);
void init_ops(nb::module_& m);
void init_runtime(nb::module_& m);
void init_memory(nb::module_& m);
void init_ops_math(nb::module_& m);
void init_ops_reduce(nb::module_& m);
void init_ops_shape(nb::module_& m);
void init_ops_indexing(nb::module_& m);
void init_ops_sort(nb::module_& m);
void init_quantize(nb::module_& m);
void init_random(nb::module_& m);
void init_io(nb::module_& m);
void init_custom_function(nb::module_& m);
void init_fast_attention(nb::module_& m);
void init_matmul_family(nb::module_& m);
void init_fast(nb::module_& m);
void init_conv(nb::module_& m);
void init_compile(nb::module_& m);
void init_distributed(nb::module_& m);
void init_export(nb::module_& m);

NB_MODULE(core, m) {
  m.doc() = "mlx.core: arrays, ops and function transforms (openmlx).";
  m.attr("__version__") = "0.32.0";
  // Arrays still referenced from module-level Python objects at exit are not leaks.
  nb::set_leak_warnings(false);
  init_errors(m);
  init_dtype(m);
  init_device(m);
  init_array(m);
  init_ops(m);
  init_ops_math(m);
  init_ops_reduce(m);
  init_ops_shape(m);
  init_ops_indexing(m);
  init_ops_sort(m);
  init_quantize(m);
  init_random(m);
  init_io(m);
  init_transforms(m);
  init_custom_function(m);
  init_matmul_family(m);
  init_fast(m);
  init_conv(m);
  init_runtime(m);
  init_dlpack(m);
  init_memory(m);
  init_fast_attention(m);
  init_compile(m);
  init_distributed(m);
  init_export(m);
}
