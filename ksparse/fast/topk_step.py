"""Sparse-aware forward and backward pass of the TopK family (with Multi-TopK, Matryoshka, AuxK).

:func:`sparse_recipe_loss_and_grads` returns what
:func:`ksparse.models.topk.recipe_loss_and_grads` returns, to float rounding,
but after the encoder product z = P(x − b′) + b it touches only the units each
code keeps, as :mod:`ksparse.fast.sparse_step` does for the k-sparse model.

The codes of one step (the main code, Multi-TopK's, each Matryoshka prefix)
are nested prefixes of one support (:mod:`ksparse.fast.topk_codes`): code c is
the first L_ic positions of row i, and a position p belongs to its band b(p),
the first code that holds it, and to every larger code. With β_c each code's
loss weight, d_ic = x̂_ic − x_i and a_p the atom at position p,

    x̂_ic      = b′ + Σ_{b ≤ c} Σ_{p in band b} h_ip a_p       (decode, band by band)
    R_ib      = 2/B Σ_{c ≥ b} β_c d_ic                         (the residual band b answers to)
    ∂E/∂h_ip  = a_p · R_{i b(p)}                              (backprop)
    ∂E/∂a_j   = Σ_{(i, p) : unit j} h_ip R_{i b(p)}             (decoder)
    ∂E/∂p_j   = Σ_{(i, p) : unit j} ∂E/∂z_ip (x_i − b′)         (encoder)
    ∂E/∂b′    = Σ_i R_i0

so each position is decoded, back-propagated and scattered once, whatever
the number of codes: the step costs the encoder product plus about four
B·m·n_features sums, m the support's width, where the readable version
spends several full B·n_hidden·n_features products per code. AuxK's dead
latents are a support of their own, reconstructing the residual x − x̂.
"""
__all__ = ["active_units", "decode_bands", "smallest_kept", "sparse_recipe_loss_and_grads"]

import numpy as np
import scipy.sparse

from ..backend import get_array_module
from .sparse_step import (
    _atoms,
    _dense_codes,
    _layout_like,
    _sparse_module,
    scatter_rows,
    unit_sums,
)
from .topk_codes import bands, dead_codes

# Each row's atoms are gathered a few rows at a time: about this many bytes (half
# the L3 cache share of a core) measured fastest for supports 25 to 100 wide.
_GATHER_BYTES = 1 << 21


def _band_slices(L, band):
    """For each band j: the positions [lo, hi) it may hold in these rows, and the mask of
    those that are in it there (None when all are: fixed lengths need no masking).

    L : lengths, shape (n_rows, n_codes); band : shape (n_rows, m).
    """
    slices = []
    for j in range(L.shape[1]):
        lo = int(L[:, j - 1].min()) if j else 0
        hi = max(lo, int(L[:, j].max()))
        whole = (int(L[:, j - 1].max()) <= lo if j else True) and int(L[:, j].min()) >= hi
        slices.append((lo, hi, None if whole else band[:, lo:hi] == j))
    return slices


def _in_band(values, mask):
    """``values`` zeroed where ``mask`` is False; ``values`` itself when there is no mask."""
    return values if mask is None else get_array_module(values).where(mask, values, 0)


