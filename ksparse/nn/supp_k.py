"""The support operator supp_k: keep the k largest entries of each row (paper §2.2).

``topk_mask(z, k)`` returns a boolean mask with exactly ``k`` True entries per
row, the positions of the ``k`` largest values. It is the only non-linearity
of a k-sparse autoencoder, and ``argpartition``-style selection makes it
O(n_hidden) per row instead of the O(n_hidden log n_hidden) of a full sort.

Ties are broken deterministically: among entries equal to the k-th largest
value, the ones with the lowest index win. Deterministic ties matter because
a selection that changed from run to run (or from CPU to GPU) would make
training irreproducible, and ties are common in practice (ReLU-like zeros,
quantized inputs, an all-zero row at initialisation).

The selections here all take ``z``, an array of shape (n_samples,
n_hidden) without NaN, and ``k``, an int with 1 <= k <= n_hidden, and all
select the same Γ = supp_k(z) in each row.
"""
__all__ = [
    "batch_topk_mask",
    "kth_largest",
    "n_kept",
    "topk",
    "topk_backward",
    "topk_indices",
    "topk_mask",
    "topk_support",
]

import math

from ..backend import get_array_module, waits_for_device


# Rows at least this many times wider than k select among candidates on the CPU.
_CANDIDATES_FROM = 24
_GROUP = 8  # entries per group whose maximum bounds the threshold from below


def kth_largest(z, k):
    """The k-th largest value of each row, shape (n_samples, 1).

    One introselect per row; on the CPU, rows much wider than k take
    ``_kth_largest_among_candidates`` (the same values, two to three times
    faster at 1000 units and k = 25).
    """
    if _wide(z, k) and not waits_for_device(get_array_module(z)):
        return _kth_largest_among_candidates(z, k)
    return _kth_by_partition(z, k)


def _wide(z, k):
    """Whether rows of floats are wide enough for a selection among candidates to pay."""
    return z.shape[1] >= _CANDIDATES_FROM * k and z.dtype.kind == "f"


def _kth_by_partition(z, k):
    """:func:`kth_largest` by one introselect over each whole row."""
    xp = get_array_module(z)
    n_hidden = z.shape[1]
    # partition runs the same introselect as argpartition but returns values,
    # which is all a threshold needs, and skips building an index array.
    part = xp.partition(z, n_hidden - k, axis=1)  # (n_samples, n_hidden)
    return part[:, n_hidden - k : n_hidden - k + 1]  # (n_samples, 1)


def _kth_largest_among_candidates(z, k, group=_GROUP):
    """:func:`kth_largest` by an introselect over few candidates per row (NumPy).

    Split a row into G groups of ``group`` entries (G >= k). The k largest group
    maxima are k entries >= L, their k-th largest, so the row's k-th largest t
    is >= L too: every entry >= t is among the candidates z >= L, and t is
    their k-th largest. Candidates are typically a few times k, not n_hidden.
    """
    found = _candidates(z, k, group)
    if found is None:
        return _kth_by_partition(z, k)
    return _kth_of_candidates(z, k, *found[1:])


def _candidates(z, k, group):
    """The entries z >= L row by row: (flat index, row, value), each (n_candidates,).

    None when the rows have fewer than k groups (no bound) or there are no rows.
    """
    xp = get_array_module(z)
    n_samples, n_hidden = z.shape
    n_groups = n_hidden // group
    if n_groups < k or n_samples == 0:
        return None
    # Group g holds entries g, g + G, g + 2G, …, so the G maxima of a row are an
    # elementwise maximum of ``group`` slices (3 times faster than a reshaped max).
    maxima = z[:, :n_groups].copy()  # (n_samples, n_groups)
    for j in range(1, group):
        xp.maximum(maxima, z[:, j * n_groups : (j + 1) * n_groups], out=maxima)
    bound = xp.partition(maxima, n_groups - k, axis=1)[:, n_groups - k : n_groups - k + 1]
    flat = xp.flatnonzero(z >= bound)  # (n_candidates,), k or more per row, row-major
    return flat, flat // n_hidden, z.reshape(-1)[flat]


def _kth_of_candidates(z, k, row, values):
    """Each row's k-th largest from its candidates, shape (n_samples, 1).

    Rows with more than 4k candidates (ties at L: an all-zero row) take the
    whole-row introselect instead.
    """
    xp = get_array_module(z)
    counts = xp.bincount(row, minlength=z.shape[0])  # (n_samples,)
    few = counts <= 4 * k  # (n_samples,): the rows whose candidates are packed
    packed = few[row]  # (n_candidates,)
    kth = _packed_kth(values[packed], row[packed], xp.where(few, counts, 0), k)
    if not few.all():
        kth[~few] = _kth_by_partition(z[~few], k)
    return kth  # (n_samples, 1)


