"""Batched least squares restricted to a support: the inversion step of ITI (paper §3.1, equation 3).

For every signal x (a row of X) with its own support Γ of t atoms, solve

    z_Γ = W_Γ† x = argmin_u ‖x − W_Γ u‖₂²

exactly, through a batched thin SVD of the (n_features, t) matrices W_Γ. The
normal-equations form (W_Γᵀ W_Γ)⁻¹ W_Γᵀ x printed in Eq. 3 squares the
condition number and fails outright for a rank-deficient W_Γ (two equal atoms,
common in learned dictionaries); the SVD gives the Moore–Penrose solution,
the minimum-norm least-squares one, in every case.
"""
from ..backend import get_array_module

__all__ = ["solve_on_support", "scatter_codes"]

_CHUNK_ELEMENTS = 2**21  # entries of the gathered W_Γ stack per chunk


def solve_on_support(X, W, idx):
    r"""Least-squares coefficients of each signal on its own support.

    Parameters
    ----------
    X : array, shape (n_signals, n_features)
    W : array, shape (n_features, n_atoms)
    idx : int array, shape (n_signals, t)
        Support of each signal (atom indices).

    Returns
    -------
    coef : array, shape (n_signals, t)
        ``coef[s]`` multiplies the atoms ``W[:, idx[s]]``.

    Notes
    -----
    With the thin SVD :math:`W_\Gamma = U \Sigma V^\top`,

    .. math::

        z_\Gamma = V \Sigma^{+} U^\top x,

    where :math:`\Sigma^{+}` inverts the singular values above
    ``eps · max(n_features, t) · σ_max`` and zeroes the rest, as ``pinv`` does.
    """
    xp = get_array_module(X)
    n_signals, n_features = X.shape
    t = idx.shape[1]
    coef = xp.empty((n_signals, t), dtype=X.dtype)  # (n_signals, t)
    chunk = max(1, _CHUNK_ELEMENTS // (n_features * t))
    Wt = W.T  # (n_atoms, n_features)
    for start in range(0, n_signals, chunk):
        sl = slice(start, start + chunk)
        A = Wt[idx[sl]].transpose(0, 2, 1)  # (c, n_features, t)
        coef[sl] = _pinv_apply(A, X[sl])
    return coef


def _pinv_apply(A, X):
    """W_Γ† x for a stack of matrices A (c, n_features, t) and signals X (c, n_features)."""
    xp = get_array_module(A)
    U, s, Vt = xp.linalg.svd(A, full_matrices=False)  # (c, d, t), (c, t), (c, t, t)
    eps = xp.finfo(A.dtype).eps
    cutoff = eps * max(A.shape[1], A.shape[2]) * s[:, :1]  # (c, 1), s is sorted descending
    safe = xp.where(s > cutoff, s, 1.0)  # (c, t)
    s_inv = xp.where(s > cutoff, 1.0 / safe, 0.0)  # (c, t)
    Utx = (U.transpose(0, 2, 1) @ X[:, :, None])[:, :, 0]  # (c, t)
    return (Vt.transpose(0, 2, 1) @ (s_inv * Utx)[:, :, None])[:, :, 0]  # (c, t)


def scatter_codes(coef, idx, n_atoms):
    """Dense codes Z with ``Z[s, idx[s]] = coef[s]`` and zeros elsewhere.

    Parameters
    ----------
    coef : array, shape (n_signals, t)
    idx : int array, shape (n_signals, t)
    n_atoms : int

    Returns
    -------
    Z : array, shape (n_signals, n_atoms)
    """
    xp = get_array_module(coef)
    n_signals = coef.shape[0]
    Z = xp.zeros((n_signals, n_atoms), dtype=coef.dtype)  # (n_signals, n_atoms)
    rows = xp.arange(n_signals)[:, None]  # (n_signals, 1)
    Z[rows, idx] = coef
    return Z
