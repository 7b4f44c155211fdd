"""Input checks for the classifiers: class labels and dense or sparse features (no paper section).

Labels are handled on the host: ``classes_`` is a sorted NumPy array of the
distinct labels (integers, booleans or strings), and training code sees only
their indices 0 … n_classes − 1. Feature matrices may be NumPy or CuPy
arrays, or SciPy sparse matrices (kept sparse, as CSR) on the CPU.
"""
__all__ = ["check_features", "check_labels", "label_indices", "stack_splits"]

import numpy as np
import scipy.sparse

from ..backend import get_array_module, to_device, to_numpy
from ..validation import check_array, check_dtype, check_shape, is_sparse


def stack_splits(first, second):
    """Two labelled splits as one, rows of ``first`` then rows of ``second``.

    Parameters
    ----------
    first, second : tuple (X, y)
        Features (dense or sparse), shape (n_i, n_features), and labels, shape (n_i,).

    Returns
    -------
    X : CSR matrix when either X is sparse, else an array on the first X's backend
    y : ndarray, shape (n_1 + n_2,)
        On the host, where labels live.
    """
    (A, y_a), (B, y_b) = first, second
    if is_sparse(A) or is_sparse(B):
        X = scipy.sparse.vstack([A, B], format="csr")
    else:
        xp = get_array_module(A)
        X = xp.concatenate([A, to_device(B, xp)], axis=0)
    return X, np.concatenate([to_numpy(y_a), to_numpy(y_b)])


def check_features(X, name="X", dtype=None, allow_sparse=True):
    """Validate a feature matrix; sparse input becomes CSR of a float dtype.

    Parameters
    ----------
    X : array_like or scipy.sparse matrix, shape (n_samples, n_features)
    name : str
        Argument name used in error messages.
    dtype : numpy.dtype or None
        Target float dtype; None keeps float32/float64, anything else becomes float64.
    allow_sparse : bool
        Whether SciPy sparse input is accepted.

    Returns
    -------
    X : array or scipy.sparse.csr_matrix, shape (n_samples, n_features)
    """
    if not is_sparse(X):
        return check_array(X, name, dtype=dtype)
    if not allow_sparse:
        raise TypeError(f"{name} must be a dense array here; got a SciPy sparse matrix.")
    X = scipy.sparse.csr_matrix(X)
    if X.dtype.kind not in "biuf":
        raise TypeError(f"{name} must contain real numbers; got dtype {X.dtype}.")
    check_shape(X.shape, name)
    if dtype is None:
        dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    X = X.astype(check_dtype(dtype), copy=False)
    if not np.isfinite(X.data).all():
        raise ValueError(f"Input {name} contains NaN or infinity.")
    return X


def _as_label_array(y, name):
    """y as a 1-D host array of integer, boolean or string labels."""
    if y is None:  # scikit-learn's wording
        raise ValueError(
            f"A classifier requires {name} to be passed, but the target {name} is None."
        )
    y = to_numpy(y) if hasattr(y, "shape") else np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of class labels, got shape {y.shape}.")
    if y.dtype.kind == "O" and all(isinstance(label, str) for label in y):
        y = y.astype(str)  # strings held as Python objects (a pandas column, say)
    if y.dtype.kind == "f":
        y = _integral_floats(y, name)
    elif y.dtype.kind not in "biuU":
        raise ValueError(
            f"Unknown label type: {name} must hold class labels (integers or strings); "
            f"got dtype {y.dtype}."
        )
    return y


def _integral_floats(y, name):
    """Float labels as int64, refused unless every one is a whole number int64 can hold."""
    if not np.isfinite(y).all():
        raise ValueError(f"{name} must hold class labels; got NaN or infinity.")
    if not np.array_equal(y, np.round(y)):
        raise ValueError(
            f"{name} must hold class labels (integers or strings); got non-integer values "
            "(a continuous target)."
        )
    # Outside [-2**63, 2**63) the cast to int64 wraps (1e19 becomes -2**63), so
    # distinct labels could merge. The bounds are exact in float64, which holds
    # every float16 and float32 value exactly too.
    wide = y.astype(np.float64, copy=False)
    outside = (wide < -(2.0**63)) | (wide >= 2.0**63)
    if outside.any():
        raise ValueError(
            f"{name} holds float labels beyond the int64 range: {y[outside][:3].tolist()!r}; "
            "pass integer or string labels."
        )
    return y.astype(np.int64)


def check_labels(y, n_samples, name="y"):
    """Validate training labels and find the classes.

    Parameters
    ----------
    y : array_like, shape (n_samples,)
        Integer, boolean or string labels (floats only when integral).
    n_samples : int
        Number of rows of the matching feature matrix.
    name : str

    Returns
    -------
    classes : ndarray, shape (n_classes,)
        Sorted distinct labels, at least 2.
    y_index : int64 ndarray, shape (n_samples,)
        Index of each label in ``classes``.
    """
    y = _as_label_array(y, name)
    if y.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {y.shape[0]} labels, but the features have {n_samples} rows."
        )
    classes, y_index = np.unique(y, return_inverse=True)
    if classes.shape[0] < 2:
        raise ValueError(
            f"{name} must contain at least 2 classes; got only one class: {classes.tolist()!r}."
        )
    return classes, y_index.astype(np.int64)


def label_indices(y, classes, n_samples, name="y"):
    """Indices in ``classes`` of held-out labels, which must all be known classes.

    Returns
    -------
    y_index : int64 ndarray, shape (n_samples,)
    """
    y = _as_label_array(y, name)
    if y.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {y.shape[0]} labels, but the features have {n_samples} rows."
        )
    if y.dtype.kind != classes.dtype.kind and not (
        y.dtype.kind in "biu" and classes.dtype.kind in "biu"
    ):
        raise ValueError(f"{name} has labels of dtype {y.dtype}, but classes_ are {classes.dtype}.")
    index = np.searchsorted(classes, y)  # (n_samples,)
    index = np.minimum(index, classes.shape[0] - 1)
    unknown = classes[index] != y
    if unknown.any():
        raise ValueError(
            f"{name} contains labels not seen in training: {np.unique(y[unknown])[:5].tolist()!r}."
        )
    return index.astype(np.int64)
