"""Tiny model configurations for every mlx-lm model family (used by test_mlx_lm.py).

`family_config(name, module)` returns a config dict for `module.ModelArgs.from_dict`: one
shared dict of small values under the names Hugging Face configs use (2 layers, width 64, two
query heads of 32, one key/value head, 4 experts of which 2 are active), with per-family
overrides where a family names or shapes things its own way. `from_dict` keeps only the keys
a family's ModelArgs accepts, so the shared dict may name every field any family uses.
"""

import copy
import inspect

HIDDEN = 64
HEADS = 2
KV_HEADS = 1
HEAD_DIM = 32
LAYERS = 2
VOCAB = 128
INTER = 128

BASE = {
    # dense decoder
    "vocab_size": VOCAB,
    "hidden_size": HIDDEN,
    "num_hidden_layers": LAYERS,
    "intermediate_size": INTER,
    "num_attention_heads": HEADS,
    "num_key_value_heads": KV_HEADS,
    "head_dim": HEAD_DIM,
    "rms_norm_eps": 1e-5,
    "layer_norm_eps": 1e-5,
    "layer_norm_epsilon": 1e-5,
    "layernorm_epsilon": 1e-5,
    "norm_eps": 1e-5,
    "max_position_embeddings": 256,
    "rope_theta": 10000.0,
    "rope_scaling": None,
    "tie_word_embeddings": False,
    "attention_bias": False,
    "mlp_bias": False,
    "hidden_act": "silu",
    "partial_rotary_factor": 0.5,
    "sliding_window": 4,
    "sliding_window_size": 4,
    "attention_window_size": 4,
    "sliding_window_pattern": 2,
    # other naming schemes (GPT-2, MPT, OpenELM, ...)
    "n_embd": HIDDEN,
    "n_head": HEADS,
    "n_layer": LAYERS,
    "n_ctx": 256,
    "n_positions": 256,
    "n_inner": INTER,
    "d_model": HIDDEN,
    "n_heads": HEADS,
    "n_layers": LAYERS,
    "n_kv_heads": KV_HEADS,
    "num_heads": HEADS,
    "num_kv_heads": KV_HEADS,
    "num_layers": LAYERS,
    "hidden_dim": INTER,
    "dim": HIDDEN,
    "ffn_hidden_size": INTER,
    "ff_intermediate_size": INTER,
    "intermediate_size_mlp": INTER,
    "rotary_dim": HEAD_DIM // 2,
    "rotary_emb_base": 10000,
    "rotary_pct": 0.5,
    "model_max_length": 256,
    "block_size": 256,
    # mixture of experts
    "num_experts": 4,
    "num_local_experts": 4,
    "n_routed_experts": 4,
    "moe_num_experts": 4,
    "num_experts_per_tok": 2,
    "moe_topk": 2,
    "moe_intermediate_size": 32,
    "expert_ffn_hidden_size": 32,
    "shared_expert_intermediate_size": 32,
    "shared_intermediate_size": 32,
    "n_shared_experts": 1,
    "num_shared_experts": 1,
    "num_shared_expert": 1,
    "first_k_dense_replace": 1,
    "num_dense_layers": 1,
    "moe_layer_freq": 1,
    "decoder_sparse_step": 1,
    "n_group": 1,
    "topk_group": 1,
    "norm_topk_prob": True,
    "routed_scaling_factor": 1.0,
    # multi-head latent attention (DeepSeek and relatives)
    # (multiples of 32, so that an 8-bit quantized KV cache with groups of 32 applies)
    "kv_lora_rank": 32,
    "q_lora_rank": 32,
    "qk_rope_head_dim": 32,
    "qk_nope_head_dim": 32,
    "v_head_dim": 32,
    "index_head_dim": 32,
    "index_n_heads": 2,
    "index_topk": 4,
    # state-space / linear-attention layers
    "state_size": 8,
    "ssm_state_size": 8,
    "mamba_d_state": 8,
    "mamba_d_conv": 4,
    "mamba_expand": 2,
    "conv_kernel": 4,
    "conv_L_cache": 3,
    "conv_window": 4,
    "conv1d_width": 4,
    "time_step_rank": 8,
    "n_groups": 1,
    "mamba_num_heads": 4,
    "mamba_head_dim": 16,
    "linear_num_key_heads": 2,
    "linear_num_value_heads": 2,
    "linear_key_head_dim": 16,
    "linear_value_head_dim": 16,
    "linear_conv_kernel_dim": 4,
    "a_low_rank_dim": 8,
    "v_low_rank_dim": 8,
    "gate_low_rank_dim": 8,
    "decay_low_rank_dim": 8,
    # switches and scales that some families require
    "mlp_only_layers": [],
    "use_bias": False,
    "use_conv_bias": True,
    "conv_bias": False,
    "mamba_proj_bias": False,
    "post_norm": False,
    "qk_norm": False,
    "use_qk_norm": False,
    "use_qkv_bias": False,
    "use_expert_bias": False,
    "logits_scaling": 1.0,
    "attention_multiplier": 0.25,
    "embedding_multiplier": 1.0,
    "residual_multiplier": 1.0,
    "dim_model_base": HIDDEN,
    "scale_depth": 1.0,
    "scale_emb": 1.0,
    "logits_soft_cap": 30.0,
    "num_attention_groups": KV_HEADS,
    "time_step_limit": [0.0, 100.0],
    "linear_allow_neg_eigval": False,
    "layer_group_size": 2,
    "group_norm_size": 1,
    "sliding_window_layers": [0],
    "num_kv_reuse_layers": 0,
    "use_mixed_mlp_moe": False,
    "use_cla": False,
    "cla_share_factor": 1,
    "attn_layer_offset": 1,
    "attn_layer_period": 2,
    "expert_layer_offset": 1,
    "expert_layer_period": 2,
    "dense_attention_every_n_layers": 2,
    "gegelu_limit": 20.0,
    "no_rope_layers": [1, 0],
    "interleave_moe_layer_step": 2,
    "attention_chunk_size": 4,
    "conv_L_cache": 3,
    "block_dim": HIDDEN,
    "block_multiple_of": 32,
    "block_ffn_dim_multiplier": 1.0,
    "block_auto_adjust_ff_dim": False,
    "block_ff_dim": INTER,
    "full_attn_idxs": [1],
    "layer_types": ["sliding_attention", "full_attention"],
    "full_attention_interval": 2,
}

