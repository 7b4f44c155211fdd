"""Encode 10,000 MNIST test images: k-sparse autoencoder against scikit-learn's OMP.

Both find k-sparse codes (k = 25) on the same 784 x 1000 dictionary, in one
process with the same thread count:

transform        ``KSparseAutoencoder.transform`` (input checks, chunks, top-k);
encoder + top-k  ``(X - c) @ W + b`` and ``ksparse.nn.supp_k.topk`` alone, with
                 the model's :meth:`~ksparse.KSparseAutoencoder.encoder_layer`
                 (c: the training mean with ``center``, plus b′ with
                 ``pre_bias``; none for the default model);
OMP              ``sklearn.linear_model.OrthogonalMatchingPursuit`` with
                 ``n_nonzero_coefs=k`` (Gram matrix precomputed), fitted to
                 the images (less the training mean with ``center``) as
                 targets on the decoder's atoms; timed once, on
                 ``--omp-samples`` images, and scaled to the full set when fewer.

All three keep the same number of units per image, round(alpha · k) as
``transform`` does (k for the default model, alpha = 1), and each error is
that of its own codes, decoded (b′ added for the autoencoder's codes, the
mean added back with ``center``).

The dictionary is a model trained for ``--epochs`` epochs (paper settings,
5,000 training images), or the KSparseAutoencoder in ``--model`` (then its
own k, alpha, centring and pre-encoder bias are used). MNIST comes from
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
    parser.add_argument("--k", type=int, default=None,
                        help="units per image (default 25; with --model, the model's k)")
    parser.add_argument("--data-dir", default=None,
                        help="MNIST folder (default: ksparse's search)")
    parser.add_argument("--model", default=None, help="a saved KSparseAutoencoder (.npz)")
    parser.add_argument("--epochs", type=int, default=1, help="training epochs without --model")
    parser.add_argument("--omp-samples", type=int, default=10000)
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="cpu: process CPU time, robust to other load (with 1 thread)")
    return parser, parser.parse_args()


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


def get_model(parser, args, train):
    """(the fitted model, how it was made); a --model of another kind or k is a usage error."""
    import ksparse

    if args.model is not None:
        try:
            model = ksparse.load(args.model)
        except (OSError, ValueError) as exc:
            parser.error(f"--model: {exc}")
        if not isinstance(model, ksparse.KSparseAutoencoder):
            parser.error(f"--model: {args.model} holds a {type(model).__name__}; "
                         "this benchmark needs a KSparseAutoencoder")
        if args.k not in (None, model.k):
            parser.error(f"--k={args.k}: the model in --model has k={model.k}; leave --k out")
        return model, f"loaded from {args.model}"
    model = ksparse.KSparseAutoencoder(n_hidden=1000, k=args.k or 25, epochs=args.epochs,
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


def encoders(model, X, n_active):
    """The two timed encoders, and a decoder of codes back to the units of X."""
    import numpy as np

    from ksparse.nn.supp_k import topk

    W, b, centre = (None if a is None else np.asarray(a) for a in model.encoder_layer())
    X_in = X if centre is None else X - centre  # what the encoder sees
    offset = np.asarray(model.b_prime_) + (0 if model.mean_ is None else np.asarray(model.mean_))
    timed = {"transform": lambda: model.transform(X),
             "encoder + top-k": lambda: topk(X_in @ W + b, n_active)[0]}
    return timed, lambda H: H @ np.asarray(model.W_).T + offset


def main():
    parser, args = parse_args()
    limits = limit_threads(args.threads)  # noqa: F841  (kept alive: it holds the limit)
    import numpy as np

    from ksparse.nn.supp_k import n_kept

    train, X, source = load_images(args.data_dir)
    model, how = get_model(parser, args, train)
    n_active = n_kept(model.k, model.alpha)  # what transform keeps
    timed, decode = encoders(model, X, n_active)
    times = time_interleaved(timed, args.rounds, warmup=1, clock=args.clock)
    n_omp = min(args.omp_samples, len(X))
    mean = 0 if model.mean_ is None else np.asarray(model.mean_)
    W = np.asarray(model.W_)  # the decoder's atoms, OMP's dictionary
    omp_seconds, codes = time_omp(W, X - mean, n_active, n_omp, args.clock)
    omp_ms = 1e3 * omp_seconds * len(X) / n_omp  # scaled to the full set
    base = median_ms(times["transform"])
    mse = {name: np.mean(np.sum((decode(encode()) - X) ** 2, axis=1))
           for name, encode in timed.items()}
    mse["OMP"] = np.mean(np.sum((codes @ W.T + mean - X[:n_omp]) ** 2, axis=1))
    rows = [[name, f"{median_ms(t):.1f} ms", spread(t), f"{median_ms(t) / base:.2f}",
             f"{mse[name]:.2f}"] for name, t in times.items()]
    rows.append(["OMP", f"{omp_ms:.0f} ms", "1 run" + ("" if n_omp == len(X) else
                 f" on {n_omp}, scaled"), f"{omp_ms / base:.0f}", f"{mse['OMP']:.2f}"])
    print(f"Encoding {len(X)} {source} with k = {n_active} on a {W.shape[0]} x {W.shape[1]} "
          f"dictionary ({how}); median of {args.rounds} runs, {args.clock} clock")
    print_table(["method", "time", "p10/p90", "x transform", "squared error / image"], rows)
    import sklearn

    print(f"BLAS: {blas_description()}; scikit-learn {sklearn.__version__}; {machine_line()}")


if __name__ == "__main__":
    main()
