"""Train a small transformer language model on a synthetic corpus.

Written as an MLX user writes it: an `nn.Module` (token embedding, `nn.TransformerEncoder`
with a causal mask, output projection), `nn.value_and_grad`, `optim.AdamW` with a cosine
learning-rate schedule, and the step compiled with `mx.compile` over the model's, the
optimizer's and the random generator's state. One line per epoch: training loss, held-out
loss and tokens per second.

The corpus: sequences of a small language with structure to learn. Each sequence is an
arithmetic progression modulo the vocabulary (start and stride drawn at random), so the next
token follows from the two before it; a model that learns that has a loss near zero, while
a unigram model sits at log(vocabulary) = 4.16.

    python examples/train_transformer_lm.py   # 8 epochs; final held-out loss below 0.2

Exits with status 1 when the final held-out loss is above --target.
"""

import argparse
import math
import time
from functools import partial

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim


class TransformerLM(nn.Module):
    """Token embedding, learned positions, pre-norm transformer layers, a linear head."""

    def __init__(self, vocab_size, context, num_layers, dims, num_heads):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dims)
        self.positions = nn.Embedding(context, dims)
        self.transformer = nn.TransformerEncoder(
            num_layers, dims, num_heads, mlp_dims=4 * dims, dropout=0.0, norm_first=True
        )
        self.out_proj = nn.Linear(dims, vocab_size)

    def __call__(self, x):
        length = x.shape[1]
        mask = nn.MultiHeadAttention.create_additive_causal_mask(length)
        h = self.embedding(x) + self.positions(mx.arange(length))
        h = self.transformer(h, mask.astype(h.dtype))
        return self.out_proj(h)


def make_corpus(num_sequences, length, vocab_size, key):
    """Arithmetic progressions modulo vocab_size: token t = (start + t * stride) % vocab."""
    k1, k2 = mx.random.split(key)
    start = mx.random.randint(0, vocab_size, (num_sequences, 1), key=k1)
    stride = mx.random.randint(1, 8, (num_sequences, 1), key=k2)
    return (start + stride * mx.arange(length + 1)) % vocab_size


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--context", type=int, default=64)
    parser.add_argument("--sequences", type=int, default=2048)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--dims", type=int, default=128)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--target", type=float, default=0.2, help="held-out loss to reach")
    args = parser.parse_args()

    vocab = 64
    mx.random.seed(args.seed)
    key_train, key_test = mx.random.split(mx.random.key(args.seed + 1))
    train = make_corpus(args.sequences, args.context, vocab, key_train)
    test = make_corpus(256, args.context, vocab, key_test)

    model = TransformerLM(vocab, args.context, args.layers, args.dims, args.heads)
    mx.eval(model.parameters())
    batches = args.sequences // args.batch_size
    schedule = optim.cosine_decay(args.lr, args.epochs * batches, args.lr / 10)
    optimizer = optim.AdamW(learning_rate=schedule, weight_decay=0.01)

    def loss_fn(model, seq):
        logits = model(seq[:, :-1])
        return nn.losses.cross_entropy(logits, seq[:, 1:], reduction="mean")

    loss_and_grad = nn.value_and_grad(model, loss_fn)
    state = [model.state, optimizer.state, mx.random.state]

    @partial(mx.compile, inputs=state, outputs=state)
    def step(seq):
        loss, grads = loss_and_grad(model, seq)
        grads, _ = optim.clip_grad_norm(grads, max_norm=1.0)
        optimizer.update(model, grads)
        return loss

    test_loss = math.inf
    for epoch in range(args.epochs):
        model.train()
        perm = mx.random.permutation(args.sequences)
        tic = time.perf_counter()
        total = mx.array(0.0)
        for b in range(batches):
            seq = train[perm[b * args.batch_size : (b + 1) * args.batch_size]]
            total = total + step(seq)
            mx.eval(state, total)
        toc = time.perf_counter()
        model.eval()
        test_loss = loss_fn(model, test).item()
        tokens = batches * args.batch_size * args.context
        print(
            f"epoch {epoch + 1:2d}  train loss {total.item() / batches:.4f}  "
            f"held-out loss {test_loss:.4f}  {tokens / (toc - tic):,.0f} tokens/s  "
            f"lr {optimizer.learning_rate.item():.2e}"
        )

    reached = test_loss <= args.target
    print(
        f"final held-out loss {test_loss:.4f} (target {args.target}): "
        f"{'reached' if reached else 'MISSED'}"
    )
    raise SystemExit(0 if reached else 1)


if __name__ == "__main__":
    main()