YARN = {
    "type": "yarn",
    "rope_type": "yarn",
    "factor": 1.0,
    "original_max_position_embeddings": 256,
    "beta_fast": 32,
    "beta_slow": 1,
    "mscale": 1.0,
    "mscale_all_dim": 0,
}
ROPE_DEFAULT = {"rope_type": "default", "rope_theta": 10000.0}

DELETE = object()  # an override value that removes the key

# Per-family changes to BASE, applied to the top level and to text_config.
OVERRIDES = {
    "baichuan_m1": {"conv_window": 2},
    "deepseek_v2": {"rope_scaling": YARN},
    "exaone4": {"sliding_window_pattern": "LG"},
    "exaone_moe": {"is_moe_layer": [False, True]},
    "gemma4_text": {
        "global_head_dim": HEAD_DIM,
        "num_kv_shared_layers": 0,
        "hidden_size_per_layer_input": 16,
        "vocab_size_per_layer_input": VOCAB,
        "num_experts": DELETE,
        "moe_intermediate_size": DELETE,
    },
    "glm_moe_dsa": {
        "topk_method": "noaux_tc",
        "scoring_func": "sigmoid",
        "rope_parameters": {"rope_theta": 10000.0, "rope_type": "default"},
    },
    "granitemoehybrid": {"layer_types": ["mamba", "attention"], "mamba_n_heads": 4,
                         "mamba_d_head": 32, "mamba_n_groups": 1, "mamba_conv_bias": True,
                         "mamba_proj_bias": False},
    "hunyuan": {"rope_scaling": {"alpha": 1.0, "factor": 1.0, "type": "dynamic"}},
    "llama4": {"num_experts_per_tok": 1, "num_hidden_layers": 4},
    "dbrx": {"ffn_config": {"ffn_hidden_size": 32, "moe_num_experts": 4, "moe_top_k": 2},
             "attn_config": {"kv_n_heads": KV_HEADS, "clip_qkv": 8.0, "rope_theta": 10000.0}},
    "kimi_linear": {"linear_attn_config": {"kda_layers": [1], "num_heads": 2, "head_dim": 16,
                                           "short_conv_kernel_size": 4}},
    "kimi_k3": {"hidden_act": "situ", "num_experts_per_token": 2,
                "linear_attn_config": {"kda_layers": [1], "num_heads": 2, "head_dim": 16,
                                       "short_conv_kernel_size": 4}},
    "longcat_flash": {"attention_method": "MLA", "zero_expert_type": "identity",
                      "zero_expert_num": 1, "mla_scale_q_lora": True,
                      "mla_scale_kv_lora": True},
    "longcat_flash_ngram": {"zero_expert_num": 1, "mla_scale_q_lora": True,
                            "mla_scale_kv_lora": True, "ngram_vocab_size_ratio": 2},
    "mimo_v2_flash": {"hybrid_layer_pattern": [1, 0], "moe_layer_freq": [0, 1],
                      "add_swa_attention_sink_bias": True,
                      "add_full_attention_sink_bias": False, "topk_method": "noaux_tc",
                      "scoring_func": "sigmoid", "swa_rope_theta": 10000.0,
                      "swa_num_attention_heads": HEADS, "swa_num_key_value_heads": KV_HEADS,
                      "swa_head_dim": HEAD_DIM, "swa_v_head_dim": HEAD_DIM,
                      "v_head_dim": HEAD_DIM},
    "minimax_m3_vl": {"moe_layer_freq": [0, 1]},
    "plamo3": {"sliding_window": 16},
    "openelm": {"num_transformer_layers": LAYERS, "model_dim": HIDDEN, "ffn_dim_divisor": 32,
                "num_query_heads": [HEADS] * LAYERS, "num_kv_heads": [KV_HEADS] * LAYERS,
                "ffn_multipliers": [2.0] * LAYERS},
    "nemotron-nas": {"block_configs": [
        {"attention": {"n_heads_in_group": HEADS}, "ffn": {"ffn_mult": 2.0}},
        {"attention": {"replace_with_linear": True}, "ffn": {"ffn_mult": 1.0}},
    ]},
    "muse_spark": {"post_norm_eps": 1e-5, "rope_parameters": ROPE_DEFAULT,
                   "layer_rope_theta": [10000.0] * LAYERS, "final_logit_softcapping": 30.0,
                   "output_multiplier": 1.0, "moe_hidden_size": 32, "num_shared_experts": 0},
    "gemma3n": {"num_kv_shared_layers": 0, "vocab_size_per_layer_input": VOCAB,
                "rope_local_base_freq": 10000.0, "final_logit_softcapping": 30.0,
                "activation_sparsity_pattern": [0.0] * LAYERS,
                "hidden_size_per_layer_input": 16, "altup_num_inputs": 2,
                "altup_coef_clip": 120.0, "altup_correct_scale": True, "altup_active_idx": 0,
                "laurel_rank": 8},
    "mellum": {"layer_types": ["full_attention", "full_attention"],
               "rope_parameters": {"full_attention": ROPE_DEFAULT}},
    "minicpm3": {"rope_scaling": {"type": "longrope", "long_factor": [1.0] * 16,
                                  "short_factor": [1.0] * 16,
                                  "original_max_position_embeddings": 256}},
    "ministral3": {"rope_parameters": {**ROPE_DEFAULT, "llama_4_scaling_beta": 0.1,
                                       "original_max_position_embeddings": 256},
                   "layer_types": DELETE},
    "mistral4": {"rope_parameters": {**YARN, "rope_theta": 10000.0,
                                     "llama_4_scaling_beta": 0.1}},
    "nemotron_h": {"layer_types": DELETE, "hybrid_override_pattern": ["M", "*"],
                   "mamba_num_heads": 4, "mamba_head_dim": 32},
    "phixtral": {"num_vocab": VOCAB, "model_dim": HIDDEN, "num_heads": HEADS,
                 "num_layers": LAYERS, "rotary_dim": 16},
    "plamo": {"n_shared_head": 2},
    # phi3small masks the logits of token ids up to 100351 (out[..., ids] = -inf): with a
    # smaller vocabulary that write is out of bounds (the reference corrupts memory there).
    "phi3small": {"vocab_size": 100352},
    "qwen": {"kv_channels": HEAD_DIM},
    "recurrent_gemma": {"block_types": ["recurrent", "attention"]},
    "spark2_5": {"hidden_act": "gelu", "layer_types": ["sliding_attention", "full_attention"],
                 "rope_parameters": {"sliding_attention": ROPE_DEFAULT,
                                     "full_attention": ROPE_DEFAULT}},
    "step3p5": {"moe_num_experts": 4, "moe_top_k": 2, "moe_intermediate_size": 32,
                "share_expert_dim": 32, "layer_types": ["sliding_attention", "full_attention"]},
}

