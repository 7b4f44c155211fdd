"""Time one training step of every TopK-family model against the k-sparse model's and PyTorch's.

784 -> 1000, k = 25, float32, Adam (every TopK-family model's default), one
minibatch step per call: the model's own ``_training_step`` (loss, gradients,
the decoder gradient projected onto unit norms), the Adam update and the
model's ``_after_step`` (decoder renormalised, idle counters), as ``fit`` runs
them. All in one process, the same thread count for every column:

k-sparse       ``KSparseAutoencoder`` (tied W, its sparse step), Adam: the reference;
k-sparse, untied
               the same with an encoder P of its own (``tied=False``): as many
               weights as every TopK-family model, so twice the Adam update;
topk dense     ``TopKAutoencoder(step='dense')``: the readable recipe;
topk           ``TopKAutoencoder`` (``step='sparse'``, the default);
topk, AuxK     the same with 500 of the 1000 latents dead, so AuxK runs each step;
multi-topk     ``TopKAutoencoder(multi_k=4k)``;
matryoshka     ``TopKAutoencoder(prefixes=(50, 200, 500))``;
batch-topk     ``BatchTopKAutoencoder``;
jumprelu dense ``JumpReLUAutoencoder(step='dense')``, its thresholds set so that each
               latent fires on 2.5 % of the rows (k = 25 of 1000 on average) and ε
               a few percent of the kept activities, as after training;
jumprelu       the same with ``step='sparse'`` (the default);
torch          a TopK autoencoder in plain PyTorch as a user would write it
               (pre-encoder bias, ``torch.topk``, ReLU, ``scatter``, unit-norm
               decoder with its gradient projected, ``torch.optim.Adam``), when
               torch imports (the column is skipped otherwise).

Every column is timed twice: in interleaved rounds (one call of each per
round, which spreads the machine's noise evenly over the columns) and back to
back (all calls of one in a row, warm, as in training; with several threads
PyTorch's spinning thread pool slows whatever follows it, so its column is
fairest back to back). Each table gives the medians and each model's ratio
to the k-sparse step and to PyTorch's, measured the same way. Data are MNIST's training images with
``--data-dir``, else random binary pixels (19 % lit, MNIST-like).

Usage::

    python benchmarks/topk_step.py [--threads 1] [--rounds 60] [--data-dir DIR] [--no-torch]
"""
import argparse
import sys

from _bench import (
    blas_description,
    limit_threads,
    machine_line,
    median_ms,
    mnist_like,
    print_table,
    spread,
    time_back_to_back,
    time_interleaved,
)

N_DEAD = 500  # latents marked dead in the AuxK column


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS / torch threads")
    parser.add_argument("--rounds", type=int, default=60, help="timed calls per method")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[128, 256])
    parser.add_argument("--n-hidden", type=int, default=1000)
    parser.add_argument("--k", type=int, default=25)
    parser.add_argument("--data-dir", default=None, help="MNIST folder (random data if omitted)")
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch column")
    return parser.parse_args()


def models(n_hidden, k):
    """The timed models, unfitted, by column name."""
    from ksparse.models import (
        BatchTopKAutoencoder,
        JumpReLUAutoencoder,
        KSparseAutoencoder,
        TopKAutoencoder,
    )

    fixed = dict(random_state=0, verbose=False)
    common = dict(n_hidden=n_hidden, k=k, **fixed)
    return {
        "k-sparse": KSparseAutoencoder(optimizer="adam", **common),
        "k-sparse, untied": KSparseAutoencoder(optimizer="adam", tied=False, **common),
        "topk dense": TopKAutoencoder(step="dense", **common),
        "topk": TopKAutoencoder(**common),
        "topk, AuxK": TopKAutoencoder(**common),
        "multi-topk": TopKAutoencoder(multi_k=4 * k, **common),
        "matryoshka": TopKAutoencoder(prefixes=(50, 200, 500), **common),
        "batch-topk": BatchTopKAutoencoder(**common),
        "jumprelu dense": JumpReLUAutoencoder(step="dense", n_hidden=n_hidden, **fixed),
        "jumprelu": JumpReLUAutoencoder(n_hidden=n_hidden, **fixed),
    }


def model_step(name, model, batches, k):
    """A closure running one of the model's training steps, as ``fit`` does, on the next batch."""
    import numpy as np

    from ksparse.nn.optim import Adam

    model._init_parameters(np.concatenate(batches), np.random.default_rng(0), np)
    if name == "topk, AuxK":
        model.steps_idle_[:N_DEAD] = model.dead_steps  # half the latents count as dead
    if name.startswith("jumprelu"):
        set_thresholds(model, batches[0], k)
    params = model._parameters()
    optimizer = Adam(params)
    state = {"i": 0}

    def step():
        X = batches[state["i"] % len(batches)]
        loss, grads, aux = model._training_step(params, X, step=state["i"] + 1,
                                                total_steps=10**6, rng=None)
        optimizer.step(grads, 1e-4)
        model._after_step(params, aux)
        if name == "topk, AuxK":
            model.steps_idle_[:N_DEAD] = model.dead_steps  # stay dead
        state["i"] += 1

    return step


