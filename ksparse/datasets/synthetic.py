"""Synthetic k-sparse signals x = W z with controlled magnitudes (for paper §3.3, Theorem 3.1).

Each code z has exactly k non-zeros on a uniformly random support. Its
magnitudes are scaled so that the largest is 1 and the smallest is a chosen
ratio ρ = z_k / z₁; the k − 2 others are uniform in [ρ, 1]. Controlling ρ
controls where a signal falls relative to Theorem 3.1's condition
k μ ≤ z_k / (2 z₁). All random numbers are drawn on the host with NumPy, so a
seed gives the same signals on either backend.
"""
import numbers

import numpy as np

from ..backend import default_rng, get_array_module, to_device

__all__ = ["make_sparse_signals"]


def make_sparse_signals(n_signals, W, k, *, ratio=(0.1, 1.0), signed=False, random_state=None):
    """Draw k-sparse codes Z and the signals X = Z Wᵀ they synthesize.

    Parameters
    ----------
    n_signals : int
    W : array, shape (n_features, n_atoms)
        Dictionary, atoms as columns (NumPy or CuPy; the output follows it).
    k : int
        Non-zeros per code, 1 <= k <= n_atoms.
    ratio : float, (low, high) or array of shape (n_signals,), default (0.1, 1.0)
        ρ = z_k / z₁, the smallest over the largest magnitude, in (0, 1]: one
        value for all, a range drawn uniformly per signal, or one per signal.
        ρ = 1 gives equal magnitudes. Ignored for k = 1.
    signed : bool, default False
        Give each non-zero a random sign; otherwise codes are non-negative.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    X : array, shape (n_signals, n_features)
        Signals as rows, x = W z.
    Z : array, shape (n_signals, n_atoms)
        Codes, exactly k non-zeros per row, largest magnitude 1.
    """
    if isinstance(n_signals, bool) or not isinstance(n_signals, numbers.Integral) or n_signals < 1:
        raise ValueError(f"n_signals must be a positive integer, got {n_signals!r}.")
    if getattr(W, "ndim", None) != 2:
        raise ValueError(f"W must be a 2-D array, got {type(W).__name__}.")
    n_atoms = W.shape[1]
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or not 1 <= k <= n_atoms:
        raise ValueError(f"k must be an integer in [1, {n_atoms}], got {k!r}.")
    rho = _check_ratio(ratio, int(n_signals))
    rng = default_rng(random_state)
    Z = _draw_codes(rng, int(n_signals), n_atoms, int(k), rho, bool(signed))  # (n_signals, n_atoms)
    xp = get_array_module(W)
    Z = to_device(Z, xp).astype(W.dtype if W.dtype.kind == "f" else xp.float64)
    return Z @ W.T, Z  # (n_signals, n_features), (n_signals, n_atoms)


def _check_ratio(ratio, n_signals):
    """Return the ratio specification as a (low, high) pair or a per-signal array."""
    if isinstance(ratio, numbers.Real) and not isinstance(ratio, bool):
        ratio = (float(ratio), float(ratio))
    if isinstance(ratio, tuple) and len(ratio) == 2:
        low, high = (float(r) for r in ratio)
        if not 0.0 < low <= high <= 1.0:
            raise ValueError(f"ratio must satisfy 0 < low <= high <= 1, got {ratio!r}.")
        return (low, high)
    rho = np.asarray(ratio, dtype=float)
    if rho.shape != (n_signals,):
        raise ValueError(f"ratio must be a float, a (low, high) pair or shape ({n_signals},).")
    if not ((rho > 0) & (rho <= 1)).all():
        raise ValueError("every ratio must lie in (0, 1].")
    return rho


def _draw_codes(rng, n_signals, n_atoms, k, rho, signed):
    """Host-side codes: random support, magnitudes with max 1 and min ρ."""
    if isinstance(rho, tuple):
        rho = rng.uniform(rho[0], rho[1], size=n_signals)  # (n_signals,)
    # Magnitudes: one entry at 1, one at ρ, the rest uniform in between; the
    # order on the support is random because the support itself is.
    mags = rho[:, None] + (1.0 - rho[:, None]) * rng.random((n_signals, k))  # (n_signals, k)
    mags[:, 0] = 1.0
    if k > 1:
        mags[:, 1] = rho
    mags = rng.permuted(mags, axis=1)
    if signed:
        mags *= rng.choice(np.array([-1.0, 1.0]), size=(n_signals, k))
    if k == n_atoms:
        support = np.tile(np.arange(n_atoms), (n_signals, 1))  # (n_signals, k)
    else:
        support = np.argpartition(rng.random((n_signals, n_atoms)), k, axis=1)[:, :k]  # (n_signals, k)
    Z = np.zeros((n_signals, n_atoms))  # (n_signals, n_atoms)
    np.put_along_axis(Z, support, mags, axis=1)
    return Z
