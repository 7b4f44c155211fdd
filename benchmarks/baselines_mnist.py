"""Table 1's baselines next to the k-sparse autoencoder, trained the same way on MNIST.

Every model has 1000 hidden units and is trained by the same loop for the
same number of epochs (Adam, batch 128, the first 50,000 training images);
its features go into the same softmax-regression protocol as Table 1
(features scaled to unit RMS, L2 chosen on the 10,000 validation images,
refitted on all 60,000, tested once on the 10,000 test images). The k-sparse
model is the Table 1 Adam recipe (k = 25, α = 3, centred inputs).

    python benchmarks/baselines_mnist.py --data-dir ../shared/data/mnist --epochs 10

Prints one table (test error %, dead units, training seconds, validation
reconstruction error per image) and writes it as JSON with ``--out``.
"""
import argparse
import json
import os
import time

import numpy as np
import scipy.sparse

import ksparse
from ksparse.backend import to_numpy
from ksparse.datasets import load_mnist
from ksparse.reproduce.features import score_features

PAPER = {"RBM": 1.81, "Dropout AE (50% hidden)": 1.80, "Denoising AE (20% input)": 1.95,
         "Dropout + denoising AE": 1.60, "ReLU AE": None, "k-sparse AE (k=25, α=3)": 1.35}


def models(epochs, seed):
    common = dict(n_hidden=1000, epochs=epochs, batch_size=128, random_state=seed,
                  verbose=False)
    adam = dict(common, optimizer="adam", learning_rate=1e-3)
    return {
        "RBM": ksparse.RBM(weight_decay=1e-4, learning_rate=0.05, momentum=0.5, **common),
        "Dropout AE (50% hidden)": ksparse.DropoutAutoencoder(**adam),
        "Denoising AE (20% input)": ksparse.DenoisingAutoencoder(**adam),
        "Dropout + denoising AE": ksparse.DropoutAutoencoder(input_dropout=0.2, **adam),
        "ReLU AE": ksparse.ReLUAutoencoder(**adam),
        "k-sparse AE (k=25, α=3)": ksparse.KSparseAutoencoder(
            k=25, alpha=3.0, k_start=100, center=True, lr_end=1e-4, **adam),
    }


def features(model, X, scale=None):
    H = to_numpy(model.transform(X))  # (n, 1000)
    if scale is None:
        nonzero = H[H != 0].astype(np.float64)
        scale = 1.0 / float(np.sqrt(np.mean(nonzero ** 2)))
    H = H * np.float32(scale)
    sparse = (H != 0).mean() < 0.2
    return (scipy.sparse.csr_matrix(H) if sparse else H), scale


def row(name, model, data, grid):
    start = time.perf_counter()
    model.fit(data.train[0], X_val=data.val[0])
    seconds = time.perf_counter() - start
    H_train, scale = features(model, data.train[0])
    splits = [(H_train, data.train[1])]
    splits += [(features(model, X, scale)[0], y) for X, y in (data.val, data.test)]
    score = score_features(*splits, grid=grid, max_iter=300)
    return {"model": name, "test_error": 100 * score.test_error, "paper": PAPER[name],
            "l2": score.l2, "dead_units": model.history_[-1].get("dead_units"),
            "val_reconstruction": model.history_[-1].get("val_loss"), "seconds": seconds}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", nargs="*", default=None, choices=list(PAPER),
                        help="model names to run, in this order")
    parser.add_argument("--out", default=None, help="JSON file for the rows")
    args = parser.parse_args()
    data = load_mnist(args.data_dir, download=False, progress=False)
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"MNIST 50k/10k/10k, {args.epochs} epochs, seed {args.seed}, "
          f"backend {ksparse.get_backend()}, OPENBLAS_NUM_THREADS={threads}")
    print(f"{'model':28s} {'test %':>7s} {'paper %':>8s} {'dead':>5s} {'train s':>8s} "
          f"{'val rec':>8s}", flush=True)
    rows = []
    table = models(args.epochs, args.seed)
    for name in args.only or table:  # in the order asked for
        model = table[name]
        r = row(name, model, data, grid=(1e-4, 1e-5))
        rows.append(r)
        paper = "-" if r["paper"] is None else f"{r['paper']:.2f}"
        dead = "-" if r["dead_units"] is None else str(r["dead_units"])
        print(f"{name:28s} {r['test_error']:7.2f} {paper:>8s} {dead:>5s} "
              f"{r['seconds']:8.0f} {r['val_reconstruction']:8.3f}", flush=True)
        if args.out:
            with open(args.out + ".tmp", "w") as fh:
                json.dump(rows, fh, indent=1)
            os.replace(args.out + ".tmp", args.out)


if __name__ == "__main__":
    main()
