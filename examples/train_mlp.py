"""Train a multi-layer perceptron on synthetic classification data.

Written as an MLX user writes a training script: an `nn.Module`, `nn.value_and_grad`, an
optimizer from `mlx.optimizers`, and the whole step compiled with `mx.compile`, capturing
the model's, the optimizer's and the random generator's state. The data: ten overlapping
Gaussian clusters in 32 dimensions, one per class. One line per epoch: training loss,
held-out accuracy and samples per second.

    python examples/train_mlp.py            # 8 epochs; final training loss below 0.1
    python examples/train_mlp.py --epochs 2 --target 1   # a quick look

Exits with status 1 when the final training loss is above --target.
"""

import argparse
import time
from functools import partial

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim


class MLP(nn.Module):
    """Linear layers with ReLU between them."""

    def __init__(self, in_dims, hidden_dims, out_dims, num_layers=2):
        super().__init__()
        dims = [in_dims] + [hidden_dims] * num_layers
        self.layers = [nn.Linear(i, o) for i, o in zip(dims[:-1], dims[1:])]
        self.out = nn.Linear(hidden_dims, out_dims)

    def __call__(self, x):
        for layer in self.layers:
            x = nn.relu(layer(x))
        return self.out(x)


def make_centers(in_dims, num_classes, seed, spread=0.7):
    """One random center per class; smaller spread means more overlap between classes."""
    return spread * mx.random.normal((num_classes, in_dims), key=mx.random.key(seed))


def make_data(centers, num_samples, seed):
    """Points around the class centers (unit Gaussian noise) and their class labels."""
    k1, k2 = mx.random.split(mx.random.key(seed))
    y = mx.random.randint(0, centers.shape[0], (num_samples,), key=k1)
    x = centers[y] + mx.random.normal((num_samples, centers.shape[1]), key=k2)
    return x, y


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--samples", type=int, default=8192)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--target", type=float, default=0.1, help="final training loss to reach")
    args = parser.parse_args()

    mx.random.seed(args.seed)
    in_dims, num_classes = 32, 10
    centers = make_centers(in_dims, num_classes, args.seed)
    x_train, y_train = make_data(centers, args.samples, args.seed + 1)
    x_test, y_test = make_data(centers, 4096, args.seed + 2)

    model = MLP(in_dims, args.hidden, num_classes)
    mx.eval(model.parameters())
    optimizer = optim.Adam(learning_rate=args.lr)

    def loss_fn(model, x, y):
        return nn.losses.cross_entropy(model(x), y, reduction="mean")

    loss_and_grad = nn.value_and_grad(model, loss_fn)
    state = [model.state, optimizer.state, mx.random.state]

    @partial(mx.compile, inputs=state, outputs=state)
    def step(x, y):
        loss, grads = loss_and_grad(model, x, y)
        optimizer.update(model, grads)
        return loss

    def accuracy(x, y):
        return mx.mean(mx.argmax(model(x), axis=1) == y)

    n = x_train.shape[0]
    batches = n // args.batch_size
    loss = None
    for epoch in range(args.epochs):
        perm = mx.random.permutation(n)
        tic = time.perf_counter()
        total = mx.array(0.0)
        for b in range(batches):
            idx = perm[b * args.batch_size : (b + 1) * args.batch_size]
            total = total + step(x_train[idx], y_train[idx])
            mx.eval(state, total)
        toc = time.perf_counter()
        loss = total.item() / batches
        acc = accuracy(x_test, y_test).item()
        rate = batches * args.batch_size / (toc - tic)
        print(
            f"epoch {epoch + 1:2d}  loss {loss:.4f}  test accuracy {acc:.3f}  "
            f"{rate:,.0f} samples/s  ({1e3 * (toc - tic) / batches:.2f} ms/step)"
        )

    reached = loss is not None and loss <= args.target
    print(f"final loss {loss:.4f} (target {args.target}): {'reached' if reached else 'MISSED'}")
    raise SystemExit(0 if reached else 1)


if __name__ == "__main__":
    main()
