"""Peak memory of ``fit`` on MNIST, against the size of the training data.

Loads the 50,000 MNIST training images (float32 in [0, 1], 157 MB) with
:func:`ksparse.datasets.load_mnist`, then fits a KSparseAutoencoder (1000
units, k = 25, the paper's MNIST setting) for a few epochs, with and
without centring, and prints the peak of what ``fit`` allocates on top of
the data (``tracemalloc``: NumPy and Python allocations) and the peak
anonymous resident memory of the process (sampled from /proc every 20 ms).

Usage::

    python benchmarks/fit_memory.py --data-dir PATH/TO/MNIST [--epochs 3] [--n-hidden 1000]
"""
import argparse
import os
import threading
import time
import tracemalloc

from _bench import rss_anon

import ksparse
from ksparse.datasets import load_mnist


def peak_while(func):
    """(tracemalloc peak, peak anonymous RSS, seconds) while ``func`` runs."""
    peak, stop = [rss_anon()], threading.Event()

    def sample():
        while not stop.wait(0.02):
            peak[0] = max(peak[0], rss_anon())

    thread = threading.Thread(target=sample, daemon=True)
    tracemalloc.start()
    thread.start()
    start = time.perf_counter()
    try:
        func()
    finally:
        seconds = time.perf_counter() - start
        stop.set()
        thread.join()
        traced = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return traced, peak[0], seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=os.environ.get("KSPARSE_DATA",
                                                             "../shared/data/mnist"))
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--n-hidden", type=int, default=1000)
    args = parser.parse_args()

    X = load_mnist(data_dir=args.data_dir, download=False).train[0]  # (50000, 784) float32
    mib = 2**20
    print(f"MNIST train: {X.shape[0]:,} × {X.shape[1]} {X.dtype}, {X.nbytes / mib:.1f} MiB; "
          f"anonymous RSS with the data loaded {rss_anon() / mib:.1f} MiB; "
          f"backend {ksparse.get_backend()}")
    for center in (False, True):
        model = ksparse.KSparseAutoencoder(n_hidden=args.n_hidden, k=25, epochs=args.epochs,
                                           center=center, random_state=0, verbose=False)
        traced, anon, seconds = peak_while(lambda: model.fit(X))
        print(f"fit, center={center!s:<5}  {args.epochs} epochs, {seconds:6.1f} s   "
              f"allocated at peak (tracemalloc) {traced / mib:7.1f} MiB "
              f"= {traced / X.nbytes:.2f} × the data   peak anonymous RSS {anon / mib:7.1f} MiB")


if __name__ == "__main__":
    main()
