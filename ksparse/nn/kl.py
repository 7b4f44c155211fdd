"""The KL sparsity penalty of the classic sparse autoencoder.

With ρ̂_j the mean activation of hidden unit j over the batch, the penalty
λ Σ_j KL(ρ ‖ ρ̂_j) pulls every unit's average activity towards a small
target ρ (e.g. 0.05), so each unit is active on few examples — sparsity on
average, where the k-sparse autoencoder enforces it exactly per example.

The divergence is defined for ρ̂ in (0, 1), where sigmoid units stay. ReLU
units can leave it, so the penalty is extended outside (see
:func:`kl_penalty`): below ε = :data:`RHO_EPS` ρ̂ is clipped, and above
u = min(1 − δ(1 − ρ), 1 − ε), δ = :data:`RHO_DELTA`, the divergence
continues as its tangent line at u, whose slope is bounded.
"""
__all__ = ["kl_penalty", "kl_penalty_backward", "RHO_DELTA", "RHO_EPS"]

from ..backend import get_array_module

#: ρ̂ below ε is taken as ε, so that log ρ̂ stays finite.
RHO_EPS = 1e-6
#: Above u = min(1 − δ(1 − ρ), 1 − ε) the penalty is linear in ρ̂ (slope at most λ/δ
#: when ρ ≤ 1 − ε/δ).
RHO_DELTA = 0.01


def _mean_activity(H, rho):
    """ρ̂ of every unit held in [ε, u], and how far beyond u the batch mean lies (else 0)."""
    xp = get_array_module(H)
    mean = H.mean(axis=0)  # (n_hidden,)
    # u: between ρ and 1, so the slope there is > 0; at most 1 − ε, so that 1 − u
    # stays nonzero in float32 when ρ is within 1e-4 of 1
    upper = min(1.0 - RHO_DELTA * (1.0 - rho), 1.0 - RHO_EPS)
    return xp.clip(mean, RHO_EPS, upper), xp.maximum(mean - upper, 0.0)  # (n_hidden,) twice


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
    rho : float in (0, 1)
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

    Below ε = 1e-6 it is KL(ρ ‖ ε). Above u it is the tangent line
    KL(ρ ‖ u) + KL′(u) (ρ̂_j − u), with KL′(u) = (1 − ρ)/(1 − u) − ρ/u =
    1/δ − ρ/u, 0 < KL′(u) < 1/δ (δ = 0.01; u = 1 − ε only for a target ρ
    within 1e-4 of 1, where 1 − δ(1 − ρ) would round to 1 in float32 and
    make the slope infinite): an over-active unit is pushed
    down by at most λ/δ, where the divergence's own slope grows without
    bound as ρ̂ → 1 (one step of momentum SGD could then drive a ReLU
    unit's bias so low that it never fires again). The penalty is smooth
    (its gradient continuous) everywhere above ε.
    """
    xp = get_array_module(H)
    rho_hat, beyond = _mean_activity(H, rho)  # (n_hidden,) twice
    kl = rho * xp.log(rho / rho_hat) + (1.0 - rho) * xp.log((1.0 - rho) / (1.0 - rho_hat))
    kl = kl + _slope(rho_hat, rho) * beyond  # adds exactly 0 for every ρ̂ up to u
    return weight * kl.sum()


def kl_penalty_backward(H, rho, weight):
    """∂/∂H of :func:`kl_penalty`: every row of column j gets λ/B · KL′(ρ̂_j).

    KL′(ρ̂) = −ρ/ρ̂ + (1−ρ)/(1−ρ̂), taken at ε below ε and at
    u = 1 − δ(1 − ρ) above u (see :func:`kl_penalty`), so it is below
    λ/(δB) per entry.

    Returns
    -------
    dH : array, shape (n_samples, n_hidden)
    """
    xp = get_array_module(H)
    rho_hat = _mean_activity(H, rho)[0]  # (n_hidden,)
    d_rho_hat = weight * _slope(rho_hat, rho)  # (n_hidden,)
    return xp.broadcast_to(d_rho_hat / H.shape[0], H.shape).astype(H.dtype)
