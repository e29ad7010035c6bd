// mx.fast.scaled_dot_product_attention.
#include "mlx_core/ops/fast_attention.h"
#include "python/src/common.h"
#include "python/src/fast.h"

using namespace nb::literals;

namespace {

constexpr const char* kSdpaDoc =
    R"(scaled_dot_product_attention(q, k, v, *, scale, mask=None, sinks=None, force_fused=False, stream=None)

Multi-head attention ``softmax(scale * q @ k.T + mask) @ v`` in one fused pass: a blocked
online softmax that never forms the whole score matrix, accumulating in float32 for
float16 / bfloat16 inputs.

Keys and values may have fewer heads than the queries (grouped-query and multi-query
attention): query head ``h`` reads key/value head ``h // (N_q // N_kv)``. Do not tile them.

Args:
    q (array): Queries, shape ``[B, N_q, T_q, D]``.
    k (array): Keys, shape ``[B, N_kv, T_kv, D]``.
    v (array): Values, shape ``[B, N_kv, T_kv, D_v]``.
    scale (float): Factor applied to the scores (usually ``D ** -0.5``).
    mask (str or array, optional): ``"causal"`` (the last query aligned with the last
        key), a boolean array (``True`` keeps a score) or an additive array whose dtype
        promotes to the output's, broadcastable to ``[B, N_q, T_q, T_kv]``.
        Default: ``None``.
    sinks (array, optional): One extra logit per query head (shape ``[N_q]``) added to
        the softmax denominator. Default: ``None``.
    force_fused (bool, optional): Accepted for compatibility; the fused kernel is
        always used here. Default: ``False``.

Returns:
    array: The attention output, shape ``[B, N_q, T_q, D_v]``.
)";

} // namespace

void init_fast_attention(nb::module_& m) {
  nb::module_ fast = fast_module(m);
  fast.def(
      "scaled_dot_product_attention",
      [](const mx::array& q, const mx::array& k, const mx::array& v, float scale, nb::handle mask,
         std::optional<mx::array> sinks, bool /*force_fused*/, mx::StreamOrDevice s) {
        std::string mode;
        std::optional<mx::array> mask_arr;
        if (nb::isinstance<nb::str>(mask)) {
          mode = nb::cast<std::string>(mask);
          if (mode.empty()) { // an empty string is an invalid option, not "no mask"
            throw std::invalid_argument(
                "[scaled_dot_product_attention] invalid mask option ''. Must be 'causal', or an array.");
          }
        } else if (nb::isinstance<mx::array>(mask)) {
          mask_arr = nb::cast<mx::array>(mask);
        } else if (!mask.is_none()) {
          throw nb::type_error(("[scaled_dot_product_attention] Expected mask to be a str or array, but got " +
                                arg_type_name(mask) + ".")
                                   .c_str());
        }
        return mx::fast::scaled_dot_product_attention(q, k, v, scale, mode, mask_arr, sinks, s);
      },
      "q"_a, "k"_a, "v"_a, nb::kw_only(), "scale"_a, "mask"_a.none() = nb::none(), "sinks"_a.none() = nb::none(),
      "force_fused"_a = false, "stream"_a = nb::none(),
      kSdpaDoc);
}
