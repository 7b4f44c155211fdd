"""Datasets of the paper's section 4.1, read from their own binary formats.

MNIST (and Fashion-MNIST), small NORB and CIFAR-10 are read from their
distributed binary files (never from pickles), with the paper's splits and
preprocessing; natural-image patches come from CIFAR-10 or, offline, from
matplotlib's sample photograph; synthetic sparse signals are generated.

Files are looked for locally first, in this order: the loader's ``data_dir``
argument, the folders in the ``KSPARSE_DATA`` environment variable, the user
cache ``~/.cache/ksparse/<name>`` (honouring ``XDG_CACHE_HOME``) and
``/usr/share/datasets/<name>``. Only when nothing is found, and
``download=True``, are they fetched from the official mirrors and checked
against the published checksums. Fashion-MNIST, whose files have MNIST's
names, is looked for only in a ``fashion-mnist`` subfolder of ``data_dir``
and of the ``KSPARSE_DATA`` folders, never in those folders themselves.
"""
from ksparse.datasets._fetch import (
    ChecksumMismatchError,
    DataFormatError,
    DataNotFoundError,
    DatasetSplits,
    DownloadError,
    candidate_dirs,
    download_file,
)
from ksparse.datasets.cifar import load_cifar10, load_cifar10_patches, read_cifar_binary
from ksparse.datasets.idx import load_fashion_mnist, load_mnist, read_idx
from ksparse.datasets.norb import (
    load_small_norb,
    preprocess_norb,
    read_norb,
    resize_bicubic,
    standardize,
)
from ksparse.datasets.patches import (
    ZCAWhitener,
    extract_patches,
    load_photo_patches,
    load_sample_photo,
    local_contrast_normalize,
)

__all__ = [
    # finding, fetching and checking files
    "ChecksumMismatchError", "DataFormatError", "DataNotFoundError", "DatasetSplits",
    "DownloadError", "candidate_dirs", "download_file",
    # MNIST and Fashion-MNIST (IDX files), small NORB, CIFAR-10
    "load_mnist", "load_fashion_mnist", "read_idx",
    "load_small_norb", "preprocess_norb", "read_norb", "resize_bicubic", "standardize",
    "load_cifar10", "load_cifar10_patches", "read_cifar_binary",
    # natural-image patches and synthetic sparse signals
    "ZCAWhitener", "extract_patches", "load_photo_patches", "load_sample_photo",
    "local_contrast_normalize", "make_sparse_signals",
]

_LAZY = {"make_sparse_signals": "ksparse.datasets.synthetic"}


def __getattr__(name):
    # Imported on first use, so this package works before (and without) synthetic.py.
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
