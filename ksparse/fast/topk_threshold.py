"""The k-th largest value of each row by a threshold refined until k remain (paper §2.2).

The paper points out that supp_k does not need a sort: on parallel hardware
one can keep a threshold per row and move it until exactly k entries are at
or above it. Done by bisection on the values themselves, the threshold may
never separate two values a few ulps apart; done on their *bit patterns*, it
is exact in a fixed number of rounds. Reading the bits of a float as a
signed integer and flipping the non-sign bits of the negative ones gives
integer keys in the same order as the floats (−0.0 lands just below +0.0),
so the k-th largest key is the key of the k-th largest value. Every round
halves the interval [lo, hi) of candidate keys of every row at once, with
one comparison and one count per entry:

    count(t) = #{j : key_j >= t},   lo: count(lo) >= k,   hi: count(hi) < k.

After as many rounds as the keys have bits, ``lo`` is the k-th largest key.
Each round is the same elementwise work for every row, with no data-
dependent branch and no host transfer, which is what a GPU wants; on a CPU
``numpy.partition`` (one introselect) is several times faster.

Both functions below take ``z``, a float32 or float64 array of shape
(n_samples, n_hidden) without NaN, and ``k``, an int with 1 <= k <= n_hidden,
and agree exactly with their :mod:`ksparse.nn.supp_k` counterparts.
"""
__all__ = ["float_keys", "kth_largest_by_bisection", "topk_mask_by_bisection"]

import numpy as np

from ..backend import get_array_module
from ..nn.supp_k import topk_mask

_KEY_DTYPES = {np.dtype(np.float32): np.int32, np.dtype(np.float64): np.int64}


def float_keys(z):
    """Integer keys of the floats in z, in the same order as the values.

    Parameters
    ----------
    z : float32 or float64 array, without NaN

    Returns
    -------
    keys : int64 array, same shape
        ``keys[i] < keys[j]`` whenever ``z[i] < z[j]``; equal values have
        equal keys, except −0.0, one below +0.0.
    """
    xp = get_array_module(z)
    int_type = _KEY_DTYPES.get(np.dtype(z.dtype))
    if int_type is None:
        raise TypeError(f"z must be float32 or float64, got {z.dtype}.")
    bits = z.view(int_type)
    # A negative float's bits grow as its value falls: flip all but the sign.
    flipped = bits ^ xp.asarray(np.iinfo(int_type).max, dtype=int_type)
    return xp.where(bits < 0, flipped, bits).astype(np.int64)


def _midpoint(lo, hi):
    """floor((lo + hi) / 2) without overflowing int64."""
    return (lo >> 1) + (hi >> 1) + (lo & hi & 1)


def kth_largest_by_bisection(z, k):
    """The k-th largest value of each row, by bisection on its float keys.

    Returns
    -------
    threshold : array, shape (n_samples, 1)
        Same values as :func:`ksparse.nn.supp_k.kth_largest` (its dtype is z's).
    """
    xp = get_array_module(z)
    keys = float_keys(z)  # (n_samples, n_hidden)
    lo = keys.min(axis=1, keepdims=True)  # (n_samples, 1): all n_hidden >= k are at or above
    hi = keys.max(axis=1, keepdims=True) + 1  # (n_samples, 1): none at or above
    for _ in range(8 * z.dtype.itemsize + 1):  # the interval spans at most 2**bits keys
        mid = _midpoint(lo, hi)  # (n_samples, 1)
        enough = (keys >= mid).sum(axis=1, keepdims=True) >= k  # (n_samples, 1)
        lo = xp.where(enough, mid, lo)
        hi = xp.where(enough, hi, mid)
    # lo is a key of the row: take the value that has it (the largest such, for ±0).
    return xp.where(keys == lo, z, -xp.inf).max(axis=1, keepdims=True).astype(z.dtype)


def topk_mask_by_bisection(z, k):
    """:func:`ksparse.nn.supp_k.topk_mask` with the k-th largest value found by bisection.

    Returns
    -------
    mask : bool array, shape (n_samples, n_hidden)
        The same selection as ``topk_mask(z, k)``, ties to the lower index.
    """
    return topk_mask(z, k, kth=kth_largest_by_bisection)
