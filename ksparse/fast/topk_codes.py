"""The codes of one TopK-family step, nested prefixes of one support (read by topk_step).

A TopK-family step reconstructs x from several codes of the same z: the main
code (TopK's k largest units, or BatchTopK's share of the batch's B·k
largest), Multi-TopK's code (the k′ largest) and each Matryoshka prefix (the
main code cut to the latents j < m). These codes are *nested*: every
Matryoshka prefix lies inside the main code, and the main code inside the
Multi-TopK code (top-k ⊂ top-k′ for k < k′, ties to the lower unit in both).
So one support holds them all, ordered so that every code is a prefix of
each row's positions:

    positions:  [ the smallest code | … | the rest of the main code | the rest of the k′ code ]
    code c:     the first ``lengths[i, c]`` positions of row i

Within the main code the units run in increasing order, which is what makes
each Matryoshka prefix (units j < m) a prefix of the positions. A position's
*band* is the smallest code that holds it; the step gathers each row's atoms
once and decodes band by band.
"""
__all__ = ["Codes", "bands", "batch_topk_codes", "dead_codes", "support_of", "topk_codes"]

from collections import namedtuple

from ..backend import get_array_module
from ..nn.supp_k import batch_topk_mask, topk_indices, topk_mask

#: The codes of one step: ``idx`` (n_samples, m), the units of each row's support;
#: ``h`` (n_samples, m), ReLU(z) there (0 on padding); ``passes`` (n_samples, m), where
#: ∂h/∂z = 1; ``lengths`` (n_samples, n_codes) ints, code c being the first
#: ``lengths[i, c]`` positions of row i, non-decreasing along c; ``weights``, each
#: code's loss weight (n_codes floats); ``main``, the index of the main code.
Codes = namedtuple("Codes", ["idx", "h", "passes", "lengths", "weights", "main"])


def _codes(z, idx, lengths, weights, main):
    """Codes with h = ReLU(z) at ``idx`` on the positions some code uses, 0 beyond."""
    xp = get_array_module(z)
    z_top = xp.take_along_axis(z, idx, axis=1)  # (n_samples, m)
    used = xp.arange(idx.shape[1]) < lengths[:, -1:]  # (n_samples, m): not padding
    passes = used & (z_top > 0)  # (n_samples, m)
    return Codes(idx, xp.where(passes, z_top, z.dtype.type(0)), passes, lengths,
                 tuple(weights), main)


def _first(idx, first):
    """``idx`` with the positions where ``first`` holds moved to the front (stable)."""
    xp = get_array_module(idx)
    order = xp.argsort((~first).astype(xp.int8), axis=1, kind="stable")  # (n_samples, m)
    return xp.take_along_axis(idx, order, axis=1)


def _prefix_lengths(idx, main_len, prefixes, n_hidden):
    """Matryoshka: for each prefix m < n_hidden, the main code's units j < m per row (lengths)."""
    xp = get_array_module(idx)
    inside = xp.arange(idx.shape[1]) < main_len[:, None]  # (n_samples, m): the main code
    cuts = [m for m in (prefixes or ()) if m < n_hidden]
    return [(inside & (idx < m)).sum(axis=1) for m in cuts]


