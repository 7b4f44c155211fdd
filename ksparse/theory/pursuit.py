"""Iterative hard thresholding and orthogonal matching pursuit, for comparison with ITI (paper §3.1).

* :func:`iht` — iterative hard thresholding (Blumensath & Davies, 2009): a
  gradient step on ‖x − W z‖² followed by keeping the k largest entries. ITI
  is IHT with the gradient step's values replaced by an exact inversion.
* :func:`omp` — orthogonal matching pursuit: add the atom most correlated
  with the residual, refit all chosen atoms by least squares, k times.
* :func:`matching_pursuit` — plain matching pursuit (Mallat & Zhang, 1993; the
  encoder of Costa et al.'s 2025 sparse autoencoders): add the atom most
  correlated with the residual with that correlation as its coefficient, and
  subtract its contribution, k times, with no refit.

Both run batched over the rows of X and return a :class:`PursuitResult`.
"""
from ..backend import get_array_module
from ..nn.supp_k import topk_mask
from ._checks import (
    check_bool,
    check_iteration,
    check_k,
    check_positive_int,
    check_signals,
    check_tol,
)
from .iti import _result
from .lstsq import scatter_codes, solve_on_support

__all__ = ["iht", "matching_pursuit", "omp"]


def iht(X, W, k, *, step=None, max_iter=500, tol=1e-10, signed=True, return_history=False):
    r"""Iterative hard thresholding, batched over the rows of X.

    Parameters
    ----------
    X : array, shape (n_signals, n_features)
    W : array, shape (n_features, n_atoms)
    k : int
    step : float, optional
        Gradient step size; default 1/‖W‖₂², for which each iteration does
        not increase ‖x − W z‖₂ (Blumensath & Davies' condition).
    max_iter : int, default 500
    tol : float, default 1e-10
        A signal stops when ‖zⁿ⁺¹ − zⁿ‖ <= tol · ‖zⁿ⁺¹‖ or
        ‖x − W zⁿ⁺¹‖ <= tol · ‖x‖.
    signed : bool, default True
        Keep the k entries of largest magnitude. ``False`` projects onto
        non-negative k-sparse vectors instead: the k largest values, with
        negative ones set to zero.
    return_history : bool, default False

    Returns
    -------
    result : PursuitResult

    Notes
    -----
    .. math::

        z^{n+1} = H_k\!\left(z^n + \eta\, W^\top (x - W z^n)\right),
        \qquad z^0 = 0,

    where :math:`H_k` keeps the k largest entries (by magnitude when signed).
    """
    X, W, k, max_iter, tol, signed, return_history = check_iteration(
        X, W, k, max_iter, tol, signed, return_history)
    if step is not None:
        step = check_tol(step, "step")
        if step == 0:
            raise ValueError("step must be > 0.")
    return _iht(X, W, k, step, max_iter, tol, signed, return_history)


def _hard_threshold(G, k, signed):
    """H_k(G) and its support mask, both (n_signals, n_atoms)."""
    xp = get_array_module(G)
    if signed:
        mask = topk_mask(xp.abs(G), k)  # (n_signals, n_atoms)
        return G * mask, mask
    mask = topk_mask(G, k)
    return xp.where(mask, xp.maximum(G, 0.0), 0.0), mask