# Families this test does not build, with the reason.
NOT_TESTED = {
    "olmo": "needs the ai2-olmo package (hf_olmo), which is not installed",
    "bitnet": "its BitLinear layer runs an mx.fast.metal_kernel: Metal only, the reference's "
    "CPU build raises too",
    "muse_spark": "its attention runs mlx_lm.kernels.qk_norm_rope, an mx.fast.metal_kernel: "
    "Metal only, the reference's CPU build raises too",
    "prism_hadamard_qwen35": "loads only pre-packed 2-bit Hadamard checkpoints (its ModelArgs "
    "rejects any other quantization), so no random tiny model can be built",
}

# Families whose incremental decoding differs from the full forward pass by more than the
# default tolerance, in the reference as well (value: the tolerance used).
DECODE_TOLERANCE = {"phi3small": 1e-2}  # 3.3e-3, the same in the reference


# Wrapper families whose text_config is another family's config.
TEXT_FAMILY = {"gemma4": "gemma4_text", "gemma3": "gemma3_text", "llama4": "llama4_text"}


def _config(name, model_type):
    cfg = copy.deepcopy(BASE)
    cfg["model_type"] = model_type
    for k, v in OVERRIDES.get(name, {}).items():
        if v is DELETE:
            cfg.pop(k, None)
        else:
            cfg[k] = copy.deepcopy(v)
    return cfg


