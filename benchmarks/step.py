"""Time one training step of a k-sparse autoencoder: dense, sparse-aware and PyTorch.

784 -> 1000 tied autoencoder, k = 25, float32, one minibatch step (forward,
backward, optimizer update) per call. Columns, all in one process with the
same thread count:

floor   ``X @ W`` alone: top-k needs all of Wᵀx, so no step can be cheaper;
dense   ``ksparse.models.k_sparse.loss_and_grads`` + the optimizer (W C-ordered);
sparse  ``ksparse.fast.sparse_step.sparse_loss_and_grads`` + the optimizer, with
        W Fortran-ordered (its atoms contiguous) and, in the next columns,
        on centred minibatches (x − mean, as ``fit`` with ``center=True``
        prepares each one) and with W C-ordered;
sparse, blocked update
        the ``sparse`` column's step with the blocked optimizer update of
        ``_blocked_update.py`` (each parameter updated in cache-sized
        blocks; checked bitwise equal to the plain update before timing).
        Column ``blocked/sparse`` is its time over the ``sparse`` column's
        (ksparse's plain update), timed in the same interleaved rounds: the
        blocked update is worth its code only if it saves >= 10 % of the step;
torch   the same model in plain PyTorch on the CPU (``torch.topk``, ``scatter``,
        autograd, ``torch.optim.SGD`` / ``Adam``), when torch imports; with
        ``--torch-compile`` also under ``torch.compile``.

Every method is timed twice: in interleaved rounds (one call of each method
per round, which spreads the machine's noise evenly) and back to back (all
calls of one method in a row, warm, as in a training loop). Interleaving
charges a method for its neighbour's threads: PyTorch's OpenMP workers keep
spinning for a while after each parallel region and take the cores from the
NumPy call that follows (and OpenBLAS's from PyTorch's), so the floor and
the PyTorch step both run slower interleaved than alone. Ratios are to the
floor measured the same way. Data are random binary pixels (MNIST's 19% lit)
unless ``--data-dir`` holds MNIST. The learning rates are small (1e-3 for
momentum, 1e-4 for Adam) so that thousands of steps on the same few batches
keep the weights finite; the cost of a step does not depend on them.

Usage::

    python benchmarks/step.py [--threads 2] [--rounds 60] [--data-dir DIR] [--no-torch]
                              [--torch-compile] [--clock wall|cpu] [--phases]
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

BLOCKED = "sparse, blocked update"  # the column of the benchmark-only blocked optimizer


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2, help="BLAS / torch threads")
    parser.add_argument("--rounds", type=int, default=60, help="timed calls per method")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[128, 256])
    parser.add_argument("--n-hidden", type=int, default=1000)
    parser.add_argument("--k", type=int, default=25)
    parser.add_argument("--data-dir", default=None, help="MNIST folder (random data if omitted)")
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch column")
    parser.add_argument("--torch-compile", action="store_true",
                        help="also time the PyTorch step under torch.compile")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="cpu: process CPU time, robust to other load (with 1 thread)")
    parser.add_argument("--phases", action="store_true",
                        help="also time the phases of the sparse step separately")
    return parser.parse_args()


def load_data(data_dir, rng, n_features=784):
    """(data, description): MNIST training images, or uniform noise."""
    if data_dir is not None:
        from ksparse.datasets import load_mnist

        return load_mnist(data_dir, download=False).train[0][:10000], f"MNIST from {data_dir}"
    return mnist_like(rng, 10000, n_features), "random binary pixels, 19% on (MNIST-like)"


def init_params(rng, n_features, n_hidden, order):
    import numpy as np

    W = (rng.standard_normal((n_features, n_hidden)) * 0.01).astype(np.float32)
    return {"W": np.asarray(W, order=order), "b": np.zeros(n_hidden, np.float32),
            "b_prime": np.zeros(n_features, np.float32)}


def make_optimizer(name, params, blocked=False):
    """(optimizer, learning rate): the plain update of ksparse, or its blocked variant."""
    from _blocked_update import BlockedAdam, BlockedMomentumSGD

    from ksparse.nn.optim import Adam, MomentumSGD

    if name == "momentum":
        return (BlockedMomentumSGD if blocked else MomentumSGD)(params, 0.9), 1e-3
    return (BlockedAdam if blocked else Adam)(params), 1e-4


def numpy_step(loss_and_grads, params, optimizer_name, batches, k, mean=None, blocked=False):
    """A closure running one training step on the next minibatch (centred when ``mean``)."""
    optimizer, lr = make_optimizer(optimizer_name, params, blocked)
    state = {"i": 0}

    def step():
        X = batches[state["i"] % len(batches)]
        X = X if mean is None else X - mean  # (B, n_features)
        state["i"] += 1
        _, grads, _ = loss_and_grads(params, X, k)
        optimizer.step(grads, lr)

    return step


def torch_step(init, optimizer_name, batches, k, compile=False):
    """The same step in plain PyTorch: autograd through topk and scatter, torch.optim."""
    import torch

    W = torch.tensor(init["W"], requires_grad=True)
    b = torch.tensor(init["b"], requires_grad=True)
    b_prime = torch.tensor(init["b_prime"], requires_grad=True)
    params = [W, b, b_prime]
    opt = (torch.optim.SGD(params, lr=1e-3, momentum=0.9) if optimizer_name == "momentum"
           else torch.optim.Adam(params, lr=1e-4))
    tensors = [torch.from_numpy(X) for X in batches]
    state = {"i": 0}

    def loss_of(X):
        z = X @ W + b  # (B, n_hidden)
        values, idx = torch.topk(z, k, dim=1)
        z_sparse = torch.zeros_like(z).scatter(1, idx, values)
        diff = z_sparse @ W.T + b_prime - X
        return (diff * diff).sum() / X.shape[0]

    loss_fn = torch.compile(loss_of) if compile else loss_of

    def step():
        X = tensors[state["i"] % len(tensors)]
        state["i"] += 1
        loss = loss_fn(X)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return step


def try_torch(n_threads):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(n_threads)
    return torch


def phase_functions(params, X, k):
    """The sparse step cut into its phases, each a closure on fixed inputs."""
    import numpy as np

    from ksparse.fast import sparse_step as S
    from ksparse.nn.optim import MomentumSGD
    from ksparse.nn.supp_k import topk_support

    W, b, b_prime = params["W"], params["b"], params["b_prime"]
    n_hidden = W.shape[1]
    z = X @ W + b
    idx, _ = topk_support(z, k)
    z_top = np.take_along_axis(z, idx, axis=1)
    diff, dz_top = S.decode_and_backprop(idx, z_top, W.T, X, b_prime)
    both, weights = np.concatenate([idx, idx]), np.concatenate([z_top, dz_top])
    rows = np.concatenate([diff * (2.0 / X.shape[0]), X])
    _, grads, _ = S.sparse_loss_and_grads(params, X, k)
    sgd = MomentumSGD({n: p.copy(order="K") for n, p in params.items()}, 0.9)
    return {
        "encode X @ W + b": lambda: X @ W + b,
        "top-k support": lambda: topk_support(z, k),
        "decode + backprop": lambda: S.decode_and_backprop(idx, z_top, W.T, X, b_prime),
        "gradient scatter (tied)": lambda: S.scatter_rows(both, weights, rows, n_hidden),
        "momentum update": lambda: sgd.step(grads, 1e-9),
        "whole sparse step": lambda: S.sparse_loss_and_grads(params, X, k),
    }


def run_phases(data, rng, args):
    print(f"\nPhases of the sparse step (momentum), median ms over {args.rounds} rounds:")
    rows = []
    for B in args.batch_sizes:
        params = init_params(rng, data.shape[1], args.n_hidden, "F")
        times = time_interleaved(phase_functions(params, data[:B], args.k), args.rounds,
                                 clock=args.clock)
        rows.append([B] + [f"{median_ms(t):.3f}" for t in times.values()])
    print_table(["batch"] + list(times), rows)


def step_functions(optimizer_name, batches, init, k, torch, torch_compile=False):
    """The timed closures of one table row: floor, NumPy steps and PyTorch."""
    import numpy as np

    from ksparse.fast import sparse_step
    from ksparse.models import k_sparse as functional

    def copy(order):
        return {name: np.array(p, order=order) for name, p in init.items()}

    W = copy("C")["W"]
    funcs = {
        "floor": lambda: batches[0] @ W,
        "dense": numpy_step(functional.loss_and_grads, copy("C"), optimizer_name, batches, k),
        "sparse": numpy_step(sparse_step.sparse_loss_and_grads, copy("F"), optimizer_name,
                             batches, k),
        "sparse, centred": numpy_step(sparse_step.sparse_loss_and_grads, copy("F"),
                                      optimizer_name, batches, k, mean=np.mean(batches, axis=(0, 1))),
        "sparse, W C-order": numpy_step(sparse_step.sparse_loss_and_grads, copy("C"),
                                        optimizer_name, batches, k),
        BLOCKED: numpy_step(sparse_step.sparse_loss_and_grads, copy("F"), optimizer_name,
                            batches, k, blocked=True),
    }
    if torch is not None:
        funcs["torch"] = torch_step(init, optimizer_name, batches, k)
    if torch is not None and torch_compile:
        funcs["torch, compiled"] = torch_step(init, optimizer_name, batches, k, compile=True)
    return funcs


def check_blocked_update(optimizer_name, batches, init, k):
    """Stop unless the blocked update gives bitwise the plain one's parameters (5 steps)."""
    import numpy as np

    from ksparse.fast import sparse_step

    fitted = []
    for blocked in (False, True):
        params = {name: np.array(p, order="F") for name, p in init.items()}
        step = numpy_step(sparse_step.sparse_loss_and_grads, params, optimizer_name, batches,
                          k, blocked=blocked)
        for _ in range(5):
            step()
        fitted.append(params)
    for name in init:
        if not np.array_equal(fitted[0][name], fitted[1][name]):
            sys.exit(f"{optimizer_name}: the blocked update changed {name}; timings not comparable")


