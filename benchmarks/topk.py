"""Time top-k selection on encoder outputs: ksparse's functions, NumPy and PyTorch.

For z = X W + b of a 784 -> 1000 encoder (float32) and k = 25, in one process
with the same thread count:

mask          ``ksparse.nn.supp_k.topk_mask`` (the k-th largest value, exact ties);
threshold     ``ksparse.fast.topk_threshold.topk_mask_by_bisection``: the paper's
              per-row threshold, refined by bisection on the float keys (32
              rounds in float32);
support       ``ksparse.nn.supp_k.topk_support`` (mask and sorted (B, k) indices);
indices       ``ksparse.nn.supp_k.topk_indices`` (the sorted (B, k) indices
              alone, which the TopK family's step uses);
argpartition  ``np.argpartition`` + the values (ties in no defined order);
torch.topk    values and indices, when torch imports.

Ratios are to ``mask``. Before timing, the script checks that the ksparse
columns select the same units.

Usage::

    python benchmarks/topk.py [--threads 2] [--rounds 100]
"""
import argparse

from _bench import blas_description, limit_threads, machine_line, median_ms, print_table, spread
from _bench import time_interleaved


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[128, 256, 10000])
    parser.add_argument("--n-hidden", type=int, default=1000)
    parser.add_argument("--k", type=int, default=25)
    return parser.parse_args()


def methods(z, k, torch):
    import numpy as np

    from ksparse.fast.topk_threshold import topk_mask_by_bisection
    from ksparse.nn.supp_k import topk_indices, topk_mask, topk_support

    n_hidden = z.shape[1]

    def argpartition():
        idx = np.argpartition(z, n_hidden - k, axis=1)[:, n_hidden - k :]  # (B, k)
        return idx, np.take_along_axis(z, idx, axis=1)

    funcs = {"mask": lambda: topk_mask(z, k),
             "threshold": lambda: topk_mask_by_bisection(z, k),
             "support": lambda: topk_support(z, k), "indices": lambda: topk_indices(z, k),
             "argpartition": argpartition}
    check_same_units(funcs)
    if torch is not None:
        zt = torch.from_numpy(z)
        funcs["torch.topk"] = lambda: torch.topk(zt, k, dim=1)
    return funcs


def check_same_units(funcs):
    """Raise unless the ksparse columns select the same units (the timings compare like with like)."""
    import numpy as np

    mask = funcs["mask"]()
    from_indices = np.zeros_like(mask)
    np.put_along_axis(from_indices, funcs["indices"](), True, axis=1)
    for name, selected in (("threshold", funcs["threshold"]()), ("support", funcs["support"]()[1]),
                           ("indices", from_indices)):
        if not np.array_equal(selected, mask):
            raise AssertionError(f"{name} selects other units than mask")


def main():
    args = parse_args()
    limits = limit_threads(args.threads)  # noqa: F841  (kept alive: it holds the limit)
    import numpy as np

    try:
        import torch

        torch.set_num_threads(args.threads)
    except ImportError:
        torch = None
    rng = np.random.default_rng(0)
    W = (rng.standard_normal((784, args.n_hidden)) * 0.01).astype(np.float32)
    rows = []
    for B in args.batch_sizes:
        z = rng.random((B, 784), dtype=np.float32) @ W  # (B, n_hidden)
        times = time_interleaved(methods(z, args.k, torch), args.rounds)
        base = median_ms(times["mask"])
        rows.append([B] + [f"{median_ms(t):.3f} ms ({median_ms(t) / base:.2f}x, {spread(t)})"
                           for t in times.values()])
    print(f"Top-k of z = X W, {args.n_hidden} units, k = {args.k}, float32; median of "
          f"{args.rounds} interleaved rounds (ratio to mask, p10/p90 spread)")
    print_table(["batch"] + list(times), rows)
    print(f"BLAS: {blas_description()}; "
          + ("torch: not importable, column skipped" if torch is None
             else f"torch {torch.__version__}: {torch.get_num_threads()} threads"))
    print(machine_line())


if __name__ == "__main__":
    main()
