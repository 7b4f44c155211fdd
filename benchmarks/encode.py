"""Encode 10,000 MNIST test images: k-sparse autoencoder against scikit-learn's OMP.

Both find k-sparse codes (k = 25) on the same 784 x 1000 dictionary, in one
process with the same thread count:

transform        ``KSparseAutoencoder.transform`` (input checks, chunks, top-k);
encoder + top-k  ``X @ W + b`` and ``ksparse.nn.supp_k.topk`` alone;
OMP              ``sklearn.linear_model.OrthogonalMatchingPursuit`` with
                 ``n_nonzero_coefs=k`` (Gram matrix precomputed), fitted to
                 the images as targets; timed once, on ``--omp-samples``
                 images, and scaled to the full set when fewer.

The dictionary is a model trained for ``--epochs`` epochs (paper settings,
5,000 training images), or the model in ``--model``. MNIST comes from
``--data-dir`` or ksparse's search path; without it, uniform random data
stand in (the script says so).

Usage::

    python benchmarks/encode.py [--threads 2] [--data-dir DIR] [--model PATH] [--omp-samples N]
                                [--clock wall|cpu]
"""
import argparse

from _bench import (CLOCKS, blas_description, limit_threads, machine_line, median_ms, mnist_like,
                    print_table, spread, time_interleaved)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=10, help="timed runs of the fast encoders")
    parser.add_argument("--k", type=int, default=25)
    parser.add_argument("--data-dir", default=None,
                        help="MNIST folder (default: ksparse's search)")
    parser.add_argument("--model", default=None, help="a saved KSparseAutoencoder (.npz)")
    parser.add_argument("--epochs", type=int, default=1, help="training epochs without --model")
    parser.add_argument("--omp-samples", type=int, default=10000)
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="cpu: process CPU time, robust to other load (with 1 thread)")
    return parser.parse_args()


def load_images(data_dir):
    """(train, test, description), float32 in [0, 1]."""
    import numpy as np

    from ksparse.datasets import DataNotFoundError, load_mnist

    try:
        splits = load_mnist(data_dir, download=False)
        return splits.train[0][:5000], splits.test[0][:10000], "MNIST test images"
    except (DataNotFoundError, OSError) as exc:
        data = mnist_like(np.random.default_rng(0), 15000)  # the paper's learning rate suits it
        return data[:5000], data[5000:], f"RANDOM data: MNIST not found ({exc.__class__.__name__})"


def get_model(args, train):
    import ksparse

    if args.model is not None:
        return ksparse.load(args.model), f"loaded from {args.model}"
    model = ksparse.KSparseAutoencoder(n_hidden=1000, k=args.k, epochs=args.epochs,
                                       learning_rate=0.01, momentum=0.9, init_std=0.01,
                                       batch_size=128, random_state=0, verbose=False)
    return model.fit(train), f"trained {args.epochs} epoch(s) on {len(train)} images"


def time_omp(W, X, k, n_samples, clock):
    """Seconds for OMP on the first ``n_samples`` rows of X, and the codes."""
    from sklearn.linear_model import OrthogonalMatchingPursuit

    omp = OrthogonalMatchingPursuit(n_nonzero_coefs=k, fit_intercept=False, precompute=True)
    start = CLOCKS[clock]()
    omp.fit(W, X[:n_samples].T)  # one target per image
    return CLOCKS[clock]() - start, omp.coef_  # (n_samples, n_hidden)


def main():
    args = parse_args()
    limits = limit_threads(args.threads)  # noqa: F841  (kept alive: it holds the limit)
    import numpy as np

    from ksparse.nn.supp_k import topk

    train, X, source = load_images(args.data_dir)
    model, how = get_model(args, train)
    W, b = np.asarray(model.W_), np.asarray(model.b_)
    times = time_interleaved({
        "transform": lambda: model.transform(X),
        "encoder + top-k": lambda: topk(X @ W + b, args.k),
    }, args.rounds, warmup=1, clock=args.clock)
    n_omp = min(args.omp_samples, len(X))
    omp_seconds, codes = time_omp(W, X, args.k, n_omp, args.clock)
    omp_ms = 1e3 * omp_seconds * len(X) / n_omp  # scaled to the full set
    base = median_ms(times["transform"])
    mse = {
        "transform": np.mean(np.sum((model.reconstruct(X) - X) ** 2, axis=1)),
        "encoder + top-k": np.mean(np.sum((topk(X @ W + b, args.k)[0] @ W.T
                                           + model.b_prime_ - X) ** 2, axis=1)),
        "OMP": np.mean(np.sum((codes @ W.T - X[:n_omp]) ** 2, axis=1)),
    }
    rows = [[name, f"{median_ms(t):.1f} ms", spread(t), f"{median_ms(t) / base:.2f}",
             f"{mse[name]:.2f}"] for name, t in times.items()]
    rows.append(["OMP", f"{omp_ms:.0f} ms", "1 run" + ("" if n_omp == len(X) else
                 f" on {n_omp}, scaled"), f"{omp_ms / base:.0f}", f"{mse['OMP']:.2f}"])
    print(f"Encoding {len(X)} {source} with k = {args.k} on a 784 x 1000 dictionary "
          f"({how}); median of {args.rounds} runs, {args.clock} clock")
    print_table(["method", "time", "p10/p90", "x transform", "squared error / image"], rows)
    import sklearn

    print(f"BLAS: {blas_description()}; scikit-learn {sklearn.__version__}; {machine_line()}")


if __name__ == "__main__":
    main()
