"""Input checks shared by every model: arrays, hyper-parameters, feature counts.

Messages follow scikit-learn's wording where it has one, so users meet the
same errors inside and outside a scikit-learn pipeline. Every check runs
before any computation starts.
"""
__all__ = [
    "check_random_state",
    "as_real_array",
    "check_array",
    "check_finite",
    "check_real_dtype",
    "check_shape",
    "float_dtype_for",
    "check_dtype",
    "check_int",
    "check_real",
    "check_n_features",
    "check_is_fitted",
    "check_checkpoint_args",
    "check_callbacks",
    "is_sparse",
    "NotFittedError",
]

import math
import numbers
import os
import sys

import numpy as np

from .backend import get_array_module


class NotFittedError(ValueError, AttributeError):
    """Raised when a model is used before ``fit``."""


def check_dtype(dtype):
    """Validate the ``dtype`` hyper-parameter: None, 'float32' or 'float64'."""
    if dtype is None:
        return None
    message = f"dtype must be None, 'float32' or 'float64', got {dtype!r}."
    try:
        resolved = np.dtype(dtype)
    except (TypeError, ValueError):  # a misspelling ('flaot32'), 0, True: not a dtype at all
        raise ValueError(message) from None
    if resolved not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(message)
    return resolved


def _float_dtype_for(array_dtype, dtype):
    """float32 and float64 input keep their type (in native byte order), anything else float64."""
    if dtype is not None:
        return dtype
    native = array_dtype.newbyteorder("=")  # big-endian '>f4' is float32 too
    if native in (np.float32, np.float64):
        return native
    return np.dtype(np.float64)


def float_dtype_for(array_dtype, dtype=None):
    """The float dtype rows of ``array_dtype`` are converted to (``dtype`` when given)."""
    return _float_dtype_for(np.dtype(array_dtype), dtype)


def is_sparse(X):
    """Whether X is a SciPy sparse matrix or array (SciPy is not imported to answer)."""
    sparse = sys.modules.get("scipy.sparse")  # no SciPy sparse object exists before it is imported
    return sparse is not None and sparse.issparse(X)


def as_real_array(X, name="X"):
    """X as a NumPy (or CuPy) array of real numbers, without copying one that already is.

    An object array of numbers is converted to float64 (as NumPy and
    scikit-learn do); a nested list is read by :func:`numpy.asarray`.

    Raises
    ------
    TypeError
        For a SciPy sparse matrix (this function is for code that needs a dense array),
        and, naming ``name``, for objects of a type NumPy cannot convert to
        float (a complex number, a dict), as NumPy and scikit-learn do.
    ValueError
        Naming ``name``, for complex numbers, strings, ragged rows or other
        objects that are not numbers.
    """
    if is_sparse(X):
        raise TypeError(
            f"{name} is a SciPy sparse matrix, but dense data is required here; "
            f"use {name}.toarray()."
        )
    if get_array_module(X) is np and type(X) is not np.ndarray and not isinstance(X, np.memmap):
        try:
            X = np.asarray(X)  # lists, np.matrix...; an ndarray or a memmap is kept as it is
        except (ValueError, TypeError) as exc:  # ragged nested sequences
            raise ValueError(f"{name} could not be read as an array of numbers: {exc}") from exc
    check_real_dtype(X.dtype, name)
    if X.dtype.kind == "O":
        try:
            X = X.astype(np.float64)
        except (ValueError, TypeError) as exc:
            # The kind NumPy raised (a dict: TypeError, a word: ValueError), as scikit-learn.
            raise type(exc)(
                f"{name} must contain real numbers; its objects could not be converted "
                f"to float ({exc})."
            ) from exc
    return X


def check_real_dtype(dtype, name="X"):
    """Refuse complex, string and other non-numeric dtypes (objects are left to convert).

    Raises
    ------
    ValueError
        Naming ``name``.
    """
    if dtype.kind == "c":
        raise ValueError(f"Complex data not supported for {name}; got dtype {dtype}.")
    if dtype.kind not in "biufO":
        raise ValueError(f"{name} must contain real numbers; got dtype {dtype}.")


def check_shape(shape, name="X"):
    """Refuse anything but a 2-D shape with at least one row and one column."""
    if len(shape) != 2:
        raise ValueError(
            f"Expected 2D array, got {len(shape)}D array instead ({name} has shape "
            f"{tuple(shape)}). Reshape your data either using array.reshape(-1, 1) if your "
            "data has a single feature or array.reshape(1, -1) if it contains a single sample."
        )
    for axis, what in enumerate(("sample", "feature")):
        if shape[axis] == 0:  # scikit-learn's wording
            raise ValueError(f"Found array with 0 {what}(s) (shape={tuple(shape)}) while a "
                             f"minimum of 1 is required for {name}.")


