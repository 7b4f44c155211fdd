"""The KL sparsity penalty of the classic sparse autoencoder.

With ρ̂_j the mean activation of hidden unit j over the batch, the penalty
λ Σ_j KL(ρ ‖ ρ̂_j) pulls every unit's average activity towards a small
target ρ (e.g. 0.05), so each unit is active on few examples — sparsity on
average, where the k-sparse autoencoder enforces it exactly per example.

The divergence is defined for ρ̂ in (0, 1), where sigmoid units stay. ReLU
units can leave it, so the penalty is extended outside (see
:func:`kl_penalty`): below ε = :data:`RHO_EPS` and above
u = 1 − δ(1 − ρ), δ = :data:`RHO_DELTA`, the divergence continues as its
tangent lines at ε and at u; the slope above u is bounded. The target ρ is
at most :data:`RHO_MAX` = 1 − ε/δ, so that ρ < u < 1 in float32 too.
"""
__all__ = ["kl_penalty", "kl_penalty_backward", "RHO_DELTA", "RHO_EPS", "RHO_MAX"]

from ..backend import get_array_module
from ..validation import check_real

#: Below ε the penalty is linear in ρ̂ (its tangent line at ε), so that log ρ̂ stays finite.
RHO_EPS = 1e-6
#: Above u = 1 − δ(1 − ρ) the penalty is linear in ρ̂, with slope in (0, λ/δ).
RHO_DELTA = 0.01
#: The largest target ρ, 1 − ε/δ: there u = 1 − ε, which float32 still holds below 1 and above ρ.
RHO_MAX = 1.0 - RHO_EPS / RHO_DELTA


def _mean_activity(H, rho):
    """ρ̂ of every unit held in [ε, u], and how far the batch mean lies beyond (0 inside).

    Returns
    -------
    rho_hat, offset : arrays, shape (n_hidden,)
        offset = mean − ρ̂: < 0 below ε, > 0 above u.
    """
    # ρ ≤ 1 − ε/δ keeps u > ρ, so that the slope at u is > 0; closer to 1 the
    # tangent line at u would fall without bound (u = 1 − ε < ρ, or ρ̂ rounded below ρ).
    rho = check_real(rho, "rho", 0.0, RHO_MAX, low_open=True)
    xp = get_array_module(H)
    mean = H.mean(axis=0)  # (n_hidden,)
    # min(·, 1 − ε): 1 − ε at ρ = 1 − ε/δ, where 1 − δ(1 − ρ) may round just above it
    upper = min(1.0 - RHO_DELTA * (1.0 - rho), 1.0 - RHO_EPS)
    rho_hat = xp.clip(mean, RHO_EPS, upper)  # (n_hidden,)
    return rho_hat, mean - rho_hat  # (n_hidden,) twice


def _slope(rho_hat, rho):
    """∂KL(ρ ‖ ρ̂)/∂ρ̂ = −ρ/ρ̂ + (1 − ρ)/(1 − ρ̂)."""
    return -rho / rho_hat + (1.0 - rho) / (1.0 - rho_hat)


def kl_penalty(H, rho, weight):
    """λ Σ_j KL(ρ ‖ ρ̂_j) with ρ̂_j the batch mean of column j of H.

    Parameters
    ----------
    H : array, shape (n_samples, n_hidden)
        Hidden activities, expected in [0, 1] (sigmoid units). ReLU units
        can have ρ̂ outside (0, 1), where the divergence is undefined; the
        penalty is then extended as the Notes say, and stays finite.
    rho : float in (0, :data:`RHO_MAX`], RHO_MAX = 1 − 1e-4
        Target mean activation ρ.
    weight : float
        λ.

    Returns
    -------
    penalty : 0-d array

    Notes
    -----
    .. math::

        \\mathrm{KL}(\\rho\\,\\|\\,\\hat\\rho_j) =
            \\rho \\log\\frac{\\rho}{\\hat\\rho_j}
            + (1 - \\rho) \\log\\frac{1 - \\rho}{1 - \\hat\\rho_j}
        \\quad\\text{for } \\epsilon \\le \\hat\\rho_j \\le u = 1 - \\delta (1 - \\rho)

    Below ε = 1e-6 it is the tangent line KL(ρ ‖ ε) + KL′(ε) (ρ̂_j − ε),
    whose slope KL′(ε) ≈ −ρ/ε is the gradient :func:`kl_penalty_backward`
    gives there (at ρ̂_j = 0 it is about KL(ρ ‖ ε) + ρ). Above u it is the
    tangent line KL(ρ ‖ u) + KL′(u) (ρ̂_j − u), with KL′(u) =
    (1 − ρ)/(1 − u) − ρ/u = 1/δ − ρ/u, 0 < KL′(u) < 1/δ (δ = 0.01; u is
    capped at 1 − ε against rounding at ρ = 1 − ε/δ): an over-active unit is
    pushed down by at most λ/δ, where the divergence's own slope grows
    without bound as ρ̂ → 1 (one step of momentum SGD could then drive a
    ReLU unit's bias so low that it never fires again). The penalty is
    smooth (its gradient continuous) everywhere.

    Raises
    ------
    ValueError
        When ``rho`` is not in (0, 1 − 1e-4]: closer to 1, u cannot be kept
        between ρ and 1 in float32, and the tangent line above u would fall
        without bound.
    """
    xp = get_array_module(H)
    rho_hat, offset = _mean_activity(H, rho)  # (n_hidden,) twice
    kl = rho * xp.log(rho / rho_hat) + (1.0 - rho) * xp.log((1.0 - rho) / (1.0 - rho_hat))
    kl = kl + _slope(rho_hat, rho) * offset  # adds exactly 0 for every ρ̂ in [ε, u]
    return weight * kl.sum()


def kl_penalty_backward(H, rho, weight):
    """∂/∂H of :func:`kl_penalty`: every row of column j gets λ/B · KL′(ρ̂_j).

    KL′(ρ̂) = −ρ/ρ̂ + (1−ρ)/(1−ρ̂), taken at ε below ε and at
    u = 1 − δ(1 − ρ) above u, the slopes of the tangent lines there (see
    :func:`kl_penalty`), so it is below λ/(δB) per entry.

    Returns
    -------
    dH : array, shape (n_samples, n_hidden)
    """
    xp = get_array_module(H)
    rho_hat = _mean_activity(H, rho)[0]  # (n_hidden,)
    d_rho_hat = weight * _slope(rho_hat, rho)  # (n_hidden,)
    return xp.broadcast_to(d_rho_hat / H.shape[0], H.shape).astype(H.dtype)
