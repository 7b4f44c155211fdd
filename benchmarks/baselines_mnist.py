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

import ksparse
from ksparse.datasets import load_mnist
from ksparse.reproduce.baselines import BASELINES, baseline_model
from ksparse.reproduce.features import score_model

KSPARSE = "k-sparse AE (k=25, α=3)"
ORDER = ("rbm", "dropout", "denoising", "dropout-denoising", "relu")
PAPER = {**{BASELINES[key][0]: BASELINES[key][3] for key in ORDER}, KSPARSE: 1.35}


def models(epochs, seed):
    """Every model of the table, unfitted: the reproduction's baselines and the k-sparse recipe."""
    table = {BASELINES[key][0]: baseline_model(key, epochs, seed) for key in ORDER}
    table[KSPARSE] = ksparse.KSparseAutoencoder(
        n_hidden=1000, k=25, alpha=3.0, k_start=100, center=True, optimizer="adam",
        learning_rate=1e-3, lr_end=1e-4, epochs=epochs, batch_size=128, random_state=seed,
        verbose=False)
    return table


def row(name, model, data, grid):
    start = time.perf_counter()
    model.fit(data.train[0], X_val=data.val[0])
    seconds = time.perf_counter() - start
    score = score_model(model, data, grid=grid, max_iter=300)
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
    print(f"{'model':36s} {'test %':>7s} {'paper %':>8s} {'dead':>5s} {'train s':>8s} "
          f"{'val rec':>8s}", flush=True)
    rows = []
    table = models(args.epochs, args.seed)
    for name in args.only or table:  # in the order asked for
        model = table[name]
        r = row(name, model, data, grid=(1e-4, 1e-5))
        rows.append(r)
        paper = "-" if r["paper"] is None else f"{r['paper']:.2f}"
        dead = "-" if r["dead_units"] is None else str(r["dead_units"])
        print(f"{name:36s} {r['test_error']:7.2f} {paper:>8s} {dead:>5s} "
              f"{r['seconds']:8.0f} {r['val_reconstruction']:8.3f}", flush=True)
        if args.out:
            with open(args.out + ".tmp", "w") as fh:
                json.dump(rows, fh, indent=1)
            os.replace(args.out + ".tmp", args.out)


if __name__ == "__main__":
    main()