def family_config(name, module):
    """Config dict for mlx_lm.models.<name>: BASE, the family's overrides, a text_config."""
    cfg = _config(name, name)
    if "text_config" in inspect.signature(module.ModelArgs).parameters:
        text = TEXT_FAMILY.get(name, name)
        cfg["text_config"] = _config(text, text)
        for k, v in OVERRIDES.get(name, {}).items():
            if v is not DELETE:
                cfg["text_config"][k] = copy.deepcopy(v)
    return cfg

# Families whose attention cannot read a QuantizedKVCache (in the reference too).
_NO_QCACHE = (
    "its attention does not go through mlx_lm.models.base.scaled_dot_product_attention, so "
    "it cannot read a QuantizedKVCache (the reference fails the same way)"
)
QUANTIZED_CACHE_UNSUPPORTED = {
    name: _NO_QCACHE
    for name in ("gemma2", "phi", "phi3small", "phixtral", "plamo", "stablelm")
}
QUANTIZED_CACHE_UNSUPPORTED.update(
    {
        name: "its multi-head latent attention reads the cached latents as arrays (the "
        "reference fails the same way with a QuantizedKVCache)"
        for name in ("deepseek_v3", "glm4_moe_lite", "kimi_k25", "kimi_vl", "mistral4")
    }
)

# Families that fail here because of an openmlx bug not fixed yet (value: the bug). The tests
# mark them xfail(strict=True): once the bug is fixed they XPASS and fail, so remove them.
KNOWN_FAILURES = {}
