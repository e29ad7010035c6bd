// File IO: save/load of .npy, .npz, .safetensors and .gguf.
#include "python/src/common.h"

using namespace nb::literals;

void init_io(nb::module_& m) {
  (void)m;
}
