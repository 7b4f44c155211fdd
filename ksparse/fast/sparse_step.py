"""Sparse-aware forward and backward pass of the k-sparse autoencoder (paper §2.2 and §3.2).

:func:`sparse_loss_and_grads` returns what :func:`ksparse.models.k_sparse.loss_and_grads`
returns, to float rounding, but only the encoder product ``z = X W`` touches
every hidden unit: top-k needs all of Wᵀx. After the selection Γ = supp_k(z)
each row has k units, and every later quantity is a sum over those units only.
With w_h the h-th atom (column h of W) and B rows in the batch,

    x̂_i      = Σ_{h∈Γ_i} z_ih w_h + b′                              (decode)
    δ_ih     = 2/B (x̂_i − x_i) · w_h          for h ∈ Γ_i            (backprop)
    ∂E/∂w_h  = Σ_{i : h∈Γ_i} 2/B z_ih (x̂_i − x_i) + δ_ih x_i         (tied weights)

Each costs B·k·n_features multiply-adds where the dense step spends
B·n_hidden·n_features: 40 times fewer with k = 25 of 1000 units.

All three sums read or write whole atoms, so they run on Wᵀ, whose rows are
the atoms. When W is Fortran-ordered (``np.asfortranarray``; same values,
atoms contiguous in memory) Wᵀ is a free view and the gradient of W comes
back in the same order, which the optimizer's in-place update needs to be
fast; a C-ordered W works too, at the cost of two transposed copies a step.

On NumPy the gradient sums are SciPy sparse products; on CuPy, where dense
products are cheap, the selected activities are scattered into a dense
matrix for one cuBLAS product, so the function runs unchanged on either
backend and stays deterministic.

On NumPy X may also be a SciPy CSR matrix (bag-of-words, one-hot data):
the encoder product is then sparse × dense, the encoder's gradient a
product of two sparse matrices, and X is densified only a few rows at a
time, where the decoder compares x̂ with x.
"""
__all__ = ["decode_and_backprop", "scatter_rows", "sparse_loss_and_grads", "unit_sums"]

import numpy as np
import scipy.sparse

from ..backend import get_array_module, waits_for_device
from ..nn.supp_k import topk_support

# The decoder gathers the k atoms of a few rows at a time; about this many bytes
# keeps the gathered block in a core's L2 cache on the CPU.
_CPU_GATHER_BYTES = 1 << 20


def _sparse_module(xp):
    """scipy.sparse for NumPy arrays; None for CuPy (dense products instead)."""
    return scipy.sparse if xp is np else None


def _dense_rows(X, rows):
    """X[rows] as a dense array (X dense, or CSR on the CPU)."""
    block = X[rows]
    return block.toarray() if scipy.sparse.issparse(block) else block