def check_finite(X, name="X"):
    """Raise naming ``name`` when a (float) array holds NaN or infinity."""
    xp = get_array_module(X)
    if X.dtype.kind != "f" or bool(xp.isfinite(X).all()):
        return
    what = "NaN" if bool(xp.isnan(X).any()) else "infinity or a value too large"
    raise ValueError(f"Input {name} contains {what}.")


def check_array(X, name="X", dtype=None, chunk=4096):
    """Validate a 2-D array of finite real numbers and convert it to float.

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
        NumPy or CuPy array, or anything ``numpy.asarray`` accepts.
    name : str
        Argument name used in error messages.
    dtype : numpy.dtype or None
        Target float dtype; None keeps float32/float64 and turns anything
        else into float64.
    chunk : int
        Rows checked for finiteness at once (bounds the temporary mask).

    Returns
    -------
    X : array, shape (n_samples, n_features)
        On the same array module as the input.
    """
    X = as_real_array(X, name)
    check_shape(X.shape, name)
    X = X.astype(_float_dtype_for(X.dtype, dtype), copy=False)
    for start in range(0, X.shape[0], chunk):
        check_finite(X[start : start + chunk], name)
    return X


def check_n_features(model, X, name="X"):
    """Raise when X's feature count differs from the one seen in ``fit``."""
    expected = model.n_features_in_
    if X.shape[1] != expected:
        raise ValueError(
            f"{name} has {X.shape[1]} features, but {type(model).__name__} is "
            f"expecting {expected} features as input."
        )


def check_int(value, name, low=None, high=None):
    """Validate an integer hyper-parameter in [low, high]; return it as int."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}.")
    _check_range(value, name, low, high)
    return int(value)


def check_real(value, name, low=None, high=None, low_open=False, high_open=False):
    """Validate a real hyper-parameter in a (half-)open or closed interval."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}.")
    try:
        # float() reads every Real (a Fraction too); an int beyond float's range overflows.
        finite = math.isfinite(float(value))
    except OverflowError:
        finite = False
    except TypeError:
        raise TypeError(f"{name} must be a real number, got {value!r}.") from None
    if not finite:
        raise ValueError(f"{name} must be finite, got {value!r}.")
    _check_range(value, name, low, high, low_open, high_open)
    return float(value)


def _check_range(value, name, low, high, low_open=False, high_open=False):
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        low_s = "-inf" if low is None else low
        high_s = "inf" if high is None else high
        raise ValueError(f"{name} must be in {left}{low_s}, {high_s}{right}, got {value!r}.")


def check_is_fitted(model, attribute):
    """Raise :class:`NotFittedError` when ``model`` lacks a fitted attribute."""
    if getattr(model, attribute, None) is None:
        raise NotFittedError(
            f"This {type(model).__name__} instance is not fitted yet. Call 'fit' "
            "with appropriate arguments before using this estimator."
        )


def check_checkpoint_args(checkpoint, checkpoint_every, resume):
    """Validate the checkpoint arguments of ``fit``."""
    if checkpoint is not None and not isinstance(checkpoint, (str, bytes, os.PathLike)):
        raise TypeError(f"checkpoint must be a path or None, got {checkpoint!r}.")
    check_int(checkpoint_every, "checkpoint_every", low=1)
    if resume and checkpoint is None:
        raise ValueError("resume=True needs checkpoint=PATH to resume from.")


def check_callbacks(callbacks):
    """Validate the ``callbacks`` argument of ``fit``: None or a list or tuple of callables.

    Called before training starts, so a typo does not surface only after the
    first epoch, when a refit has already replaced the fitted arrays.

    Raises
    ------
    TypeError
        Naming ``callbacks``.
    """
    if callbacks is None:
        return
    if not isinstance(callbacks, (list, tuple)):
        raise TypeError(f"callbacks must be None or a list of callables, got {callbacks!r}.")
    for i, callback in enumerate(callbacks):
        if not callable(callback):
            raise TypeError(f"callbacks must be None or a list of callables, but callbacks[{i}] "
                            f"is {callback!r}.")


def check_random_state(random_state):
    """Turn None, an int >= 0 or a NumPy Generator into a NumPy Generator.

    Raises
    ------
    TypeError, ValueError
        Naming ``random_state``: another type (a bool included), or a negative int (NumPy's
        seeds are non-negative).
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    # True is an int to Python but not a seed anyone means (and np.True_ is no Integral).
    if random_state is not None and (isinstance(random_state, (bool, np.bool_))
                                     or not isinstance(random_state, numbers.Integral)):
        raise TypeError("random_state must be None, an int >= 0 or a numpy.random.Generator, "
                        f"got {random_state!r}.")
    if random_state is not None and random_state < 0:
        raise ValueError(f"random_state must be None, an int >= 0 or a numpy.random.Generator, "
                         f"got {random_state!r}.")
    return np.random.default_rng(random_state)