def table_row(times, stat):
    """``stat`` (ms) and its ratio to the floor's for each method, the blocked / plain
    ratio of the whole sparse step, and the worst spread."""
    floor = stat(times["floor"])
    cells = [f"{floor:.3f} ms"] + [f"{stat(t):.3f} ms ({stat(t) / floor:.1f}x)"
                                   for name, t in times.items() if name != "floor"]
    cells.append(f"{stat(times[BLOCKED]) / stat(times['sparse']):.3f}")
    spreads = [spread(t) for t in times.values()]
    return cells + [max(spreads, key=lambda s: abs(float(s.split("/")[1][:-1])))]


# Interleaved rounds share the noise between methods; back to back, each method follows
# itself (as in training) and is not charged for another's spinning thread pool.
TIMERS = {"interleaved rounds": time_interleaved, "back to back (warm)": time_back_to_back}


def main():
    args = parse_args()
    limits = limit_threads(args.threads)  # noqa: F841  (kept alive: it holds the limit)
    import numpy as np

    torch = None if args.no_torch else try_torch(args.threads)
    rng = np.random.default_rng(0)
    data, source = load_data(args.data_dir, rng)
    tables = {order: [] for order in TIMERS}
    for optimizer_name in ("momentum", "adam"):
        for B in args.batch_sizes:
            batches = [data[i * B : (i + 1) * B] for i in range(min(20, len(data) // B))]
            init = init_params(rng, data.shape[1], args.n_hidden, "C")
            check_blocked_update(optimizer_name, batches, init, args.k)
            funcs = step_functions(optimizer_name, batches, init, args.k, torch,
                                   args.torch_compile)
            for order, timer in TIMERS.items():
                times = timer(funcs, args.rounds, clock=args.clock)
                tables[order].append([optimizer_name, B] + table_row(times, median_ms))
    print(f"Training step, {data.shape[1]} -> {args.n_hidden}, k = {args.k}, float32, data: "
          f"{source}; {args.rounds} calls of each, {args.clock} clock; median ms and the "
          "ratio to the floor")
    for order, rows in tables.items():
        print(f"\n{order}:")
        print_table(["optimizer", "batch"] + list(times) + ["blocked/sparse", "worst p10/p90"],
                    rows)
    print("\nblocked/sparse: the whole sparse step with the blocked optimizer update over the "
          "same step with ksparse's plain update;\nthe blocked update earns its place in "
          "ksparse only at <= 0.90.")
    print()
    print(f"BLAS: {blas_description()}")
    if torch is None:
        print("torch: " + ("skipped (--no-torch)" if args.no_torch
                           else "not importable, column skipped"))
    else:
        print(f"torch {torch.__version__}: {torch.get_num_threads()} threads")
    print(f"Python {sys.version.split()[0]}, NumPy {np.__version__}; {machine_line()}")
    if args.phases:
        run_phases(data, rng, args)


if __name__ == "__main__":
    main()