def topk_codes(z, k, multi_k=None, multi_k_weight=1.0 / 8, prefixes=None, prefix_weight=1.0):
    """TopK's code (weight 1) with Multi-TopK's (``multi_k``) and Matryoshka's (``prefixes``).

    Parameters
    ----------
    z : array, shape (n_samples, n_hidden)
    k : int
    multi_k : int or None
    multi_k_weight : float
    prefixes : tuple of int or None
        Not together with a ``multi_k`` < k (those codes are not nested):
        ``chain_of_codes`` (below) says which settings this function takes.
    prefix_weight : float
        Every prefix's loss weight.

    Returns
    -------
    Codes
    """
    xp = get_array_module(z)
    n_samples = z.shape[0]
    width, inner = max(k, multi_k or k), min(k, multi_k or k)
    idx = topk_indices(z, width)  # (n_samples, width), increasing units
    if inner < width:  # the smaller top-k code's units first, each part increasing
        idx = _first(idx, topk_mask(xp.take_along_axis(z, idx, axis=1), inner))
    full = lambda m: xp.full(n_samples, m, dtype=idx.dtype)  # noqa: E731
    lengths = _prefix_lengths(idx, full(k), prefixes, z.shape[1])
    weights = [prefix_weight] * len(lengths)
    codes = [(full(k), 1.0, True)]
    if multi_k is not None:
        multi = (full(multi_k), multi_k_weight, False)
        codes = [multi] + codes if multi_k < k else codes + [multi]
    main = len(lengths) + [c[2] for c in codes].index(True)
    lengths += [c[0] for c in codes]
    weights += [c[1] for c in codes]
    return _codes(z, idx, xp.stack(lengths, axis=1), weights, main)


def chain_of_codes(k, multi_k, prefixes):
    """Whether :func:`topk_codes` takes these settings (its codes nest); else use the dense step."""
    return multi_k is None or multi_k >= k or not prefixes


def batch_topk_codes(z, k, prefixes=None, prefix_weight=1.0):
    """BatchTopK's code, ReLU of the B·k largest entries of the batch, with Matryoshka's prefixes.

    The selection is :func:`ksparse.nn.supp_k.batch_topk_mask`. Each
    row's kept units come first, in increasing order, then padding (units the
    row does not keep: unit 0 with h = 0 and no gradient) up to the widest row.
    """
    n_hidden = z.shape[1]
    idx, counts = support_of(batch_topk_mask(z, k))  # (n_samples, width), (n_samples,)
    xp = get_array_module(idx)
    lengths = _prefix_lengths(idx, counts, prefixes, n_hidden)
    weights = [prefix_weight] * len(lengths) + [1.0]
    return _codes(z, idx, xp.stack(lengths + [counts], axis=1), weights, len(lengths))


def support_of(mask):
    """Each row's units where ``mask`` holds, increasing, padded with unit 0 to the widest row.

    Parameters
    ----------
    mask : bool array, shape (n_samples, n_hidden)

    Returns
    -------
    idx : int array, shape (n_samples, max(1, widest row))
        Row i's units in its first ``counts[i]`` positions, then unit 0.
    counts : int array, shape (n_samples,)
    """
    xp = get_array_module(mask)
    n_samples, n_hidden = mask.shape
    # The kept entries in row-major order: row by row, each row's units increasing.
    row, unit = xp.divmod(xp.flatnonzero(mask), n_hidden)  # (n_kept,) twice
    counts = xp.bincount(row, minlength=n_samples)  # (n_samples,)
    position = xp.arange(row.size) - (xp.cumsum(counts) - counts)[row]  # (n_kept,): in its row
    idx = xp.zeros((n_samples, max(int(counts.max()), 1)), dtype=unit.dtype)  # padding: unit 0
    idx[row, position] = unit  # (n_samples, width)
    return idx, counts


def dead_codes(z, dead, aux_k, weight):
    """AuxK's code: ReLU of the top ``aux_k`` dead latents of each row; None when none is dead."""
    xp = get_array_module(z)
    dead_units = xp.flatnonzero(dead)  # (n_dead,), increasing: ties still go to the lower unit
    n_aux = min(aux_k, int(dead_units.size))
    if n_aux == 0:
        return None
    idx = dead_units[topk_indices(z[:, dead_units], n_aux)]  # (n_samples, n_aux)
    lengths = xp.full((z.shape[0], 1), n_aux, dtype=idx.dtype)
    return _codes(z, idx, lengths, [weight], 0)


def bands(lengths, width):
    """Each position's band, the first code that holds it (n_codes: none); (n_samples, width)."""
    xp = get_array_module(lengths)
    position = xp.arange(width)[None, :, None]  # (1, width, 1)
    return (position >= lengths[:, None, :]).sum(axis=2)  # (n_samples, width)
