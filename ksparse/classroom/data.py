"""MNIST for the classroom examples, or a labelled offline substitute (paper §4.1).

:func:`load_digits` reads MNIST where :func:`ksparse.datasets.load_mnist`
finds it locally (its ``data_dir`` argument, ``KSPARSE_DATA``, the user
cache, ``/usr/share/datasets``) and never downloads. Without the files it
returns glyph digits (:mod:`ksparse.classroom.digits`) in the same format,
and says so in ``Digits.note`` (:class:`Digits`), which every example prints: a gallery
built on a machine without MNIST must not pass its numbers off as MNIST's.
"""
import numbers
import os
from dataclasses import dataclass

from ..datasets import DataNotFoundError, load_mnist
from .digits import make_glyph_digits

__all__ = ["Digits", "MNIST_HINT", "load_digits"]

#: What the examples print when they fall back to glyph digits: how to get MNIST.
MNIST_HINT = (
    "To use the real MNIST, put its four IDX files in a folder named in KSPARSE_DATA, "
    "or download them once with  python -c \"import ksparse.datasets as d; d.load_mnist()\"."
)


@dataclass
class Digits:
    """Train, validation and test digits with a word on where they come from.

    Attributes
    ----------
    train, test : tuple (X, y)
        ``X`` float32 in [0, 1] of shape (n, 784), ``y`` int64 of shape (n,).
    val : tuple (X, y) or None
        The validation split, in the same format, none of whose images is a
        training or test image; None when ``n_val=0`` was asked for.
    source : str
        ``'MNIST'`` or ``'glyph digits'``.
    substitute : bool
        True when MNIST was not found and glyph digits stand in for it.
    note : str
        One sentence for the reader, saying which data this is.
    """

    train: tuple
    test: tuple
    source: str
    substitute: bool
    note: str
    val: tuple = None


def _check_count(value, name, smallest=1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < smallest:
        kind = "a positive" if smallest == 1 else "a non-negative"
        raise ValueError(f"{name} must be {kind} integer, got {value!r}.")
    return int(value)


def _check_data_dir(data_dir):
    # A mistyped folder must not pass for "no MNIST on this machine" and glyph digits.
    if data_dir is None:
        return
    if not isinstance(data_dir, (str, os.PathLike)):
        raise TypeError(f"data_dir must be a path to a folder, got {data_dir!r}.")
    if not os.path.isdir(data_dir):
        if os.path.exists(data_dir):
            raise NotADirectoryError(f"data_dir {os.fspath(data_dir)!r} is not a folder.")
        raise FileNotFoundError(f"data_dir {os.fspath(data_dir)!r} does not exist.")


def load_digits(n_train, n_test, *, n_val=0, data_dir=None, random_state=0):
    """The first ``n_train`` MNIST training, ``n_val`` validation and ``n_test`` test images.

    Without MNIST, glyph digits stand in (see :class:`Digits` ``.note``).

    Parameters
    ----------
    n_train : int
        At most 50,000 (the paper's training split: MNIST's first 50,000
        training images).
    n_test : int
        At most 10,000.
    n_val : int, default 0
        At most 10,000, taken from MNIST's validation split (the last 10,000
        training images), so they are none of the training images. With
        glyph digits, the ``n_val`` digits drawn after the training ones.
        With 0, ``Digits.val`` is None.
    data_dir : str or os.PathLike, optional
        Passed to :func:`ksparse.datasets.load_mnist`; when given, it must be
        an existing folder (a missing one raises instead of falling back to
        glyph digits).
    random_state : int
        Seeds the substitute (MNIST itself is read in file order).

    Returns
    -------
    digits : Digits
    """
    n_train = min(_check_count(n_train, "n_train"), 50_000)
    n_test = min(_check_count(n_test, "n_test"), 10_000)
    n_val = min(_check_count(n_val, "n_val", smallest=0), 10_000)
    _check_data_dir(data_dir)
    try:
        splits = load_mnist(data_dir, download=False, progress=False)
    except DataNotFoundError:
        # One draw, cut in order train | val | test: distinct draws, so no
        # image is in two splits; with n_val=0 train and test are as before.
        X, y = make_glyph_digits(n_train + n_val + n_test, random_state=random_state)
        end = n_train + n_val
        note = ("MNIST was not found on this machine, so this run uses glyph digits, "
                "an offline substitute drawn from matplotlib's fonts: the figures look "
                "alike, the numbers are not MNIST's. " + MNIST_HINT)
        return Digits((X[:n_train], y[:n_train]), (X[end:], y[end:]), "glyph digits", True,
                      note, val=(X[n_train:end], y[n_train:end]) if n_val else None)
    (X, y), (X_test, y_test) = splits.train, splits.test
    val = None
    if n_val:
        X_val, y_val = splits.val
        val = (X_val[:n_val], y_val[:n_val])
    note = (f"Data: MNIST, the first {n_train} training"
            + (f", {n_val} validation" if n_val else "") + f" and {n_test} test images.")
    return Digits((X[:n_train], y[:n_train]), (X_test[:n_test], y_test[:n_test]),
                  "MNIST", False, note, val=val)
