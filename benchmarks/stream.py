"""Encode and train from a memory-mapped file with bounded memory: in process and with dask.

Writes N rows × 784 float32 values (default 2,000,000 rows, 6.3 GB; MNIST-like:
80 % zeros, the rest uniform in [0, 1]) to a ``.npy`` file once, then, with
a KSparseAutoencoder of 1000 units and k = 25 (the paper's MNIST setting):

1. trains by ``partial_fit`` over the memory-mapped file (one pass,
   minibatches of 128 rows gathered from the file as they are used);
2. encodes the file in process: ``transform(..., sparse_output=True)`` over
   blocks of the memory map (k-sparse codes as CSR), keeping only how often
   each unit fires (the codes themselves would be N × 1000 values);
3. encodes it through a dask.distributed LocalCluster: a dask array whose
   blocks each worker reads from the file itself, ``transform`` lazily with
   sparse blocks, the same unit counts computed on the cluster.

For each it prints rows per second and peak memory: ``tracemalloc`` (NumPy
and Python allocations of this process), the peak anonymous resident memory
(sampled from /proc every 20 ms: memory that is really the process's own)
and ``ru_maxrss``, which also counts the pages of the mapped file that were
read (clean page cache the kernel can drop at any time). For dask, the
largest ``ru_maxrss`` among the workers.

Usage::

    python benchmarks/stream.py [--rows 2000000] [--file PATH] [--workers 2] [--skip-dask]
"""
import argparse
import multiprocessing
import os
import resource
import tempfile
import threading
import time
import tracemalloc

import numpy as np

from _bench import rss_anon

import ksparse

N_FEATURES = 784
BLOCK = 65_536  # rows per block for the in-process and dask encodings


def write_data(path, n_rows, seed=0):
    """MNIST-like rows written block by block (the file never sits in memory)."""
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32,
                                    shape=(n_rows, N_FEATURES))
    rng = np.random.default_rng(seed)
    for start in range(0, n_rows, BLOCK):
        n = min(BLOCK, n_rows - start)
        values = rng.random((n, N_FEATURES), dtype=np.float32)
        values[rng.random((n, N_FEATURES)) < 0.8] = 0.0
        out[start : start + n] = values
    out.flush()
    del out


class PeakAnon:
    """Largest RssAnon of this process while the block runs, sampled from /proc/self/status."""

    def __enter__(self):
        self.peak, self._stop = rss_anon(), threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_anon())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def max_rss():
    """Peak resident set of this process so far, in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure(label, n_rows, func):
    tracemalloc.start()
    start = time.perf_counter()
    with PeakAnon() as anon:
        result = func()
    seconds = time.perf_counter() - start
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{label:<32} {n_rows / seconds:>10,.0f} rows/s  {seconds:7.1f} s   "
          f"tracemalloc {traced / 2**20:7.1f} MiB   anon RSS {anon.peak / 2**20:7.1f} MiB   "
          f"ru_maxrss {max_rss() / 2**20:7.1f} MiB", flush=True)
    return result


def unit_counts(codes, n_hidden):
    """How many rows of a CSR block of codes use each unit: shape (1, n_hidden)."""
    return np.bincount(codes.indices, minlength=n_hidden)[None, :]


def encode_in_process(model, X):
    """How often each unit fires over all rows, encoding one block of the memory map at a time."""
    fired = np.zeros(model.n_hidden, dtype=np.int64)
    for start in range(0, X.shape[0], BLOCK):
        fired += unit_counts(model.transform(X[start : start + BLOCK], sparse_output=True),
                             model.n_hidden)[0]
    return fired


def read_rows(path, start, stop):
    """Rows [start, stop) of the file, read by whichever worker runs the task."""
    return np.array(np.load(path, mmap_mode="r")[start:stop])


def encode_with_dask(model, path, n_rows, workers):
    import dask
    import dask.array as da
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        blocks = [da.from_delayed(dask.delayed(read_rows)(path, s, min(s + BLOCK, n_rows)),
                                  shape=(min(BLOCK, n_rows - s), N_FEATURES), dtype=np.float32)
                  for s in range(0, n_rows, BLOCK)]
        X = da.concatenate(blocks, axis=0)  # (n_rows, 784), lazy
        codes = model.transform(X, sparse_output=True)  # lazy, CSR blocks
        counts = codes.map_blocks(unit_counts, model.n_hidden, dtype=np.int64,
                                  chunks=((1,) * codes.numblocks[0], (model.n_hidden,)),
                                  meta=np.empty((0, 0), dtype=np.int64))
        fired = measure("encode, dask LocalCluster", n_rows,
                        lambda: counts.sum(axis=0).compute())
        rss = client.run(max_rss)
        print(f"{'':<32} workers: {workers}, largest worker ru_maxrss "
              f"{max(rss.values()) / 2**20:.1f} MiB")
        return fired


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--file", help="reuse (or create) this .npy file")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-dask", action="store_true")
    args = parser.parse_args()

    path = args.file or os.path.join(tempfile.mkdtemp(), "stream.npy")
    if not os.path.exists(path):  # in a child process, so that writing counts in no peak here
        writer = multiprocessing.get_context("fork").Process(target=write_data,
                                                             args=(path, args.rows))
        writer.start()
        writer.join()
    X = np.load(path, mmap_mode="r")  # (rows, 784), float32, never read whole
    n_rows = X.shape[0]
    print(f"{path}: {n_rows:,} rows × {N_FEATURES}, {X.nbytes / 2**30:.2f} GiB; backend "
          f"{ksparse.get_backend()}, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}"
          f"; ru_maxrss after the imports {max_rss() / 2**20:.1f} MiB")
    model = ksparse.KSparseAutoencoder(n_hidden=1000, k=25, learning_rate=0.001,
                                       batch_size=128, random_state=0, verbose=False)
    measure("train, partial_fit (one pass)", n_rows, lambda: model.partial_fit(X))
    print(f"{'':<32} loss over the pass {model.history_[-1]['loss']:.2f}, "
          f"{model.history_[-1]['dead_units']} dead units")
    fired = measure("encode, in process", n_rows, lambda: encode_in_process(model, X))
    if not args.skip_dask:
        fired_dask = encode_with_dask(model, path, n_rows, args.workers)
        print(f"{'':<32} unit counts equal in process and on the cluster: "
              f"{bool(np.array_equal(fired, fired_dask))}")


if __name__ == "__main__":
    main()