def decode_bands(codes, band, atoms, X, bias):
    """Every code's x̂ − x, the residuals R and ∂E/∂h, gathering each row's atoms once.

    Parameters
    ----------
    codes : Codes
        ``idx``, ``h`` of shape (n_samples, m); ``lengths`` (n_samples, n_codes).
    band : int array, shape (n_samples, m)
        :func:`ksparse.fast.topk_codes.bands`.
    atoms : array, shape (n_hidden, n_features)
    X : array, shape (n_samples, n_features)
        The target of every code.
    bias : array, shape (n_features,), or 0

    Returns
    -------
    diff : array, shape (n_samples, n_codes, n_features)
        x̂_c − x.
    R : array, shape (n_samples, n_codes, n_features)
        R_b = 2/B Σ_{c ≥ b} β_c (x̂_c − x).
    dh : array, shape (n_samples, m)
        ∂E/∂h at each position (0 on padding).
    """
    xp = get_array_module(atoms)
    (n_samples, m), n_codes = codes.h.shape, codes.lengths.shape[1]
    diff = xp.empty((n_samples, n_codes, X.shape[1]), dtype=codes.h.dtype)
    R, dh = xp.empty_like(diff), xp.empty_like(codes.h)
    beta = [w * 2.0 / n_samples for w in codes.weights]  # 2/B β_c
    for rows in _row_blocks(codes.lengths[:, -1], max(8, _GATHER_BYTES // atoms[:m].nbytes)):
        diff[rows], R[rows], dh[rows] = _decode_block(
            codes.idx[rows], codes.h[rows], codes.lengths[rows], band[rows], atoms, X[rows],
            bias, beta)
    return diff, R, dh


def _row_blocks(widths, step):
    """Rows in blocks of ``step``; rows of unequal widths sorted by width first, so a block
    gathers little padding. One block on CuPy."""
    xp = get_array_module(widths)
    n_samples = widths.shape[0]
    if xp is not np:
        return [slice(None)]
    if widths.min() == widths.max():
        return [slice(start, start + step) for start in range(0, n_samples, step)]
    order = np.argsort(widths, kind="stable")  # (n_samples,)
    return [order[start:start + step] for start in range(0, n_samples, step)]


def _decode_block(idx, h, L, band, atoms, X, bias, beta):
    """:func:`decode_bands` on a block of rows: (diff, R, dh) for those rows."""
    xp = get_array_module(atoms)
    n_codes = L.shape[1]
    A = atoms[idx[:, : int(L[:, -1].max())]]  # (rows, width in use, n_features)
    slices = _band_slices(L, band)  # the same masks serve the decode and the backprop
    diff = xp.empty((X.shape[0], n_codes, X.shape[1]), dtype=h.dtype)
    y = bias - X  # (rows, n_features): x̂ − x before any atom
    for j, (lo, hi, mask) in enumerate(slices):  # decode: each band adds to the codes holding it
        h_j = _in_band(h[:, lo:hi], mask)  # (rows, hi − lo)
        y = y + (h_j[:, None, :] @ A[:, lo:hi])[:, 0]
        diff[:, j] = y
    R = xp.empty_like(diff)  # R_b = Σ_{c ≥ b} 2/B β_c d_c, summed from the largest code down
    R[:, -1] = diff[:, -1] * beta[-1]
    for j in range(n_codes - 2, -1, -1):
        R[:, j] = R[:, j + 1] + diff[:, j] * beta[j]
    dh = xp.zeros_like(h)  # (rows, m)
    for j, (lo, hi, mask) in enumerate(slices):  # backprop: each position answers to its R_b
        g = (A[:, lo:hi] @ R[:, j, :, None])[:, :, 0]  # (rows, hi − lo)
        dh[:, lo:hi] += _in_band(g, mask)
    return diff, R, dh


def _scatter_bands(codes, band, R, n_hidden):
    """The decoder gradient in atom rows, shape (n_hidden, n_features).

    ∂E/∂a_j = Σ over the positions (i, p) holding unit j of h_ip R_{i b(p)}.
    """
    xp = get_array_module(R)
    n_samples, n_codes, n_features = R.shape
    if _sparse_module(xp) is None:  # CuPy: one dense product per band, summed in a fixed order
        return sum(_dense_codes(codes.idx, xp.where(band == j, codes.h, 0), n_hidden).T @ R[:, j]
                   for j in range(n_codes))
    # Column (i, b) of Zᵀ holds row i's positions in band b: in row-major order the
    # positions already come grouped by row, then by band.
    counts = xp.diff(codes.lengths, axis=1, prepend=0)  # (n_samples, n_codes)
    indptr = np.concatenate([[0], np.cumsum(counts.ravel())])  # (n_samples · n_codes + 1,)
    used = band < n_codes  # (n_samples, m)
    Z_T = scipy.sparse.csc_matrix((codes.h[used], codes.idx[used], indptr),
                                  shape=(n_hidden, n_samples * n_codes))
    return Z_T @ R.reshape(n_samples * n_codes, n_features)


def _codes_pass(codes, atoms, X, bias):
    """Loss, dWᵀ, ∂E/∂h on the support, x̂ − x per code and ∂E/∂b′ of one set of codes."""
    xp = get_array_module(atoms)
    band = bands(codes.lengths, codes.idx.shape[1])  # (n_samples, m)
    diff, R, dh = decode_bands(codes, band, atoms, X, bias)
    w = xp.asarray(codes.weights, dtype=diff.dtype)  # (n_codes,)
    loss = ((diff * diff).sum(axis=(0, 2)) * w).sum() / X.shape[0]
    dW_T = _scatter_bands(codes, band, R, atoms.shape[0])  # (n_hidden, n_features)
    return loss, dW_T, dh, diff, R[:, 0].sum(axis=0)


def sparse_recipe_loss_and_grads(params, X, code, dead, aux_k, aux_weight, pre_bias=True):
    """One step of the TopK recipe, touching only the kept units after the encoder product.

    Parameters
    ----------
    params, X, dead, aux_k, aux_weight, pre_bias
        As for :func:`ksparse.models.topk.recipe_loss_and_grads`.
    code : callable
        ``code(z)`` returns the step's :class:`~ksparse.fast.topk_codes.Codes`
        (:func:`~ksparse.fast.topk_codes.topk_codes`,
        :func:`~ksparse.fast.topk_codes.batch_topk_codes`).

    Returns
    -------
    loss : 0-d array
    grads : dict of arrays
        As :func:`ksparse.models.topk.recipe_loss_and_grads`'s; ``grads["W"]``
        in W's memory order, not yet projected.
    codes : Codes
    """
    W, P, b, b_prime = params["W"], params["P"], params["b"], params["b_prime"]
    n_hidden = W.shape[1]
    X_in = X - b_prime if pre_bias else X  # (n_samples, n_features)
    z = X_in @ P.T + b  # (n_samples, n_hidden): the one full-size product
    codes, atoms = code(z), _atoms(W)  # atoms: (n_hidden, n_features)
    loss, dW_T, dh, diff, db_prime = _codes_pass(codes, atoms, X, b_prime)
    dz = dh * codes.passes  # (n_samples, m): ∂E/∂z, where h = ReLU(z) passes it
    widths = codes.lengths[:, -1]  # (n_samples,): positions in use, the rest padding
    dP = scatter_rows(codes.idx, dz, X_in, n_hidden, widths)  # (n_hidden, n_features)
    db = unit_sums(codes.idx, dz, n_hidden)  # (n_hidden,)
    aux = dead_codes(z, dead, aux_k, aux_weight) if aux_weight > 0 else None
    if aux is not None:  # the residual x − x̂ is a fixed target: no gradient flows into it
        aux_loss, aux_dW_T, aux_dh, _, _ = _codes_pass(aux, atoms, -diff[:, codes.main], 0)
        aux_dz = aux_dh * aux.passes  # (n_samples, aux_k)
        loss = loss + aux_loss
        dW_T += aux_dW_T
        dP += scatter_rows(aux.idx, aux_dz, X_in, n_hidden)
        db += unit_sums(aux.idx, aux_dz, n_hidden)
    db = db.astype(b.dtype, copy=False)
    if pre_bias:  # b′ also shifts the encoder's input: ∂E/∂b′ −= Σ_i ∂E/∂z_i P
        db_prime = db_prime - db @ P
    grads = {"W": _layout_like(dW_T, W), "P": dP, "b": db, "b_prime": db_prime}
    return loss, grads, codes


def _main_passes(codes):
    """Where the main code keeps a positive value, shape (n_samples, m) bool."""
    xp = get_array_module(codes.h)
    inside = xp.arange(codes.idx.shape[1]) < codes.lengths[:, codes.main, None]  # (n_samples, m)
    return codes.passes & inside


def active_units(codes, n_hidden):
    """Units the main code keeps with a positive value in some row, shape (n_hidden,) bool."""
    return unit_sums(codes.idx, _main_passes(codes).astype(codes.h.dtype), n_hidden) > 0


def smallest_kept(codes):
    """t = the smallest positive activity the main code keeps, 0-d; NaN when none."""
    xp = get_array_module(codes.h)
    smallest = xp.where(_main_passes(codes), codes.h, xp.inf).min()  # 0-d
    return xp.where(xp.isinf(smallest), xp.nan, smallest)
