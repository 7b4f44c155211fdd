"""IDX files, MNIST and Fashion-MNIST.

MNIST is the first dataset of the paper's section 4.1: 60,000 training and
10,000 test images of 28x28 handwritten digits. Following the paper, the
training images are split into 50,000 for training and 10,000 for validation
(here: the first 50,000 and the last 10,000, so the split is reproducible).
Fashion-MNIST uses the same file format and file names.

The IDX format: two zero bytes, a type code byte, the number of dimensions
``ndim``, then ``ndim`` big-endian uint32 sizes, then the big-endian data.
Files may be gzip-compressed (detected from their first bytes, not the name).
"""
import gzip
import math
import os
import zlib
from pathlib import Path

import numpy as np

from ksparse.datasets._fetch import DataFormatError, DatasetSplits, fetch_files

__all__ = [
    "FASHION_MNIST_URLS",
    "MNIST_URLS",
    "load_fashion_mnist",
    "load_mnist",
    "read_idx",
]

_IDX_TYPES = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_GZIP_MAGIC = b"\x1f\x8b"
_READ_BLOCK = 1 << 22
_MAX_NDIM = 16  # far above any real IDX file (MNIST uses 3); NumPy allows at most 64

_MNIST_NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


def _urls(base, md5s):
    """``{key: (url, "md5:...")}`` of the four .gz files under ``base``, from their MD5s."""
    return {key: (f"{base}{_MNIST_NAMES[key]}.gz", f"md5:{md5}") for key, md5 in md5s.items()}


#: MNIST's files as (url, MD5), the MD5 of each .gz as published with the mirrors.
MNIST_URLS = _urls("https://ossci-datasets.s3.amazonaws.com/mnist/", {
    "train_images": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train_labels": "d53e105ee54ea40749a09fcbcd1e9432",
    "test_images": "9fb629c4189551a2d022fa330f9573f3",
    "test_labels": "ec29112dd5afa0611ce80d1b7f02629c",
})
#: Fashion-MNIST's files as (url, MD5), the MD5 of each .gz as published by Zalando Research.
FASHION_MNIST_URLS = _urls("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/", {
    "train_images": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train_labels": "25c81989df183df01b3e8a0aad5dffbe",
    "test_images": "bef4ecab320f06d8554ea6380940ec79",
    "test_labels": "bb300cfdad3c16e7a12a480ee83cd310",
})


# ---------------------------------------------------------------------------
# Binary reading shared with the NORB reader


def is_gzip(path):
    """Whether the file starts with the gzip magic bytes."""
    with open(path, "rb") as f:
        return f.read(2) == _GZIP_MAGIC


def read_header_bytes(f, n, path, what):
    """Read exactly ``n`` header bytes or raise a :class:`DataFormatError`."""
    data = f.read(n)
    if len(data) != n:
        if len(data) == 0 and f.tell() == 0:
            raise DataFormatError(f"{path} is empty; expected {what}.")
        raise DataFormatError(
            f"{path} ends inside its header ({len(data)} of {n} bytes read); "
            f"the file is truncated or not {what}."
        )
    return data


def _read_capped(f, expected, path):
    """Read at most ``expected + 1`` bytes in blocks: memory follows the real data."""
    blocks, size = [], 0
    try:
        while size <= expected:
            block = f.read(min(_READ_BLOCK, expected + 1 - size))
            if not block:
                break
            blocks.append(block)
            size += len(block)
    except (EOFError, OSError, zlib.error) as exc:
        raise DataFormatError(f"{path} is a corrupt or truncated gzip file ({exc}).") from exc
    return b"".join(blocks)


