"""Reconstruction error of a k-sparse autoencoder against PCA on MNIST.

Trains on the first 10,000 MNIST training images (pixels scaled to [0, 1])
with the paper's optimizer (σ = 0.01, m = 0.9, η = 0.01, batch 128), 1000
hidden units, k = 25 with the sparsity schedule from k = 100, and compares
the squared reconstruction error per image on the last 10,000 training
images with the best rank-50 linear reconstruction (PCA fitted on the same
10,000 images).

Usage::

    python benchmarks/mnist_reconstruction.py --data-dir PATH/TO/MNIST [--epochs 20]
"""
import argparse
import os
import time

import numpy as np

import ksparse
from ksparse.datasets import read_idx


def pca_error(X_fit, X_eval, n_components):
    """Mean squared error per row of the best rank-n affine reconstruction."""
    mean = X_fit.mean(axis=0)
    _, _, Vt = np.linalg.svd(X_fit - mean, full_matrices=False)
    V = Vt[:n_components].T  # (n_features, n_components)
    X_hat = (X_eval - mean) @ V @ V.T + mean
    return float(np.mean(np.sum((X_eval - X_hat) ** 2, axis=1)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=os.environ.get("KSPARSE_DATA", "../shared/data/mnist"))
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--n-train", type=int, default=10000)
    args = parser.parse_args()

    images = read_idx(os.path.join(args.data_dir, "train-images-idx3-ubyte.gz"))
    X = images.reshape(len(images), -1).astype(np.float32) / 255.0  # (60000, 784)
    X_train, X_val = X[: args.n_train], X[-10000:]

    print(f"PCA, 50 components: {pca_error(X_train.astype(np.float64), X_val, 50):.3f} per image")
    model = ksparse.KSparseAutoencoder(
        n_hidden=1000, k=25, k_start=100, epochs=args.epochs, learning_rate=0.01,
        momentum=0.9, init_std=0.01, batch_size=128, random_state=0, verbose=False,
    )
    start = time.perf_counter()
    model.fit(X_train, X_val=X_val)
    seconds = time.perf_counter() - start
    last = model.history_[-1]
    print(f"k-sparse autoencoder (k=25): {last['val_loss']:.3f} per image, "
          f"{seconds / args.epochs:.2f} s per epoch, {last['dead_units']} dead units "
          f"(backend {ksparse.get_backend()})")
    for h in model.history_:
        print(f"  epoch {h['epoch'] + 1:3d}  k={h['k']:3d}  train {h['loss']:.3f}  "
              f"val {h['val_loss']:.3f}  dead {h['dead_units']}")


if __name__ == "__main__":
    main()