def _packed_kth(values, row, counts, k):
    """The k-th largest of each row's ``counts`` values, shape (n_rows, 1).

    ``values`` come row by row (``row`` non-decreasing). Rows are packed side
    by side and padded with -inf, which never outranks a row's k-th largest
    when it has k values (-inf for a row without values).
    """
    xp = get_array_module(values)
    position = xp.arange(values.size) - (xp.cumsum(counts) - counts)[row]  # in its row
    width = max(k, int(counts.max()))
    packed = xp.full((counts.shape[0], width), -xp.inf, dtype=values.dtype)  # (n_rows, width)
    packed[row, position] = values
    return xp.partition(packed, width - k, axis=1)[:, width - k : width - k + 1]  # (n_rows, 1)


def topk_mask(z, k, kth=kth_largest):
    """Boolean mask of the k largest entries of each row, ties to the lower index.

    Parameters
    ----------
    z, k : see the module docstring
    kth : callable, default=kth_largest
        ``kth(z, k)`` returns the k-th largest value of each row, shape
        (n_samples, 1); :func:`ksparse.fast.topk_threshold.kth_largest_by_bisection`
        finds the same values by the paper's per-row threshold.

    Returns
    -------
    mask : bool array, shape (n_samples, n_hidden)
        Exactly ``k`` True entries per row: Γ = supp_k(z).

    Notes
    -----
    With t the k-th largest value of a row, every entry > t is selected, and
    the remaining ``k - #{z > t}`` places go to the entries equal to t in
    increasing index order (a running count along the row).
    """
    threshold = kth(z, k)  # (n_samples, 1)
    if waits_for_device(get_array_module(z)):
        # Asking whether any row has ties would wait for the GPU; the exact
        # rule costs little there, so it runs on every row.
        return _resolve_ties(z, threshold, k)
    mask = z >= threshold  # (n_samples, n_hidden), k or more per row
    excess = mask.sum(axis=1) > k  # (n_samples,), rows with ties at t
    if excess.any():
        # Rare, so the slower exact rule runs on those rows only.
        mask[excess] = _resolve_ties(z[excess], threshold[excess], k)
    return mask


def _resolve_ties(z, threshold, k):
    """Exact top-k mask for rows where several entries equal the threshold."""
    above = z > threshold  # (n_rows, n_hidden)
    need = k - above.sum(axis=1, keepdims=True)  # (n_rows, 1), >= 1
    tied = z == threshold  # (n_rows, n_hidden)
    # A tied entry wins while the count of tied entries up to and including
    # it does not exceed the places left.
    return above | (tied & (tied.cumsum(axis=1) <= need))


def batch_topk_mask(z, k):
    """BatchTopK's selection: the B·k largest entries of max(z, 0) over the whole batch.

    The batch is read as one row (row-major), so ties go to the lowest flat
    index, as :func:`topk_mask` breaks them within a row; at most every entry
    is kept.

    Returns
    -------
    kept : bool array, shape (n_samples, n_hidden)
    """
    xp = get_array_module(z)
    n_samples, n_hidden = z.shape
    if z.size == 0:  # nothing to keep (the selection below needs one entry at least)
        return xp.zeros(z.shape, dtype=bool)
    a = xp.maximum(z, 0).reshape(1, n_samples * n_hidden)  # (1, B·n_hidden), the batch as one row
    # On a GPU, picking out the positive entries would wait for their count.
    kth = kth_largest if waits_for_device(xp) else _kth_largest_of_nonnegative
    return topk_mask(a, min(n_samples * k, a.shape[1]), kth=kth).reshape(z.shape)


def _kth_largest_of_nonnegative(a, k):
    """:func:`kth_largest` of one row of values >= 0, shape (1, 1), selected among its positives.

    NumPy's introselect slows down by an order of magnitude or more on many
    equal values, and max(z, 0) is mostly zeros once a model is sparse (40 ms
    against 2 ms for a batch of 256 × 1000). The k-th largest is the same
    value: among the positive entries when there are k of them, else 0.
    When a tenth or more of the entries are positive, fewer still are the
    candidates of ``_kth_largest_among_candidates`` (with fewer, most group
    maxima would be zeros, and their introselect would crawl).
    """
    xp = get_array_module(a)
    sample = a[0, ::61]  # the share of positives, estimated in µs (a prime stride: no aliasing)
    dense = int(xp.count_nonzero(sample)) * 10 >= sample.size
    found = _candidates(a, k, _GROUP) if dense else None
    if found is not None and found[2].size <= 4 * k:
        values = found[2]  # (n_candidates,): every entry >= the k-th largest
    else:
        values = a[a > 0]  # (n_positive,)
        if values.size < k:
            return xp.zeros((1, 1), dtype=a.dtype)
    at = values.size - k
    return xp.partition(values, at)[at : at + 1].reshape(1, 1)  # (1, 1)


