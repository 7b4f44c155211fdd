"""Iterative thresholding with inversion (ITI), batched over many signals (paper §3.1, Eqs. 2–3).

Starting from z⁰ = 0, ITI alternates

1. support estimation, Γ = supp_k(zⁿ + Wᵀ(x − W zⁿ))   (Eq. 2), and
2. inversion, z_Γ = W_Γ† x, z_Γᶜ = 0                      (Eq. 3),

until the support stops changing. Its first support estimate is
supp_k(Wᵀx), which is exactly what the encoder of a (tied-weight) k-sparse
autoencoder computes (§3.2). Each signal stops on its own: the batch keeps
iterating only on the signals that have not converged.
"""
from ..backend import get_array_module
from ..nn.supp_k import topk_indices
from ._checks import check_iteration
from .lstsq import scatter_codes, solve_on_support
from .result import PursuitHistory, PursuitResult

__all__ = ["iti"]


def iti(X, W, k, *, max_iter=50, tol=1e-10, signed=True, support0=None, return_history=False):
    r"""Recover k-sparse codes of the rows of X by iterative thresholding with inversion.

    Parameters
    ----------
    X : array, shape (n_signals, n_features)
        Signals as rows.
    W : array, shape (n_features, n_atoms)
        Dictionary, atoms as columns, preferably of unit norm: the support
        step compares coefficients on Γ with correlations off Γ, which scale
        oppositely with an atom's norm, and with large or very unequal norms
        ITI can cycle between supports instead of converging.
    k : int
        Support size, 1 <= k <= n_atoms.
    max_iter : int, default 50
        Most inversion steps per signal.
    tol : float, default 1e-10
        A signal also stops once ‖x − W z‖₂ <= tol · ‖x‖₂.
    signed : bool, default True
        Rank candidates by magnitude, ``supp_k(|·|)``, for codes of either sign.
        ``False`` ranks by value, supp_k(·), as the k-sparse autoencoder does,
        which suits non-negative codes.
    support0 : bool array, shape (n_signals, n_atoms), optional
        First support, with exactly k True per row, used instead of
        supp_k(Wᵀx); e.g. the support the autoencoder's encoder picked.
    return_history : bool, default False
        Record the support and residual after every step.

    Returns
    -------
    result : PursuitResult
        ``n_iter`` counts inversion steps; ``converged`` is True where the
        support reached a fixed point (or the residual fell below ``tol``).

    Notes
    -----
    .. math::

        \Gamma^{n+1} = \mathrm{supp}_k\!\left(z^n + W^\top (x - W z^n)\right),
        \qquad
        z^{n+1}_{\Gamma^{n+1}} = W_{\Gamma^{n+1}}^{\dagger} x,
        \qquad
        z^{n+1}_{(\Gamma^{n+1})^c} = 0.

    After an exact inversion the residual is orthogonal to the atoms of Γ, so
    the support-estimation vector equals zⁿ on Γ and Wᵀ(x − W zⁿ) off Γ. When
    Γ^{n+1} = Γⁿ the next inversion would return zⁿ again: a fixed point, which
    is the stopping rule. Ties in supp_k go to the lower atom index.
    """
    X, W, k, max_iter, tol, signed, return_history = check_iteration(
        X, W, k, max_iter, tol, signed, return_history)
    if support0 is not None:
        support0 = _check_support0(support0, X, W, k)
    return _iti(X, W, k, max_iter, tol, signed, support0, return_history)


def _check_support0(support0, X, W, k):
    xp = get_array_module(X)
    expected = (X.shape[0], W.shape[1])
    if getattr(support0, "shape", None) != expected or getattr(support0, "dtype", None) != bool:
        raise ValueError(f"support0 must be a bool array of shape {expected}.")
    if get_array_module(support0) is not xp:
        raise TypeError("support0 must live on the same backend as X.")
    if not bool((support0.sum(axis=1) == k).all()):
        raise ValueError(f"support0 must have exactly k={k} True entries in every row.")
    return support0


def _scores(G, signed):
    """What supp_k ranks: magnitudes for signed codes, values otherwise."""
    xp = get_array_module(G)
    return xp.abs(G) if signed else G


def _iti(X, W, k, max_iter, tol, signed, support0, return_history):
    xp = get_array_module(X)
    n_signals, n_atoms = X.shape[0], W.shape[1]
    if support0 is None:
        idx = topk_indices(_scores(X @ W, signed), k)  # (n_signals, k), Γ¹ from z⁰ = 0
    else:
        idx = xp.nonzero(support0)[1].reshape(n_signals, k)  # (n_signals, k)
    final_idx = idx.copy()  # (n_signals, k), support of the codes returned
    codes = xp.zeros((n_signals, n_atoms), dtype=X.dtype)  # (n_signals, n_atoms)
    residual = xp.zeros(n_signals, dtype=X.dtype)  # (n_signals,)
    n_iter = xp.zeros(n_signals, dtype=xp.int64)  # (n_signals,)
    converged = xp.zeros(n_signals, dtype=bool)  # (n_signals,)
    x_norm = xp.linalg.norm(X, axis=1)  # (n_signals,)
    active = xp.arange(n_signals)  # signals still iterating
    supports, residuals = [], []
    for it in range(1, max_iter + 1):
        Xa, ia = X[active], idx[active]  # (n_active, n_features), (n_active, k)
        Za = scatter_codes(solve_on_support(Xa, W, ia), ia, n_atoms)  # (n_active, n_atoms)
        Ra = Xa - Za @ W.T  # (n_active, n_features)
        ra = xp.linalg.norm(Ra, axis=1)  # (n_active,)
        codes[active], residual[active], n_iter[active], final_idx[active] = Za, ra, it, ia
        if return_history:
            supports.append(final_idx.copy())
            residuals.append(residual.copy())
        new = topk_indices(_scores(Za + Ra @ W, signed), k)  # (n_active, k), Eq. 2
        done = (new == ia).all(axis=1) | (ra <= tol * x_norm[active])  # (n_active,)
        converged[active[done]] = True
        idx[active[~done]] = new[~done]
        active = active[~done]
        if active.size == 0:
            break
    return _result(codes, final_idx, n_iter, converged, residual, supports, residuals, return_history)


def _result(codes, idx, n_iter, converged, residual, supports, residuals, return_history):
    """Pack the final state (and optional history) into a PursuitResult."""
    xp = get_array_module(codes)
    support = xp.zeros(codes.shape, dtype=bool)  # (n_signals, n_atoms)
    support[xp.arange(codes.shape[0])[:, None], idx] = True
    history = None
    if return_history:
        history = PursuitHistory(xp.stack(supports), xp.stack(residuals))
    return PursuitResult(codes, support, n_iter, converged, residual, history)
