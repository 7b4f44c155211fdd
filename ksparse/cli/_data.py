"""Inputs of the subcommands: datasets by name, array files, label files, model files.

A data argument is either a dataset name (``mnist``, ``fashion-mnist``: paper
§4.1; ``patches``: the offline natural-image patches of
:func:`ksparse.datasets.load_photo_patches`) or a ``.npy`` / ``.npz`` file
with one example per row. Every loader checks what it reads and raises
:class:`~ksparse.cli._common.UserError` naming the file and the problem.
"""
__all__ = ["DATASETS", "Data", "add_data_options", "add_model_inputs", "load_data",
           "load_array", "load_labels", "load_model", "check_features", "check_range"]

import os
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ._common import UserError, check_data_dir, nonnegative_int, positive_int, user_input

DATASETS = ("mnist", "fashion-mnist", "patches")
_SHAPES = {"mnist": (28, 28), "fashion-mnist": (28, 28)}
_SUFFIXES = (".npy", ".npz")


@dataclass
class Data:
    """One input: splits of a dataset, or a file (then only ``train``).

    Attributes
    ----------
    name : str
        Dataset name or file path, for messages.
    train, val, test : tuple (X, y) or None
        X of shape (n_samples, n_features); y of shape (n_samples,) or None.
    shape : tuple of int or None
        Image shape of one example, when known (for plots).
    n_rows : int or None
        Rows of a file before ``--limit`` (what its labels must match).
    """

    name: str
    train: tuple
    val: Optional[tuple] = None
    test: Optional[tuple] = None
    shape: Optional[tuple] = None
    n_rows: Optional[int] = None

    @property
    def is_dataset(self):
        return self.name in DATASETS

    def split(self, which):
        """(X, y) of split ``which``; a file has only its rows (any split name).

        ``which=None`` is the test split, or the train split of a dataset
        without one (``patches``).
        """
        if not self.is_dataset:
            return self.train
        if which is None:
            which = "train" if self.test is None else "test"
        part = getattr(self, which)
        if part is None:
            have = [s for s in ("train", "val", "test") if getattr(self, s) is not None]
            raise UserError(f"dataset {self.name} has no {which} split; use --split "
                            f"{' or --split '.join(have)}.")
        return part


def add_data_options(parser, positional="data", nargs=None):
    """The data argument and the options that say where datasets come from."""
    parser.add_argument(positional, metavar="DATA", nargs=nargs,
                        help=f"dataset name ({', '.join(DATASETS)}) or a .npy/.npz file "
                        "with one example per row (.npz: array 'X' or its only array)")
    parser.add_argument("--data-dir", default=None,
                        help="folder with the dataset files, Fashion-MNIST's in its subfolder "
                        "fashion-mnist (default: KSPARSE_DATA, the cache, "
                        "/usr/share/datasets, then a download)")
    parser.add_argument("--no-download", action="store_true",
                        help="fail instead of downloading a dataset that is not found locally")
    parser.add_argument("--limit", type=positive_int, default=None, metavar="N",
                        help="use only the first N examples of each split")
    parser.add_argument("--patches", type=positive_int, default=20000, metavar="N",
                        help="number of photo patches for DATA=patches (default: %(default)s)")
    parser.add_argument("--patch-seed", type=nonnegative_int, default=0, metavar="S",
                        help="seed of the draw of the photo patches for DATA=patches; the "
                        "same default on every command, so train, encode, plot and evaluate "
                        "see the same patches (default: %(default)s)")


def add_model_inputs(parser, nargs=None):
    """The MODEL argument of a command that uses a trained model, then :func:`add_data_options`."""
    parser.add_argument("model", metavar="MODEL", help="model file written by 'ksparse train'")
    add_data_options(parser, nargs=nargs)


def load_data(args, source=None):
    """Load the data argument of ``args`` (or ``source``) as :class:`Data`."""
    source = args.data if source is None else source
    check_data_dir(args.data_dir)
    if source in DATASETS and not os.path.isfile(source):  # a folder named 'mnist' is no file
        data = _load_dataset(source, args)
    elif str(source).lower().endswith(_SUFFIXES):
        X, shape = _load_matrix(source, "DATA")
        data = Data(source, (X, None), shape=shape, n_rows=X.shape[0])
    else:
        raise UserError(f"DATA must be one of {', '.join(DATASETS)} or a .npy/.npz file, "
                        f"got {source!r}.")
    return _limited(data, args.limit)


