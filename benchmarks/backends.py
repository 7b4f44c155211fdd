"""Seconds per epoch of every model on NumPy and on CuPy, and the speed-up of the GPU.

784 -> 1000, k = 25, float32, batch 128 (each model's defaults otherwise),
MNIST-like random binary pixels (19 % lit) or MNIST's training images with
``--data-dir``. Each model is fitted for one epoch on each backend, ``--repeats``
times after one untimed warm-up fit (which pays for CuPy's kernel
compilation and the memory pool's first allocations); the table gives the
median seconds per epoch, the 10th-90th percentile spread, the GPU's
speed-up, and the relative difference of the two backends' final training
losses (the same host-drawn initial weights and minibatch order, so a large
difference would mean the backends train differently). The CuPy column is
skipped when no GPU is usable.

Usage::

    python benchmarks/backends.py [--threads 2] [--n-samples 20000] [--repeats 3] [--data-dir DIR]
"""
import argparse
import time

from _bench import blas_description, limit_threads, machine_line, median_ms, mnist_like, print_table, spread

MODELS = ("KSparseAutoencoder", "TopKAutoencoder", "BatchTopKAutoencoder", "JumpReLUAutoencoder")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2, help="BLAS threads of the NumPy column")
    parser.add_argument("--n-samples", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data-dir", default=None, help="MNIST folder (random data if omitted)")
    return parser.parse_args()


def settings(name):
    options = dict(n_hidden=1000, epochs=1, batch_size=128, dtype="float32", random_state=0,
                   verbose=False)
    return options if name == "JumpReLUAutoencoder" else dict(options, k=25)


def time_fits(cls, options, X, repeats):
    """Wall seconds of ``repeats`` one-epoch fits after a warm-up, and the last model."""
    model = cls(**options).fit(X)
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        model = cls(**options).fit(X)
        seconds.append(time.perf_counter() - start)
    return seconds, model


def main():
    args = parse_args()
    limit_threads(args.threads)
    import numpy as np

    import ksparse
    from ksparse.backend import cupy_available, use_backend

    rng = np.random.default_rng(0)
    if args.data_dir:
        from ksparse.datasets import load_mnist

        X = load_mnist(args.data_dir, download=False).train[0][:args.n_samples]
    else:
        X = mnist_like(rng, args.n_samples)
    X = X.astype(np.float32)
    backends = ["numpy"] + (["cupy"] if cupy_available() else [])
    print(machine_line())
    print(f"NumPy column: {blas_description()}; {X.shape[0]} rows; backends {backends}")
    rows = []
    for name in MODELS:
        cls = getattr(ksparse, name)
        result = {}
        for backend in backends:
            with use_backend(backend):
                result[backend] = time_fits(cls, settings(name), X, args.repeats)
        cpu_s, cpu_model = result["numpy"]
        row = [name, f"{median_ms(cpu_s) / 1000:.2f} s ({spread(cpu_s)})"]
        if "cupy" in result:
            gpu_s, gpu_model = result["cupy"]
            loss_gap = abs(gpu_model.history_[-1]["loss"] / cpu_model.history_[-1]["loss"] - 1)
            row += [f"{median_ms(gpu_s) / 1000:.2f} s ({spread(gpu_s)})",
                    f"{np.median(cpu_s) / np.median(gpu_s):.1f}x", f"{loss_gap:.1e}"]
        rows.append(row)
    header = ["model", "numpy s/epoch"] + (["cupy s/epoch", "speed-up", "loss gap"]
                                           if "cupy" in backends else [])
    print_table(header, rows)


if __name__ == "__main__":
    main()