def decode_and_backprop(idx, z_top, atoms, X, b_prime):
    """Decode from the k selected atoms of each row and project the error back on them.

    The atoms of a row are gathered once and used twice: for x̂ and for δ.

    Parameters
    ----------
    idx : int array, shape (n_samples, k)
        Selected units Γ of each row.
    z_top : array, shape (n_samples, k)
        Their activities z_Γ.
    atoms : array, shape (n_hidden, n_features)
        Wᵀ, one atom per row.
    X : array or CSR matrix, shape (n_samples, n_features)
        Reconstruction targets (a CSR matrix is densified a few rows at a time).
    b_prime : array, shape (n_features,)

    Returns
    -------
    diff : array, shape (n_samples, n_features)
        x̂ − x.
    dz_top : array, shape (n_samples, k)
        δ_Γ = ∂E/∂z at the selected units, E the batch-mean squared error.
    """
    xp = get_array_module(atoms)
    n_samples, k = idx.shape
    scale = 2.0 / n_samples  # ∂E/∂x̂ = 2 (x̂ − x) / n_samples
    diff = xp.empty(X.shape, dtype=z_top.dtype)  # (n_samples, n_features)
    dz_top = xp.empty_like(z_top)  # (n_samples, k)
    step = n_samples if xp is not np else max(1, _CPU_GATHER_BYTES // atoms[:k].nbytes)
    for start in range(0, n_samples, step):
        rows = slice(start, start + step)
        A = atoms[idx[rows]]  # (rows, k, n_features)
        x_hat = (z_top[rows, None, :] @ A)[:, 0, :] + b_prime  # (rows, n_features)
        d = x_hat - _dense_rows(X, rows)  # (rows, n_features)
        diff[rows] = d
        dz_top[rows] = (A @ (d * scale)[:, :, None])[:, :, 0]  # (rows, k)
    return diff, dz_top


def scatter_rows(idx, weights, rows, n_hidden, lengths=None):
    """Sum weighted data rows into the units they selected: a sparse Zᵀ R product.

    Parameters
    ----------
    idx : int array, shape (n_rows, k)
        Unit indices, k distinct ones per data row.
    weights : array, shape (n_rows, k)
    rows : array, shape (n_rows, n_features)
        Or, on the CPU, a CSR matrix.
    n_hidden : int
    lengths : int array, shape (n_rows,), or None
        Row i uses only its first ``lengths[i]`` entries, the rest being
        padding with weight 0 (BatchTopK's unequal rows), which the CPU skips.

    Returns
    -------
    out : array, shape (n_hidden, n_features)
        ``out[h] = Σ_{(i, j) : idx[i, j] = h} weights[i, j] * rows[i]``.
    """
    xp = get_array_module(rows)
    n_rows, k = idx.shape
    sparse = _sparse_module(xp)
    if sparse is not None:
        # Zᵀ in compressed-column form: column i holds the units of data row i,
        # so the arrays come straight from idx and weights, with no sorting.
        if lengths is None or lengths.min() == k:
            indptr = np.arange(0, n_rows * k + 1, k)  # (n_rows + 1,)
            units, weights = idx.ravel(), weights.ravel()
        else:  # padding left out: skipping a zero term changes no sum
            indptr = np.concatenate([[0], np.cumsum(lengths)])  # (n_rows + 1,)
            used = np.arange(k) < lengths[:, None]  # (n_rows, k)
            units, weights = idx[used], weights[used]
        Z_T = sparse.csc_matrix((weights, units, indptr), shape=(n_hidden, n_rows))
        out = Z_T @ rows  # (n_hidden, n_features); sparse × sparse for CSR rows
        return out.toarray() if sparse.issparse(out) else out
    # Elsewhere (CuPy): one matrix product with the dense Z does the sums in a
    # fixed order (atomic scatter-adds would make the rounding vary between runs).
    return _dense_codes(idx, weights.astype(rows.dtype, copy=False), n_hidden).T @ rows


def _dense_codes(idx, weights, n_hidden):
    """Z with ``Z[i, idx[i, j]] = weights[i, j]`` and zeros elsewhere, shape (n_rows, n_hidden).

    A row's units with a non-zero weight must be distinct; a unit may repeat
    with weight 0 (BatchTopK pads short rows with unit 0 and h = 0).
    """
    xp = get_array_module(weights)
    n_rows = idx.shape[0]
    # Writes to one entry collide, and which one lands is unspecified (the last
    # on NumPy, any on a GPU): a zero written after a kept unit 0 would erase
    # it. So zeros go to a spare column that is dropped.
    target = xp.where(weights != 0, idx, n_hidden)  # (n_rows, k)
    Z = xp.zeros((n_rows, n_hidden + 1), dtype=weights.dtype)  # (n_rows, n_hidden + 1)
    Z[xp.arange(n_rows)[:, None], target] = weights
    return Z[:, :n_hidden]


def unit_sums(idx, weights, n_hidden):
    """The weights summed per unit: ``out[h] = Σ_{(i, j) : idx[i, j] = h} weights[i, j]``.

    Parameters
    ----------
    idx : int array, shape (n_rows, k)
    weights : array, shape (n_rows, k)
    n_hidden : int

    Returns
    -------
    out : array, shape (n_hidden,)
    """
    xp = get_array_module(weights)
    if not waits_for_device(xp):
        return xp.bincount(idx.ravel(), weights=weights.ravel(), minlength=n_hidden)
    # CuPy's bincount reads the largest index on the host; a dense scatter
    # and a column sum need no transfer (and no atomics: a fixed order).
    return _dense_codes(idx, weights, n_hidden).sum(axis=0)


def _atoms(W):
    """Wᵀ as a C-ordered (n_hidden, n_features) array: a view when W is Fortran-ordered."""
    xp = get_array_module(W)
    return xp.ascontiguousarray(W.T)


def _layout_like(G_T, W):
    """G from Gᵀ, in the memory order of W (the optimizer updates W in place with G)."""
    xp = get_array_module(W)
    return G_T.T if W.flags.f_contiguous else xp.ascontiguousarray(G_T.T)


def sparse_loss_and_grads(params, X, k, pre_bias=False, target=None):
    """One forward and backward pass, touching only the k selected units after encoding.

    Takes and returns what :func:`ksparse.models.k_sparse.loss_and_grads`
    does, but for two things: X (and ``target``) may also be a SciPy CSR
    matrix, on the CPU and without the pre-bias; and ``grads["W"]`` comes in
    W's memory order.

    Notes
    -----
    The same quantities as :func:`ksparse.models.k_sparse.loss_and_grads`, summed
    in a different order, so they agree to float rounding, not bitwise.
    """
    xp = get_array_module(X)
    W, b, b_prime, P = params["W"], params["b"], params["b_prime"], params.get("P")
    n_samples, n_hidden = X.shape[0], W.shape[1]
    W_enc = W if P is None else P.T  # (n_features, n_hidden)
    X_in = X - b_prime if pre_bias else X  # (n_samples, n_features)
    z = X_in @ W_enc + b  # (n_samples, n_hidden): the one full-size product
    idx, mask = topk_support(z, k)  # (n_samples, k), (n_samples, n_hidden)
    z_top = xp.take_along_axis(z, idx, axis=1)  # (n_samples, k)

    atoms = _atoms(W)  # (n_hidden, n_features)
    T = X if target is None else target  # (n_samples, n_features)
    diff, dz_top = decode_and_backprop(idx, z_top, atoms, T, b_prime)
    loss = (diff * diff).sum() / n_samples
    dX_hat = diff * (2.0 / n_samples)  # (n_samples, n_features)
    db = unit_sums(idx, dz_top, n_hidden).astype(b.dtype, copy=False)  # (n_hidden,)
    db_prime = dX_hat.sum(axis=0)  # (n_features,)
    if pre_bias:
        db_prime = db_prime - W_enc @ db  # b′ also shifts the encoder's input
    if P is None and scipy.sparse.issparse(X_in):
        dW_T = (scatter_rows(idx, z_top, dX_hat, n_hidden)  # decoder term
                + scatter_rows(idx, dz_top, X_in, n_hidden))  # encoder term, sparse × sparse
    elif P is None:
        # Decoder and encoder terms of the tied gradient in one sparse product.
        both = xp.concatenate([idx, idx])  # (2 n_samples, k)
        weights = xp.concatenate([z_top, dz_top])  # (2 n_samples, k)
        dW_T = scatter_rows(both, weights, xp.concatenate([dX_hat, X_in]), n_hidden)
    else:
        dW_T = scatter_rows(idx, z_top, dX_hat, n_hidden)  # (n_hidden, n_features)
    grads = {"W": _layout_like(dW_T, W), "b": db, "b_prime": db_prime}  # W: (n_features, n_hidden)
    if P is not None:
        grads["P"] = scatter_rows(idx, dz_top, X_in, n_hidden)  # (n_hidden, n_features)
    return loss, grads, mask
