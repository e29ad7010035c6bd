"""Training steps against PyTorch eager, as ratios (above 1: mlx is slower).

    python benchmarks/bench_training.py [--repeats 5]
    MLX_NUM_THREADS=1 python benchmarks/bench_training.py --cpu-time

Cases:
- MLP 784-512-512-10, batch 256, cross-entropy, one Adam step: `nn.value_and_grad` +
  `optim.Adam` compiled with `mx.compile(step, inputs=state, outputs=state)` (and the same
  step uncompiled) against `torch.nn` + `torch.optim.Adam` eager (zero_grad, backward, step).
- A pre-norm transformer block (width 512, 8 heads, GELU MLP 2048; batch 8 x 256 tokens),
  forward and backward to every parameter's gradient, compiled and not, against the same
  block in PyTorch eager (both with the framework's fused scaled-dot-product attention).
- The compiled element-wise chain `mx.maximum(x * 2 + 1, 0) - x` on 10M float32 against a
  copy of x (`x * 1`): the issue's fusion target is within 1.3x of the copy.
Both frameworks get the same weights and inputs.
"""

import time
from functools import partial

import numpy as np

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
from timing import best_time_per_call, parse_timing_args

try:
    import torch
except ImportError:  # PyTorch is optional
    torch = None

clock = time.perf_counter


def best(fn, repeats):
    return best_time_per_call(fn, repeats, min_time=0.3, max_calls=64, clock=clock)


# ------------------------------------------------------------------------------ MLP


class MLP(nn.Module):
    """784-512-512-10 with ReLU."""

    def __init__(self):
        super().__init__()
        self.layers = [nn.Linear(784, 512), nn.Linear(512, 512), nn.Linear(512, 10)]

    def __call__(self, x):
        for layer in self.layers[:-1]:
            x = nn.relu(layer(x))
        return self.layers[-1](x)


def mlp_case(repeats):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, 784)).astype(np.float32)
    y = rng.integers(0, 10, 256)
    model = MLP()
    opt = optim.Adam(learning_rate=1e-3)
    xm, ym = mx.array(x), mx.array(y)

    def loss_fn(model, x, y):
        return nn.losses.cross_entropy(model(x), y, reduction="mean")

    loss_and_grad = nn.value_and_grad(model, loss_fn)

    def step(x, y):
        loss, grads = loss_and_grad(model, x, y)
        opt.update(model, grads)
        return loss

    state = [model.state, opt.state]
    compiled = partial(mx.compile, inputs=state, outputs=state)(step)
    # Initialise the optimizer state before timing (as the first step does).
    mx.eval(step(xm, ym), state)
    t_eager = best(lambda: mx.eval(step(xm, ym), state), repeats)
    t_comp = best(lambda: mx.eval(compiled(xm, ym), state), repeats)

    t_torch = float("nan")
    if torch:
        tm = torch.nn.Sequential(
            torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 512),
            torch.nn.ReLU(), torch.nn.Linear(512, 10),
        )
        with torch.no_grad():
            for i, layer in enumerate(model.layers):
                tm[2 * i].weight.copy_(torch.from_numpy(np.array(layer.weight)))
                tm[2 * i].bias.copy_(torch.from_numpy(np.array(layer.bias)))
        topt = torch.optim.Adam(tm.parameters(), lr=1e-3)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)

        def tstep():
            topt.zero_grad()
            loss = torch.nn.functional.cross_entropy(tm(xt), yt)
            loss.backward()
            topt.step()
            return loss

        tstep()
        t_torch = best(tstep, repeats)
    return [
        ("MLP 784-512-512-10 b256 Adam step, compiled", t_comp, t_torch),
        ("  same, not compiled", t_eager, t_torch),
    ]


# ---------------------------------------------------------------- transformer block

DIMS, HEADS, MLP_DIMS, BATCH, LENGTH = 512, 8, 2048, 8, 256