def topk_indices(z, k):
    """The first half of :func:`topk_support`: Γ as column indices, shape (n_samples, k).

    On the CPU, rows much wider than k with no tie at the k-th largest value
    are read off their candidates (see ``_kth_largest_among_candidates``)
    without a pass over the whole of z; the units come in increasing order.
    """
    xp = get_array_module(z)
    found = _candidates(z, k, _GROUP) if _wide(z, k) and not waits_for_device(xp) else None
    if found is None:
        return topk_support(z, k)[0]
    flat, row, values = found
    kth = _kth_of_candidates(z, k, row, values)  # (n_samples, 1)
    kept = values >= kth[row, 0]  # (n_candidates,)
    # Each row has k or more kept entries: k each exactly when the total is
    # n_samples·k, and then no row has a tie to break; else the exact rule,
    # from the same thresholds.
    if int(xp.count_nonzero(kept)) == z.shape[0] * k:
        return (flat[kept] % z.shape[1]).reshape(z.shape[0], k)  # (n_samples, k)
    return topk_support(z, k, kth=lambda *_: kth)[0]


def topk_support(z, k, kth=kth_largest):
    """Γ = supp_k(z) both as column indices and as a mask (ties to the lower index).

    ``kth`` is passed to :func:`topk_mask`.

    Returns
    -------
    idx : int array, shape (n_samples, k)
        The selected units of each row, in increasing order.
    mask : bool array, shape (n_samples, n_hidden)
        The same selection as :func:`topk_mask`.
    """
    xp = get_array_module(z)
    mask = topk_mask(z, k, kth=kth)  # (n_samples, n_hidden), exactly k per row
    if waits_for_device(xp):
        # nonzero's result size would be read on the host; sorting the selected
        # column numbers (the others pushed to the end) needs no transfer.
        columns = xp.where(mask, xp.arange(z.shape[1]), z.shape[1])  # (n_samples, n_hidden)
        return xp.sort(columns, axis=1)[:, :k], mask
    # Flat positions in row-major order: the k units of row 0, then row 1, ...
    # (one pass over the mask; a 2-D nonzero is several times slower).
    flat = xp.flatnonzero(mask)  # (n_samples · k,)
    if flat.size != z.shape[0] * k:  # only NaN compares false with every threshold
        raise FloatingPointError("supp_k: the activities z hold NaN (the weights or the "
                                 "inputs are no longer finite).")
    return flat.reshape(z.shape[0], k) % z.shape[1], mask  # (n_samples, k)


def n_kept(k, alpha, n_hidden=None, name="n_hidden"):
    """How many units an α·k-sparse code keeps: round(α·k), checked (paper §2.2).

    Parameters
    ----------
    k : int
        Units kept in training.
    alpha : float
        The encoding's multiple of k (α >= 1 in the paper).
    n_hidden : int, optional
        The most units a code can keep (the width of the layer); None: no bound.
    name : str, default="n_hidden"
        What ``n_hidden`` is called in the message.

    Returns
    -------
    n : int
        round(α·k), ties to even as Python rounds: α·k = 2.5 keeps 2 units.

    Raises
    ------
    ValueError
        When α·k is not finite (a huge α overflows it to inf, which has no
        rounding), or rounds to more than ``n_hidden``; the message names
        alpha, k and ``name``.
    """
    product = alpha * k  # a float, inf once alpha * k overflows
    if n_hidden is not None and (product == math.inf
                                 or math.isfinite(product) and round(product) > n_hidden):
        raise ValueError(f"alpha * k = {alpha:g} * {k} = {product:g} exceeds "
                         f"{name}={n_hidden}; lower alpha or k.")
    if not math.isfinite(product):
        raise ValueError(f"alpha * k = {alpha:g} * {k} = {product:g} is not a finite "
                         "number of units; give a finite alpha.")
    return int(round(product))


# ------------------------------------------------ the top-k layer and its backward
def topk(z, k):
    """z_Γ and Γ = supp_k(z) for every row: z with all but the k largest entries of each row zeroed.

    Returns
    -------
    z_sparse : array, shape (n_samples, n_hidden)
        z on Γ, zeros on Γᶜ; same dtype as ``z``.
    mask : bool array, shape (n_samples, n_hidden)
        Γ, exactly k True entries per row.
    """
    mask = topk_mask(z, k)
    # where, not z * mask: an unselected ±inf times False would be NaN, not 0.
    return get_array_module(z).where(mask, z, z.dtype.type(0)), mask  # (n_samples, n_hidden) twice


def topk_backward(dz_sparse, mask):
    """Gradient through the selection: only the units of Γ pass it on.

    Parameters
    ----------
    dz_sparse : array, shape (n_samples, n_hidden)
        ∂E/∂z_Γ.
    mask : bool array, shape (n_samples, n_hidden)

    Returns
    -------
    dz : array, shape (n_samples, n_hidden)
    """
    return dz_sparse * mask  # (n_samples, n_hidden)