def _iht(X, W, k, step, max_iter, tol, signed, return_history):
    xp = get_array_module(X)
    n_signals, n_atoms = X.shape[0], W.shape[1]
    if step is None:
        step = 1.0 / float(xp.linalg.svd(W, compute_uv=False)[0]) ** 2
    codes = xp.zeros((n_signals, n_atoms), dtype=X.dtype)  # (n_signals, n_atoms)
    idx = xp.zeros((n_signals, k), dtype=xp.int64)  # (n_signals, k)
    residual = xp.linalg.norm(X, axis=1)  # (n_signals,)
    x_norm = residual.copy()  # (n_signals,)
    n_iter = xp.zeros(n_signals, dtype=xp.int64)
    converged = xp.zeros(n_signals, dtype=bool)
    active = xp.arange(n_signals)
    supports, residuals = [], []
    for it in range(1, max_iter + 1):
        Za, Xa = codes[active], X[active]  # (n_active, n_atoms), (n_active, n_features)
        G = Za + step * ((Xa - Za @ W.T) @ W)  # (n_active, n_atoms), gradient step
        Znew, mask = _hard_threshold(G, k, signed)  # (n_active, n_atoms)
        ra = xp.linalg.norm(Xa - Znew @ W.T, axis=1)  # (n_active,)
        change = xp.linalg.norm(Znew - Za, axis=1)  # (n_active,)
        codes[active], residual[active], n_iter[active] = Znew, ra, it
        idx[active] = xp.nonzero(mask)[1].reshape(-1, k)
        if return_history:
            supports.append(idx.copy())
            residuals.append(residual.copy())
        done = (change <= tol * xp.linalg.norm(Znew, axis=1)) | (ra <= tol * x_norm[active])
        converged[active[done]] = True
        active = active[~done]
        if active.size == 0:
            break
    return _result(codes, idx, n_iter, converged, residual, supports, residuals, return_history)


def omp(X, W, k, *, signed=True, return_history=False):
    r"""Orthogonal matching pursuit with exactly k atoms per signal, batched.

    Parameters
    ----------
    X : array, shape (n_signals, n_features)
    W : array, shape (n_features, n_atoms)
        Atoms should have unit norm, since selection compares raw correlations.
    k : int
    signed : bool, default True
        Select by ``|correlation|``; ``False`` selects by value (for non-negative
        codes). The least-squares refit is unconstrained either way.
    return_history : bool, default False
        History supports are in selection order, padded with -1 for the atoms
        not chosen yet.

    Returns
    -------
    result : PursuitResult
        ``n_iter`` is k and ``converged`` is True for every signal.

    Notes
    -----
    For t = 1, …, k, with r⁰ = x and Γ⁰ = ∅:

    .. math::

        j_t = \arg\max_{j \notin \Gamma^{t-1}} |w_j^\top r^{t-1}|, \quad
        \Gamma^t = \Gamma^{t-1} \cup \{j_t\}, \quad
        z^t_{\Gamma^t} = W_{\Gamma^t}^{\dagger} x, \quad
        r^t = x - W z^t.
    """
    X, W = check_signals(X, W)
    k = check_k(k, W.shape[1])
    signed = check_bool(signed, "signed")
    return_history = check_bool(return_history, "return_history")
    return _omp(X, W, k, signed, return_history)


def _omp(X, W, k, signed, return_history):
    xp = get_array_module(X)
    n_signals, n_atoms = X.shape[0], W.shape[1]
    rows = xp.arange(n_signals)[:, None]  # (n_signals, 1)
    idx = xp.full((n_signals, k), -1, dtype=xp.int64)  # (n_signals, k), selection order
    R = X  # (n_signals, n_features), residual
    supports, residuals = [], []
    for t in range(k):
        C = R @ W  # (n_signals, n_atoms)
        score = xp.abs(C) if signed else C.copy()
        if t:
            score[rows, idx[:, :t]] = -xp.inf  # never pick an atom twice
        idx[:, t] = xp.argmax(score, axis=1)
        codes = scatter_codes(solve_on_support(X, W, idx[:, : t + 1]), idx[:, : t + 1], n_atoms)
        R = X - codes @ W.T  # (n_signals, n_features)
        if return_history:
            supports.append(idx.copy())
            residuals.append(xp.linalg.norm(R, axis=1))
    n_iter = xp.full(n_signals, k, dtype=xp.int64)
    converged = xp.ones(n_signals, dtype=bool)
    residual = xp.linalg.norm(R, axis=1)  # (n_signals,)
    return _result(codes, idx, n_iter, converged, residual, supports, residuals, return_history)