class Block(nn.Module):
    """Pre-norm block: x + attn(ln1(x)); x + mlp(ln2(x)); causal attention."""

    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(DIMS)
        self.ln2 = nn.LayerNorm(DIMS)
        self.qkv = nn.Linear(DIMS, 3 * DIMS)
        self.out = nn.Linear(DIMS, DIMS)
        self.fc1 = nn.Linear(DIMS, MLP_DIMS)
        self.fc2 = nn.Linear(MLP_DIMS, DIMS)

    def __call__(self, x):
        B, L, _ = x.shape
        q, k, v = mx.split(self.qkv(self.ln1(x)), 3, axis=-1)
        q, k, v = (t.reshape(B, L, HEADS, -1).transpose(0, 2, 1, 3) for t in (q, k, v))
        a = mx.fast.scaled_dot_product_attention(
            q, k, v, scale=(DIMS // HEADS) ** -0.5, mask="causal"
        )
        x = x + self.out(a.transpose(0, 2, 1, 3).reshape(B, L, DIMS))
        return x + self.fc2(nn.gelu(self.fc1(self.ln2(x))))


def torch_block(block):
    """The same block in PyTorch with `block`'s weights."""
    T = torch.nn
    mods = {n: T.LayerNorm(DIMS) for n in ("ln1", "ln2")}
    mods.update(qkv=T.Linear(DIMS, 3 * DIMS), out=T.Linear(DIMS, DIMS),
                fc1=T.Linear(DIMS, MLP_DIMS), fc2=T.Linear(MLP_DIMS, DIMS))
    with torch.no_grad():
        for name, mod in mods.items():
            src = getattr(block, name)
            mod.weight.copy_(torch.from_numpy(np.array(src.weight)))
            mod.bias.copy_(torch.from_numpy(np.array(src.bias)))
    m = T.ModuleDict(mods)

    def forward(x):
        B, L, _ = x.shape
        q, k, v = m["qkv"](m["ln1"](x)).chunk(3, dim=-1)
        q, k, v = (t.reshape(B, L, HEADS, -1).transpose(1, 2) for t in (q, k, v))
        a = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + m["out"](a.transpose(1, 2).reshape(B, L, DIMS))
        return x + m["fc2"](torch.nn.functional.gelu(m["fc1"](m["ln2"](x))))

    return m, forward


def block_case(repeats):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((BATCH, LENGTH, DIMS)).astype(np.float32)
    block = Block()
    mx.eval(block.parameters())
    xm = mx.array(x)

    def loss_fn(model, x):
        return model(x).square().mean()

    vg = nn.value_and_grad(block, loss_fn)
    vg_compiled = mx.compile(lambda x: vg(block, x), inputs=block.state)

    t_fwd = best(lambda: mx.eval(block(xm)), repeats)
    t_eager = best(lambda: mx.eval(vg(block, xm)), repeats)
    t_comp = best(lambda: mx.eval(vg_compiled(xm)), repeats)

    tf = tt = float("nan")
    if torch:
        m, forward = torch_block(block)
        xt = torch.from_numpy(x)
        with torch.no_grad():
            diff = np.abs(forward(xt).numpy() - np.array(block(xm))).max()
        assert diff < 1e-3, f"torch and mlx blocks differ by {diff}"

        def tfwd():
            with torch.no_grad():
                return forward(xt)

        def tstep():
            m.zero_grad(set_to_none=True)
            loss = forward(xt).square().mean()
            loss.backward()

        tf = best(tfwd, repeats)
        tt = best(tstep, repeats)
    name = f"block {DIMS}w {HEADS}h b{BATCH}x{LENGTH}"
    return [
        (f"{name} forward", t_fwd, tf),
        (f"{name} fwd+bwd, compiled", t_comp, tt),
        (f"{name} fwd+bwd, not compiled", t_eager, tt),
    ]


# ------------------------------------------------------------------ fused chain


def chain_case(repeats):
    x = mx.random.normal((10_000_000,))
    mx.eval(x)
    chain = mx.compile(lambda x: mx.maximum(x * 2 + 1, 0) - x)
    t_copy = best(lambda: mx.eval(x * 1), repeats)
    t_chain = best(lambda: mx.eval(chain(x)), repeats)
    t_plain = best(lambda: mx.eval(mx.maximum(x * 2 + 1, 0) - x), repeats)
    tt = float("nan")
    if torch:
        xt = torch.from_numpy(np.array(x))
        tt = best(lambda: torch.maximum(xt * 2 + 1, torch.zeros(())) - xt, repeats)
    return [
        ("chain 10M, compiled (vs copy)", t_chain, t_copy),
        ("chain 10M, not compiled (vs copy)", t_plain, t_copy),
        ("chain 10M, compiled (vs torch eager)", t_chain, tt),
    ]


def main():
    global clock
    args, clock = parse_timing_args(torch)
    if torch and not args.cpu_time:
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    rows = mlp_case(args.repeats) + block_case(args.repeats) + chain_case(args.repeats)
    print(f"{'case':<44}{'mlx ms':>10}{'other ms':>10}{'ratio':>8}")
    for name, ours, other in rows:
        print(f"{name:<44}{ours * 1e3:>10.2f}{other * 1e3:>10.2f}{ours / other:>8.2f}")


if __name__ == "__main__":
    main()