def set_thresholds(model, X, k):
    """θ_j at latent j's (1 − k/n_hidden) quantile on ``X``, ε at 2 % of the median kept z."""
    import numpy as np

    z = (X - model.b_prime_) @ model.P_.T + model.b_  # (n_samples, n_hidden)
    model.theta_[:] = np.quantile(z, 1 - k / z.shape[1], axis=0)
    model.bandwidth = 0.02 * float(np.median(z[z > model.theta_]))


def torch_step(batches, n_hidden, k):
    """A TopK autoencoder step in plain PyTorch: autograd, unit-norm decoder, torch.optim.Adam."""
    import torch

    n_features = batches[0].shape[1]
    gen = torch.Generator().manual_seed(0)
    W = torch.randn(n_features, n_hidden, generator=gen)
    W /= W.norm(dim=0)
    W.requires_grad_(True)
    P = W.detach().T.clone().requires_grad_(True)
    b = torch.zeros(n_hidden, requires_grad=True)
    b_pre = torch.from_numpy(batches[0].mean(axis=0)).requires_grad_(True)
    opt = torch.optim.Adam([W, P, b, b_pre], lr=1e-4)
    tensors = [torch.from_numpy(X) for X in batches]
    state = {"i": 0}

    def step():
        X = tensors[state["i"] % len(tensors)]
        state["i"] += 1
        z = (X - b_pre) @ P.T + b  # (B, n_hidden)
        values, idx = torch.topk(z, k, dim=1)
        h = torch.zeros_like(z).scatter(1, idx, torch.relu(values))
        diff = h @ W.T + b_pre - X
        loss = (diff * diff).sum() / X.shape[0]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        with torch.no_grad():
            W.grad -= W * (W * W.grad).sum(dim=0)  # tangent to the unit sphere
            opt.step()
            W.div_(W.norm(dim=0))

    return step


def table_rows(B, times):
    """A row per model: median ms, its ratios to the k-sparse and PyTorch steps, the spread."""
    ref = median_ms(times["k-sparse"])
    peer = median_ms(times["torch"]) if "torch" in times else None
    return [[B, name, f"{median_ms(t):.2f}", f"{median_ms(t) / ref:.2f}",
             f"{median_ms(t) / peer:.2f}" if peer else "-", spread(t)]
            for name, t in times.items()]


def load_data(data_dir, rng):
    if data_dir is not None:
        from ksparse.datasets import load_mnist

        return load_mnist(data_dir, download=False).train[0][:10000], f"MNIST from {data_dir}"
    return mnist_like(rng, 10000), "random binary pixels, 19% on (MNIST-like)"


def try_torch(n_threads, skip):
    if skip:
        return None
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(n_threads)
    return torch


def main():
    args = parse_args()
    limits = limit_threads(args.threads)  # noqa: F841  (kept alive: it holds the limit)
    import numpy as np

    torch = try_torch(args.threads, args.no_torch)
    data, source = load_data(args.data_dir, np.random.default_rng(0))
    tables = {"interleaved rounds": [], "back to back (warm)": []}
    for B in args.batch_sizes:
        batches = [data[i * B : (i + 1) * B] for i in range(min(20, len(data) // B))]
        for order, timer in zip(tables, (time_interleaved, time_back_to_back)):
            funcs = {name: model_step(name, m, batches, args.k)
                     for name, m in models(args.n_hidden, args.k).items()}
            if torch is not None:
                funcs["torch"] = torch_step(batches, args.n_hidden, args.k)
            tables[order] += table_rows(B, timer(funcs, args.rounds))
    print(f"Training step, {data.shape[1]} -> {args.n_hidden}, k = {args.k}, float32, Adam, "
          f"data: {source}; {args.rounds} calls of each; median ms")
    for order, rows in tables.items():
        print(f"\n{order}:")
        print_table(["batch", "model", "ms", "/ k-sparse", "/ torch", "p10/p90"], rows)
    print()
    print(f"BLAS: {blas_description()}")
    print("torch: " + (f"{torch.__version__}, {torch.get_num_threads()} threads" if torch
                       else "skipped (--no-torch or not importable)"))
    print(f"Python {sys.version.split()[0]}, NumPy {np.__version__}; {machine_line()}")


if __name__ == "__main__":
    main()