def read_binary_array(path, parse_header, what, mmap_mode=None):
    """Read a header-plus-array file, checking the declared size first.

    Parameters
    ----------
    path : str or os.PathLike
        Raw or gzip-compressed file.
    parse_header : callable
        ``parse_header(f, path) -> (dtype, shape)``; reads the header from the
        open (decompressed) file ``f``.
    what : str
        Name of the format, for error messages.
    mmap_mode : None or {'r', 'c'}
        Memory-map uncompressed files instead of reading them.

    Returns
    -------
    array : ndarray of shape ``shape``
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist.")
    if mmap_mode not in (None, "r", "c"):
        raise ValueError(f"mmap_mode must be None, 'r' or 'c', got {mmap_mode!r}.")
    compressed = is_gzip(path)
    opener = gzip.open if compressed else open
    with opener(path, "rb") as f:
        try:
            dtype, shape = parse_header(f, path)
        except (EOFError, OSError, zlib.error) as exc:
            raise DataFormatError(f"{path} is a corrupt gzip file ({exc}).") from exc
        dtype = np.dtype(dtype)
        offset = f.tell()
        expected = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
        if not compressed:
            _check_length(os.path.getsize(path) - offset, expected, path, what)
            _check_representable(shape, dtype, path)
            if mmap_mode is not None:
                return np.memmap(path, dtype=dtype, mode=mmap_mode, offset=offset, shape=shape)
            return np.fromfile(f, dtype=dtype, count=math.prod(shape)).reshape(shape)
        payload = _read_capped(f, expected, path)
    _check_length(len(payload), expected, path, what)
    _check_representable(shape, dtype, path)
    return np.frombuffer(payload, dtype=dtype).reshape(shape)


def _check_representable(shape, dtype, path):
    """Refuse shapes no NumPy array can have, even an empty one.

    Called after the length check, which a zero dimension lets pass whatever
    the other dimensions are; any other oversized shape fails that check first.
    """
    if len(shape) > _MAX_NDIM:
        raise DataFormatError(
            f"{path} declares {len(shape)} dimensions; at most {_MAX_NDIM} are supported."
        )
    # NumPy refuses even an empty array whose non-zero dimensions multiply
    # past the largest array size.
    if math.prod(d for d in shape if d) * dtype.itemsize > np.iinfo(np.intp).max:
        raise DataFormatError(
            f"{path} declares the shape {shape} of {dtype}, too large for any array; "
            "the header is corrupt."
        )


def _check_length(actual, expected, path, what):
    if actual < expected:
        raise DataFormatError(
            f"{path} is truncated: its header declares {expected} bytes of data but "
            f"only {actual} follow. Re-download or replace the file ({what})."
        )
    if actual > expected:
        raise DataFormatError(
            f"{path} is longer than its header declares ({actual} data bytes, expected "
            f"{expected}); it is corrupt or not {what}."
        )


# ---------------------------------------------------------------------------
# IDX


def _parse_idx_header(f, path):
    what = "an IDX file"
    magic = read_header_bytes(f, 4, path, what)
    if magic[:2] != b"\x00\x00" or magic[2] not in _IDX_TYPES or magic[3] == 0:
        raise DataFormatError(
            f"{path} has a wrong magic number 0x{magic.hex()}; an IDX file starts with "
            "0x0000, a type code (0x08, 0x09, 0x0B-0x0E) and a non-zero number of dimensions."
        )
    ndim = magic[3]
    if ndim > _MAX_NDIM:
        raise DataFormatError(
            f"{path} declares {ndim} dimensions; an IDX file has at most {_MAX_NDIM}."
        )
    dims = np.frombuffer(read_header_bytes(f, 4 * ndim, path, what), dtype=">u4")
    return _IDX_TYPES[magic[2]], tuple(int(d) for d in dims)


def read_idx(path, mmap_mode=None):
    """Read an IDX file (raw or gzip-compressed) into an array.

    The magic number, the dimensions and the file length are checked before
    any data is allocated; truncated, over-long, corrupt or empty files raise
    :class:`~ksparse.datasets.DataFormatError` (a ValueError).

    Parameters
    ----------
    path : str or os.PathLike
    mmap_mode : None or {'r', 'c'}
        Memory-map uncompressed files instead of reading them into memory.

    Returns
    -------
    array : ndarray, shape given by the file header
        Multi-byte types keep their big-endian dtype (values are exact). Arrays
        read from gzip files are read-only views of the decompressed bytes.
    """
    return read_binary_array(path, _parse_idx_header, "an IDX file", mmap_mode)


# ---------------------------------------------------------------------------
# MNIST and Fashion-MNIST


def _local_names(base):
    # Some unpackers turn the first '-' after "images"/"labels" into a '.'.
    dotted = base.replace("-idx", ".idx")
    return (base, base + ".gz", dotted, dotted + ".gz")


def check_labels(labels, n_items, n_classes, path):
    """Refuse labels that are not integers 0 … n_classes − 1, one per item, naming ``path``."""
    if labels.ndim != 1 or labels.shape[0] != n_items:
        raise DataFormatError(f"{path}: labels have shape {labels.shape} but there are "
                              f"{n_items} examples.")
    if labels.dtype.kind not in "iu":
        raise DataFormatError(f"{path}: labels must be integers, got {labels.dtype}.")
    if labels.size and not (0 <= labels.min() and labels.max() < n_classes):
        raise DataFormatError(f"{path}: labels must be in 0 … {n_classes - 1}, got values "
                              f"from {labels.min()} to {labels.max()}.")
    return labels.astype(np.int64)


def _images_labels(paths, split):
    """(x, y) of one split: images as float32 rows in [0, 1], labels 0–9."""
    images, where = read_idx(paths[f"{split}_images"]), paths[f"{split}_images"]
    if images.ndim != 3:
        raise DataFormatError(f"{where}: images must be 3-D (n, rows, cols), got {images.shape}.")
    if images.dtype != np.uint8:
        raise DataFormatError(f"{where}: images must be unsigned bytes, got {images.dtype}.")
    labels = read_idx(paths[f"{split}_labels"])
    y = check_labels(labels, images.shape[0], 10, paths[f"{split}_labels"])
    x = images.reshape(images.shape[0], -1).astype(np.float32)  # (n, rows * cols)
    x *= np.float32(1.0 / 255.0)
    return x, y


def _load_idx_dataset(name, urls, data_dir, download, n_train, progress):
    if isinstance(n_train, bool) or not isinstance(n_train, (int, np.integer)) or n_train < 1:
        raise ValueError(f"n_train must be a positive integer, got {n_train!r}.")
    files = {key: _local_names(base) for key, base in _MNIST_NAMES.items()}
    paths = fetch_files(name, files, urls, data_dir, download, progress)
    x, y = _images_labels(paths, "train")
    if n_train >= x.shape[0]:
        raise ValueError(
            f"n_train={n_train} leaves no validation images: the training file holds "
            f"{x.shape[0]} images."
        )
    test = _images_labels(paths, "test")
    if test[0].shape[1] != x.shape[1]:
        raise DataFormatError(f"{paths['test_images']}: images of {test[0].shape[1]} pixels, "
                              f"the training images have {x.shape[1]}.")
    # Slices are views of one float32 array: no second copy of the data.
    return DatasetSplits(train=(x[:n_train], y[:n_train]), val=(x[n_train:], y[n_train:]),
                         test=test)


def load_mnist(data_dir=None, download=True, *, n_train=50000, urls=None, progress=True):
    """Load MNIST with the paper's train / validation / test split.

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        Folder holding the four IDX files (raw or ``.gz``); see
        :mod:`ksparse.datasets` for the search order when omitted.
    download : bool, default True
        Download from the mirror (checksum-verified) when no local copy exists.
    n_train : int, default 50000
        The first ``n_train`` training images train, the rest validate.
    urls : dict, optional
        Replaces :data:`MNIST_URLS` (file key -> (url, checksum)).
    progress : bool, default True
        Show a progress bar while downloading.

    Returns
    -------
    splits : DatasetSplits
        ``.train``, ``.val`` and ``.test``, each ``(X, y)`` with ``X`` float32
        in [0, 1] of shape (n, 784) and ``y`` int64 of shape (n,). With the
        real files: 50,000 / 10,000 / 10,000 images.
    """
    return _load_idx_dataset("mnist", urls or MNIST_URLS, data_dir, download, n_train,
                             progress)


def load_fashion_mnist(data_dir=None, download=True, *, n_train=50000, urls=None,
                       progress=True):
    """Load Fashion-MNIST, split like :func:`load_mnist` (same files and format).

    Parameters and return value are those of :func:`load_mnist`, except that
    the files are looked for only in a subfolder ``fashion-mnist`` (of
    ``data_dir``, of each ``KSPARSE_DATA`` folder), never in ``data_dir``
    itself: they have MNIST's names and sizes, so a folder of MNIST files
    would pass for Fashion-MNIST. A download goes to ``data_dir/fashion-mnist``
    (or the user cache). The default URLs are :data:`FASHION_MNIST_URLS`.
    """
    return _load_idx_dataset("fashion-mnist", urls or FASHION_MNIST_URLS, data_dir, download,
                             n_train, progress)
