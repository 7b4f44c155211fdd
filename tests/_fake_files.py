"""Tiny dataset files (IDX, MNIST) written from the format description, and the
raw-or-gzip file writer every dataset test uses."""
import gzip
import struct

import numpy as np

_CODES = {np.dtype("u1"): 0x08, np.dtype("i1"): 0x09, np.dtype(">i2"): 0x0B,
          np.dtype(">i4"): 0x0C, np.dtype(">f4"): 0x0D, np.dtype(">f8"): 0x0E}


def idx_bytes(array):
    """IDX encoding of ``array`` written from the format description."""
    array = np.asarray(array)
    big = array.astype(array.dtype.newbyteorder(">")) if array.dtype.itemsize > 1 else array
    header = bytes([0, 0, _CODES[big.dtype], array.ndim])
    header += b"".join(struct.pack(">I", d) for d in array.shape)
    return header + big.tobytes()


def write(path, data, compress=False):
    """Write ``data`` to ``path``, gzip-compressed (with a fixed timestamp) when asked."""
    path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
    return path


def make_mnist(folder, n_train=12, n_test=5, seed=0, compress=True, side=28):
    """Write a tiny MNIST-format dataset; returns the arrays written."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, side, side), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, side, side), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    for name, array in arrays.items():
        write(folder / (name + (".gz" if compress else "")), idx_bytes(array), compress)
    return arrays
