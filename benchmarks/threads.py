"""Time the demo and one MNIST epoch with one and two BLAS threads, alone and beside a busy process.

A shared classroom machine has other work on its cores. BLAS threads that
wait on each other then wait much longer, and small products (the demo's
128 × 64 × 256 per step) gain nothing from threads even on a quiet machine.
ksparse's training loop therefore chooses its BLAS thread count from the
size of a step (:mod:`ksparse.training.threads`); this script measures what
that choice is worth. Each configuration runs in a fresh process
(``KSPARSE_NUM_THREADS`` fixes the count; ``auto`` is the package's rule),
``--repeats`` times, and the median wall time is printed. "busy" runs a
second process that keeps one core busy with its own matrix products (as
another student's notebook would) for the whole measurement.

Usage::

    python benchmarks/threads.py [--repeats 2] [--data-dir DIR] [--skip-mnist]

The MNIST column needs the MNIST files in ``--data-dir`` (or ``KSPARSE_DATA``).
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

DEMO = ("from ksparse.classroom.demo import run_demo; import tempfile; "
        "run_demo(tempfile.mkdtemp(), verbose=False)")
MNIST_EPOCH = ("import sys; from ksparse.datasets import load_mnist; "
               "from ksparse import KSparseAutoencoder; "
               "X = load_mnist(sys.argv[1], download=False).train[0]; "
               "KSparseAutoencoder(n_hidden=1000, k=25, k_start=100, epochs=1, "
               "center=True, optimizer='adam', learning_rate=0.001, random_state=0, "
               "verbose=False).fit(X)")
BUSY = ("import numpy as np, threadpoolctl; threadpoolctl.threadpool_limits(1); "
        "a = np.random.default_rng(0).random((400, 400)); "
        "exec('while True: a @ a')")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--data-dir", default=os.environ.get("KSPARSE_DATA"))
    parser.add_argument("--skip-mnist", action="store_true")
    return parser.parse_args()


def wall_time(code, threads, extra_args=()):
    """Seconds of one fresh process running ``code`` with KSPARSE_NUM_THREADS=threads."""
    env = dict(os.environ, KSPARSE_NUM_THREADS=threads)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *extra_args], env=env, check=True)
    return time.perf_counter() - start


def measure(code, extra_args, repeats):
    """{(threads, load): median seconds} over ``repeats`` runs of each configuration."""
    results = {}
    for load in ("alone", "busy"):
        busy = subprocess.Popen([sys.executable, "-c", BUSY]) if load == "busy" else None
        try:
            time.sleep(1.0 if busy else 0.0)  # let the busy process start
            for threads in ("1", "2"):
                runs = [wall_time(code, threads, extra_args) for _ in range(repeats)]
                results[threads, load] = (statistics.median(runs), min(runs), max(runs))
        finally:
            if busy is not None:
                busy.kill()
                busy.wait()
    return results


def rule_choices():
    """What ``KSPARSE_NUM_THREADS=auto`` picks for the demo's and MNIST's steps."""
    import numpy as np

    from ksparse.training.threads import blas_threads

    def pick(n_features, n_hidden):
        n = blas_threads(128, {"W": np.empty((n_features, n_hidden), np.float32)})
        return "1 thread" if n == 1 else "every thread"

    return f"{pick(64, 256)} for the demo and {pick(784, 1000)} for MNIST"


def main():
    args = parse_args()
    jobs = {"demo (40,000 patches, 64 -> 256, k = 10, 30 epochs)": (DEMO, ())}
    if not args.skip_mnist and args.data_dir:
        jobs["one MNIST epoch (784 -> 1000, k = 25, Adam)"] = (MNIST_EPOCH, (args.data_dir,))
    print(f"median wall seconds of {args.repeats} fresh processes (min-max); "
          f"{os.cpu_count()} CPUs; KSPARSE_NUM_THREADS = 1 or 2. The package's rule "
          f"(KSPARSE_NUM_THREADS=auto) picks {rule_choices()}.")
    for name, (code, extra) in jobs.items():
        results = measure(code, extra, args.repeats)
        print(f"\n{name}")
        print(f"{'threads':>8}  {'alone':>18}  {'beside a busy process':>24}")
        for threads in ("1", "2"):
            cells = [f"{m:6.1f} ({lo:.1f}-{hi:.1f})" for m, lo, hi in
                     (results[threads, load] for load in ("alone", "busy"))]
            print(f"{threads:>8}  {cells[0]:>18}  {cells[1]:>24}")


if __name__ == "__main__":
    main()