def _load_dataset(name, args):
    from ..datasets import load_fashion_mnist, load_mnist, load_photo_patches

    quiet = getattr(args, "quiet", False)
    if name == "patches":
        if args.patches < 2:
            raise UserError(f"--patches must be at least 2, got {args.patches}.")
        # Its own seed, not --seed (of training, or of evaluate's split): every command
        # draws the same patches unless told otherwise.
        X, _ = load_photo_patches(8, n_patches=args.patches, random_state=args.patch_seed)
        return Data(name, (X, None), shape=(8, 8))
    loader = load_mnist if name == "mnist" else load_fashion_mnist
    with user_input(f"dataset {name}"):
        splits = loader(args.data_dir, download=not args.no_download, progress=not quiet)
    return Data(name, splits.train, splits.val, splits.test, shape=_SHAPES[name])


def _limited(data, limit):
    if limit is None:
        return data
    cut = [None if part is None else tuple(None if a is None else a[:limit] for a in part)
           for part in (data.train, data.val, data.test)]
    return Data(data.name, *cut, shape=data.shape, n_rows=data.n_rows)


def load_array(path, option, min_cols=1):
    """A finite 2-D float array read from a ``.npy`` or ``.npz`` file.

    Arrays with more than two dimensions are flattened to one row per entry
    of the first axis.

    Parameters
    ----------
    path : str
    option : str
        Name of the argument, for messages.
    min_cols : int

    Returns
    -------
    X : ndarray, shape (n_rows, n_cols)
        float32 and float64 stay as they are; other numbers become float64.
    """
    return _load_matrix(path, option, min_cols)[0]


def _load_matrix(path, option, min_cols=1):
    """(X, image_shape): :func:`load_array` and the trailing shape of a 3-D or 4-D file."""
    from ..validation import check_array

    raw = _read_raw(path, option)
    if raw.ndim < 2:
        raise UserError(f"{option} {path}: expected a 2-D array (one example per row), "
                        f"got shape {raw.shape}.")
    image_shape = raw.shape[1:] if raw.ndim in (3, 4) else None
    raw = raw.reshape(raw.shape[0], -1) if raw.ndim > 2 else raw
    with user_input(f"{option} {path}"):
        X = check_array(raw, "array")
    if X.shape[1] < min_cols:
        raise UserError(f"{option} {path}: needs at least {min_cols} columns, got {X.shape[1]}.")
    return X, None if image_shape is None else tuple(int(d) for d in image_shape)


def _read_raw(path, option):
    """The array stored in ``path`` (allow_pickle=False), checked for existence first."""
    if not os.path.exists(path):
        raise UserError(f"{option} {path} does not exist.")
    if not os.path.isfile(path):
        raise UserError(f"{option} {path} is not a file.")
    if os.path.getsize(path) == 0:
        raise UserError(f"{option} {path} is empty.")
    _check_magic(path, option)
    with user_input(f"{option} {path}"):
        with open(path, "rb") as fh:
            if fh.read(6) == b"\x93NUMPY":  # a .npy file: its header first
                fh.seek(0)
                _check_declared_size(fh, os.path.getsize(path), f"{option} {path}")
            fh.seek(0)
            loaded = np.load(fh, allow_pickle=False)
            if not isinstance(loaded, np.lib.npyio.NpzFile):
                return loaded
            return _npz_member(loaded, path, option)


def _check_declared_size(fh, available, where):
    """Refuse an array whose header declares more bytes than follow it (before allocating them)."""
    version = np.lib.format.read_magic(fh)
    read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
            else np.lib.format.read_array_header_2_0)
    shape, _, dtype = read(fh)
    if dtype.hasobject:  # pickled objects: no byte count to check, and never loaded
        raise UserError(f"{where}: Object arrays cannot be loaded when allow_pickle=False")
    declared = dtype.itemsize
    for n in shape:
        declared *= n  # Python ints: no overflow
    if fh.tell() + declared > available:
        raise UserError(f"{where}: its header declares {declared} bytes of data, the file holds "
                        f"{available - fh.tell()}; a truncated or damaged file.")


def _check_magic(path, option):
    """Refuse a file that is neither a .npy array nor a zip (.npz) archive, by its first bytes.

    Without this check NumPy takes any other file for a pickle and says so.
    """
    with user_input(f"{option} {path}"), open(path, "rb") as fh:
        head = fh.read(6)
    if head != b"\x93NUMPY" and not head.startswith(b"PK"):
        raise UserError(f"{option} {path} is neither a .npy array nor a .npz archive.")


