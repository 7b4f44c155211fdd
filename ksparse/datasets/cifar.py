"""CIFAR-10 from its binary distribution, and its whitened 8x8 patches.

Implements the CIFAR-10 part of the paper's section 4.1: 1,000,000 random
8x8 patches are extracted from the 50,000 32x32 training images, then each
patch is locally contrast-normalized and the set is ZCA-whitened as in Coates
et al. (2011).

Only the *binary* distribution is read (``cifar-10-binary.tar.gz``), never
the pickled Python one. Each record of ``data_batch_{1..5}.bin`` and
``test_batch.bin`` is 3073 bytes: a label byte (0-9), then 1024 red, 1024
green and 1024 blue bytes, each channel a row-major 32x32 image.
"""
import os
import shutil
import tarfile

import numpy as np

from ksparse.datasets._fetch import (
    DataFormatError,
    DatasetSplits,
    download_file,
    download_target,
    locate,
    not_found_error,
)
from ksparse.datasets.patches import (
    ZCAWhitener,
    extract_patches,
    local_contrast_normalize,
)
from ksparse.io.atomic import write_atomically

__all__ = ["CIFAR10_URL", "load_cifar10", "load_cifar10_patches", "read_cifar_binary"]

_SIDE, _CHANNELS, _N_CLASSES = 32, 3, 10
_RECORD = 1 + _CHANNELS * _SIDE * _SIDE  # 3073 bytes
_FOLDER = "cifar-10-batches-bin"
_BATCHES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]

#: The official CIFAR-10 archive and the MD5 published on its page, as (url, MD5).
CIFAR10_URL = ("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
               "md5:c32a1d4ab5d03f1284b67883e8d87530")


def read_cifar_binary(path, mmap_mode="r"):
    """Read one CIFAR-10 binary batch file.

    Parameters
    ----------
    path : str or os.PathLike
    mmap_mode : None or {'r', 'c'}, default 'r'
        Memory-map the file (images are then a view of it) or read it.

    Returns
    -------
    images : ndarray of uint8, shape (n, 32, 32, 3)
        A (row, column, channel) view of the file's channel-first records.
    labels : ndarray of int64, shape (n,)
    """
    if mmap_mode not in (None, "r", "c"):
        raise ValueError(f"mmap_mode must be None, 'r' or 'c', got {mmap_mode!r}.")
    size = os.path.getsize(path)
    if size == 0:
        raise DataFormatError(f"{path} is empty; expected CIFAR-10 binary records.")
    if size % _RECORD:
        raise DataFormatError(
            f"{path} holds {size} bytes, not a whole number of {_RECORD}-byte CIFAR-10 "
            "records: it is truncated or not a CIFAR-10 binary batch."
        )
    n = size // _RECORD
    if mmap_mode is None:
        records = np.fromfile(path, dtype=np.uint8).reshape(n, _RECORD)
    else:
        records = np.memmap(path, dtype=np.uint8, mode=mmap_mode, shape=(n, _RECORD))
    labels = np.asarray(records[:, 0], dtype=np.int64)  # (n,)
    if labels.max() >= _N_CLASSES:
        raise DataFormatError(
            f"{path} has label {labels.max()} outside 0-9: it is not a CIFAR-10 binary batch."
        )
    images = records[:, 1:].reshape(n, _CHANNELS, _SIDE, _SIDE).transpose(0, 2, 3, 1)
    return images, labels


def _local_files():
    return {b: (f"{b}.bin", f"{_FOLDER}/{b}.bin") for b in _BATCHES}


def _extract(archive, folder):
    """Copy the six batch files out of the archive, by name only (no other paths)."""
    out_dir = folder / _FOLDER
    out_dir.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:gz") as tar:
        for batch in _BATCHES:
            try:
                member = tar.getmember(f"{_FOLDER}/{batch}.bin")
            except KeyError:
                raise DataFormatError(f"{archive} lacks {_FOLDER}/{batch}.bin.") from None
            if not member.isfile():
                raise DataFormatError(f"{archive}: {member.name} is not a regular file.")
            source = tar.extractfile(member)
            write_atomically(out_dir / f"{batch}.bin",
                             lambda out: shutil.copyfileobj(source, out, 1 << 20))


def _cifar_paths(data_dir, download, url, progress):
    files = _local_files()
    found = locate("cifar10", files, data_dir)
    if found is not None:
        return found
    if not download:
        raise not_found_error("cifar10", files, data_dir, "download=False")
    target = download_target("cifar10", data_dir)
    archive = download_file(url[0], target / url[0].rsplit("/", 1)[-1], url[1],
                            progress=progress)
    try:
        _extract(archive, target)
    except (tarfile.TarError, EOFError, OSError) as exc:
        shutil.rmtree(target / _FOLDER, ignore_errors=True)
        raise DataFormatError(f"{archive} could not be unpacked ({exc}).") from exc
    finally:
        os.unlink(archive)  # the extracted batches hold all that is needed
    return {b: target / _FOLDER / f"{b}.bin" for b in _BATCHES}


def load_cifar10(data_dir=None, download=True, *, url=None, progress=True):
    """Load CIFAR-10 from its binary batches.

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        Folder holding the ``.bin`` batches, directly or in
        ``cifar-10-batches-bin/``; see :mod:`ksparse.datasets` for the search order.
    download : bool, default True
        Download and unpack the official archive (MD5-verified) when no local
        copy exists.
    url : (str, str), optional
        Replaces :data:`CIFAR10_URL`: the archive's URL and checksum.
    progress : bool, default True

    Returns
    -------
    splits : DatasetSplits
        ``.train`` (50,000 images) and ``.test`` (10,000); ``.val`` is None.
        Each is ``(X, y)``: ``X`` uint8 of shape (n, 32, 32, 3), ``y`` int64.
        Test images are a view of the memory-mapped file.
    """
    paths = _cifar_paths(data_dir, download, url or CIFAR10_URL, progress)
    train = [read_cifar_binary(paths[b]) for b in _BATCHES[:-1]]
    x_train = np.concatenate([x for x, _ in train])  # (50000, 32, 32, 3) uint8
    y_train = np.concatenate([y for _, y in train])
    return DatasetSplits(train=(x_train, y_train), val=None, test=read_cifar_binary(paths["test_batch"]))


def load_cifar10_patches(data_dir=None, download=True, *, n_patches=1_000_000, patch_size=8,
                         random_state=None, url=None, progress=True):
    """Random CIFAR-10 training patches, contrast-normalized and ZCA-whitened.

    Parameters
    ----------
    data_dir, download, url, progress
        As in :func:`load_cifar10`.
    n_patches : int, default 1000000
        The paper's number of patches.
    patch_size : int, default 8
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    patches : ndarray of float32, shape (n_patches, patch_size**2 * 3)
        Whitened patches, each flattened in (row, column, channel) order.
    whitener : ZCAWhitener
        Fitted on these training patches; apply it to new LCN'd patches.
    """
    x_train, _ = load_cifar10(data_dir, download, url=url, progress=progress).train
    patches = extract_patches(x_train, patch_size, n_patches, random_state)  # float32
    patches *= np.float32(1.0 / 255.0)  # the LCN regularizer assumes pixels in [0, 1]
    patches = local_contrast_normalize(patches, copy=False)
    whitener = ZCAWhitener().fit(patches)
    return whitener.transform(patches), whitener
