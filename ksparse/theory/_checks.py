"""Argument checks shared by the sparse-coding modules (no paper section).

Every public function of :mod:`ksparse.theory` validates its input with
these helpers before any work starts, so that bad input fails with an error
that names the argument.
"""
import numbers

import numpy as np

from ..backend import get_array_module

__all__ = ["check_bool", "check_fraction", "check_iteration", "check_k", "check_matrix",
           "check_positive_int", "check_signals", "check_tol", "check_vector"]


def check_matrix(a, name, min_cols=1):
    """Return ``a`` as a finite floating 2-D array on its own backend."""
    xp = get_array_module(a)
    if not hasattr(a, "shape") or not hasattr(a, "dtype"):
        raise TypeError(f"{name} must be a NumPy or CuPy array, got {type(a).__name__}.")
    if a.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got shape {a.shape}.")
    if a.shape[0] < 1 or a.shape[1] < min_cols:
        raise ValueError(f"{name} must have at least 1 row and {min_cols} column(s), got shape {a.shape}.")
    if a.dtype.kind not in "fiu":
        raise TypeError(f"{name} must hold real numbers, got dtype {a.dtype}.")
    if a.dtype.kind != "f":
        a = a.astype(xp.float64)
    if not bool(xp.isfinite(a).all()):
        raise ValueError(f"{name} must not contain NaN or infinity.")
    return a


def check_positive_int(value, name, low=1, high=None):
    """Return ``value`` as an int in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}.")
    value = int(value)
    if value < low or (high is not None and value > high):
        upper = "" if high is None else f" and <= {high}"
        raise ValueError(f"{name} must be >= {low}{upper}, got {value}.")
    return value


def check_k(k, n_atoms):
    """Return the sparsity ``k`` as an int in [1, n_atoms]."""
    return check_positive_int(k, "k", 1, n_atoms)


def check_signals(X, W):
    """Check a signal matrix X (n_signals, n_features) against W (n_features, n_atoms)."""
    W = check_matrix(W, "W")
    X = check_matrix(X, "X")
    if get_array_module(X) is not get_array_module(W):
        raise TypeError("X and W must live on the same backend (both NumPy or both CuPy).")
    if X.shape[1] != W.shape[0]:
        raise ValueError(
            f"X has {X.shape[1]} features but W has {W.shape[0]} rows; "
            "X must be (n_signals, n_features) and W (n_features, n_atoms)."
        )
    return X, W


def check_tol(tol, name="tol"):
    """Return a non-negative finite float tolerance."""
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not 0.0 <= float(tol) < float("inf"):
        raise ValueError(f"{name} must be a finite number >= 0, got {tol!r}.")
    return float(tol)


def check_fraction(value, name):
    """Return ``value`` as a float in [0, 1] (a coherence, a cosine)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}.")
    return float(value)


def check_vector(a, name, size, xp):
    """Return ``a`` when it is a finite real vector of ``size`` entries on the backend ``xp``."""
    if getattr(a, "shape", None) != (size,) or get_array_module(a) is not xp:
        raise ValueError(f"{name} must be an array of shape ({size},) on the backend of X.")
    if a.dtype.kind not in "fiu" or not bool(xp.isfinite(a).all()):
        raise ValueError(f"{name} must hold finite real numbers.")
    return a


def check_bool(flag, name):
    """Return ``flag`` when it is a bool (NumPy bools included)."""
    if not isinstance(flag, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {flag!r}.")
    return bool(flag)


def check_iteration(X, W, k, max_iter, tol, signed, return_history):
    """The arguments ITI and IHT share, checked in this order and returned in it."""
    X, W = check_signals(X, W)
    k = check_k(k, W.shape[1])
    return (X, W, k, check_positive_int(max_iter, "max_iter"), check_tol(tol),
            check_bool(signed, "signed"), check_bool(return_history, "return_history"))