def _npz_member(archive, path, option):
    names = list(archive.files)
    if "X" not in names and len(names) != 1:
        raise UserError(f"{option} {path}: a .npz file must hold an array 'X' or a single "
                        f"array; it holds {names}.")
    name = "X" if "X" in names else names[0]
    info = archive.zip.getinfo(f"{name}.npy" if f"{name}.npy" in archive.zip.namelist() else name)
    with archive.zip.open(info) as member:
        _check_declared_size(member, info.file_size, f"{option} {path} (array {name!r})")
    return archive[name]


def load_labels(path, n_rows, limit=None):
    """Class labels, one per row of the data: a 1-D ``.npy`` array of ints or strings.

    Parameters
    ----------
    path : str
    n_rows : int
        Rows of the whole data file, before ``--limit``.
    limit : int, optional
        ``--limit``: keep the first ``limit`` labels, as the data keeps its first rows.

    Returns
    -------
    y : ndarray, shape (min(n_rows, limit),)
    """
    raw = _read_raw(path, "--labels")
    if raw.ndim != 1 or raw.shape[0] != n_rows:
        raise UserError(f"--labels {path}: expected a 1-D array of {n_rows} labels (one per "
                        f"row of DATA), got shape {raw.shape}.")
    if raw.dtype.kind not in "biuU":
        if raw.dtype.kind != "f" or not np.all(np.isfinite(raw)) or np.any(raw != np.round(raw)):
            raise UserError(f"--labels {path}: labels must be integers or strings, got "
                            f"dtype {raw.dtype} with non-integer values.")
        if np.any(np.abs(raw) > 2**53):  # floats no longer hold every integer there
            raise UserError(f"--labels {path}: float labels must lie within +-2**53, got "
                            f"{np.max(np.abs(raw)):.3g}; save them as integers.")
        raw = raw.astype(np.int64)
    return raw[:limit]


#: What encode, evaluate and plot read of a model: a k-sparse autoencoder's.
K_SPARSE = ("transform", "reconstruct", "k", "alpha")


def load_model(path, need=K_SPARSE, argument="MODEL"):
    """A fitted model from ``path`` (see :func:`ksparse.load`) with the attributes ``need``."""
    from ..io.model_files import load

    if not os.path.exists(path):
        raise UserError(f"{argument} {path} does not exist.")
    if not os.path.isfile(path):
        raise UserError(f"{argument} {path} is not a file.")
    with user_input(f"{argument} {path}"):
        model = load(path)
    missing = [name for name in need if getattr(model, name, None) is None]
    if missing:
        what = ("a k-sparse autoencoder (from 'ksparse train')" if need == K_SPARSE
                else "a model with " + " and ".join(need))
        raise UserError(f"{argument} {path} holds a {type(model).__name__}, which has no "
                        f"{' or '.join(missing)}; give {what}.")
    return model


def check_features(model, X, model_path, data_name):
    """Refuse data of another feature count than the model's, or beyond its dtype's range."""
    expected = int(model.n_features_in_)
    if X.shape[1] != expected:
        raise UserError(f"MODEL {model_path} expects {expected} features per example, but "
                        f"DATA {data_name} has {X.shape[1]}.")
    weights = getattr(model, "W_", None)
    if weights is not None:
        check_range(X, weights.dtype, f"DATA {data_name}", f"MODEL {model_path}")


def check_range(X, dtype, where, why):
    """Refuse values of X beyond the largest finite ``dtype`` (float64 data, float32 model).

    The data's own finite check runs in its dtype; the cast to ``dtype``
    later would make them infinite, deep in the work.

    Parameters
    ----------
    X : ndarray, shape (n_samples, n_features)
    dtype : numpy.dtype
        Float dtype X will be cast to.
    where, why : str
        The data and what sets ``dtype``, for the message.
    """
    dtype = np.dtype(dtype)
    if X.dtype.kind != "f" or X.dtype.itemsize <= dtype.itemsize or X.size == 0:
        return
    largest = max(abs(float(X.max())), abs(float(X.min())))  # no copy of X
    limit = float(np.finfo(dtype).max)  # a Python float: no cast of largest to dtype
    if largest > limit:
        raise UserError(f"{where} holds values up to {largest:.3g} in magnitude, beyond the "
                        f"{dtype.name} range of {why} (at most {limit:.3g}).")