def matching_pursuit(X, W, k, *, signed=True, return_history=False):
    r"""Matching pursuit with k greedy steps per signal, batched.

    Parameters
    ----------
    X : array, shape (n_signals, n_features)
    W : array, shape (n_features, n_atoms)
        Atoms must have unit norm (within 1e-6), or be zero (an unused latent's
        atom, which adds nothing): the step below is the exact line search
        along an atom only then (normalise a learned dictionary first).
    k : int
        Steps (any number >= 1); an atom may be chosen again, so the support
        has at most min(k, n_atoms) atoms.
    signed : bool, default True
        Select by ``|correlation|`` and allow negative coefficients; ``False``
        selects by value, and stops adding to a signal once no atom has a
        positive correlation (non-negative codes, like a ReLU encoder's).
    return_history : bool, default False
        History supports are the chosen atoms in step order, -1 for steps not
        taken yet.

    Returns
    -------
    result : PursuitResult
        ``n_iter`` is the number of steps taken: k, or fewer where
        ``signed=False`` stopped a signal early (its later steps are -1 in
        ``history.supports``); ``converged`` is True for every signal;
        ``support`` marks the atoms with a nonzero coefficient.

    Notes
    -----
    For t = 1, …, k, with r⁰ = x and z⁰ = 0:

    .. math::

        j_t = \arg\max_j |w_j^\top r^{t-1}|, \quad
        z^t = z^{t-1} + (w_{j_t}^\top r^{t-1})\, e_{j_t}, \quad
        r^t = r^{t-1} - (w_{j_t}^\top r^{t-1})\, w_{j_t},

    so ‖rᵗ‖² = ‖rᵗ⁻¹‖² − (w_{j_t}ᵀrᵗ⁻¹)² never increases, and x = W zᵗ + rᵗ
    at every step. Unlike :func:`omp`, earlier coefficients are never refit.
    """
    X, W = check_signals(X, W)
    xp = get_array_module(W)
    norms = xp.linalg.norm(W, axis=0)  # (n_atoms,)
    if not bool(((xp.abs(norms - 1.0) <= 1e-6) | (norms == 0)).all()):
        raise ValueError("W must have unit-norm (or zero) columns: with other norms a step "
                         "could lengthen the residual; normalise it first.")
    k = check_positive_int(k, "k")
    signed = check_bool(signed, "signed")
    return_history = check_bool(return_history, "return_history")
    return _matching_pursuit(X, W, k, signed, return_history)


def _matching_pursuit(X, W, k, signed, return_history):
    xp = get_array_module(X)
    n_signals, n_atoms = X.shape[0], W.shape[1]
    rows = xp.arange(n_signals)  # (n_signals,)
    codes = xp.zeros((n_signals, n_atoms), dtype=X.dtype)  # (n_signals, n_atoms)
    idx = xp.full((n_signals, k), -1, dtype=xp.int64)  # (n_signals, k), step order
    R = X.copy()  # (n_signals, n_features), residual
    taken = xp.ones(n_signals, dtype=bool)  # (n_signals,), still stepping
    n_iter = xp.zeros(n_signals, dtype=xp.int64)  # (n_signals,)
    supports, residuals = [], []
    for t in range(k):
        C = R @ W  # (n_signals, n_atoms)
        j = xp.argmax(xp.abs(C) if signed else C, axis=1)  # (n_signals,)
        c = C[rows, j]  # (n_signals,)
        if not signed:  # no positive correlation left: the step would subtract nothing useful
            c = xp.maximum(c, 0.0)
            taken &= c > 0  # (n_signals,); the residual no longer changes, so it stays stopped
        idx[:, t] = xp.where(taken, j, -1)  # -1: a step not taken
        codes[rows, j] += c
        R -= c[:, None] * W[:, j].T  # (n_signals, n_features)
        n_iter += taken
        if return_history:
            supports.append(idx.copy())
            residuals.append(xp.linalg.norm(R, axis=1))
    converged = xp.ones(n_signals, dtype=bool)
    result = _result(codes, idx, n_iter, converged, xp.linalg.norm(R, axis=1), supports,
                     residuals, return_history)
    result.support = codes != 0  # a repeated atom, or a zero step, leaves fewer than k
    return result
