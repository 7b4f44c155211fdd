"""The KL sparsity penalty of the classic sparse autoencoder.

With ρ̂_j the mean activation of hidden unit j over the batch, the penalty
λ Σ_j KL(ρ ‖ ρ̂_j) pulls every unit's average activity towards a small
target ρ (e.g. 0.05), so each unit is active on few examples — sparsity on
average, where the k-sparse autoencoder enforces it exactly per example.
"""
__all__ = ["kl_penalty", "kl_penalty_backward", "RHO_EPS"]

from ..backend import get_array_module

#: ρ̂ is kept in [ε, 1 − ε] so that both logarithms stay finite.
RHO_EPS = 1e-6


def _clipped_mean(H):
    xp = get_array_module(H)
    return xp.clip(H.mean(axis=0), RHO_EPS, 1.0 - RHO_EPS)  # (n_hidden,)


def kl_penalty(H, rho, weight):
    """λ Σ_j KL(ρ ‖ ρ̂_j) with ρ̂_j the batch mean of column j of H.

    Parameters
    ----------
    H : array, shape (n_samples, n_hidden)
        Hidden activities, expected in [0, 1] (sigmoid units). For ReLU
        units ρ̂ can leave (0, 1), where the divergence is undefined; ρ̂ is
        clipped to [ε, 1 − ε] (ε = 1e-6) so the value stays finite.
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
    """
    xp = get_array_module(H)
    rho_hat = _clipped_mean(H)  # (n_hidden,)
    kl = rho * xp.log(rho / rho_hat) + (1.0 - rho) * xp.log((1.0 - rho) / (1.0 - rho_hat))
    return weight * kl.sum()


def kl_penalty_backward(H, rho, weight):
    """∂/∂H of :func:`kl_penalty`: every row of column j gets λ/B · (−ρ/ρ̂_j + (1−ρ)/(1−ρ̂_j)).

    Where ρ̂_j was clipped (only possible with activities outside [0, 1])
    this is the gradient at the clipped value, which pushes ρ̂_j back
    inside (0, 1) instead of vanishing.

    Returns
    -------
    dH : array, shape (n_samples, n_hidden)
    """
    xp = get_array_module(H)
    rho_hat = _clipped_mean(H)  # (n_hidden,)
    d_rho_hat = weight * (-rho / rho_hat + (1.0 - rho) / (1.0 - rho_hat))  # (n_hidden,)
    return xp.broadcast_to(d_rho_hat / H.shape[0], H.shape).astype(H.dtype)
