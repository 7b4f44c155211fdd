"""Slow, obvious reference implementations the checks compare against.

Written separately from :mod:`ksparse.nn.supp_k` and :mod:`ksparse.nn.encoder_decoder`
(full sorts, explicit loops over examples) so that a check does not trust
the code it teaches. Float64, NumPy only. The paper's model (§2.2):
z = Wᵀx + b, Γ = supp_k(z), x̂ = W z_Γ + b′, E = (1/n) Σᵢ ‖xᵢ − x̂ᵢ‖².
"""
import numpy as np

__all__ = ["alpha_k_codes", "b_prime_gradient", "loss", "sparsity_level", "topk_mask",
           "topk_support", "valid_topk"]


def topk_support(z, k):
    """Sorted indices of the k largest entries of each row, by a full stable sort.

    Returns
    -------
    support : int ndarray, shape (n, k)
    """
    order = np.argsort(-np.asarray(z, dtype=np.float64), axis=1, kind="stable")  # (n, h)
    return np.sort(order[:, :k], axis=1)  # (n, k)


def valid_topk(z, mask, k):
    """Whether ``mask`` keeps k entries of each row, none smaller than one left out.

    With ties at the k-th value several masks are valid; this accepts all.
    """
    if mask.sum(axis=1).tolist() != [k] * z.shape[0]:
        return False
    kept = np.where(mask, z, np.inf).min(axis=1)  # (n,)
    dropped = np.where(mask, -np.inf, z).max(axis=1)  # (n,)
    return bool((kept >= dropped).all())


def topk_mask(z, k):
    """Boolean mask of :func:`topk_support`, shape of ``z``."""
    mask = np.zeros(z.shape, dtype=bool)  # (n, h)
    np.put_along_axis(mask, topk_support(z, k), True, axis=1)
    return mask


def alpha_k_codes(X, W, b, k, alpha):
    """h = the round(α·k) largest entries of Wᵀx + b, the rest zero (§2.2)."""
    z = X @ W + b  # (n, h)
    return z * topk_mask(z, int(round(alpha * k)))  # (n, h)


def loss(X, W, b, b_prime, k, pre_bias=False):
    """E = (1/n) Σᵢ ‖xᵢ − x̂ᵢ‖², one example at a time."""
    total = 0.0
    for x in X:
        z = W.T @ (x - b_prime if pre_bias else x) + b  # (h,)
        keep = topk_mask(z[None, :], k)[0]  # (h,)
        x_hat = W[:, keep] @ z[keep] + b_prime  # (d,)
        total += float(((x - x_hat) ** 2).sum())
    return total / X.shape[0]


def b_prime_gradient(X, W, b, b_prime, k, pre_bias=False):
    """∂E/∂b′, one example at a time.

    Notes
    -----
    Without pre-bias b′ enters only the decoder: ∂E/∂b′ = (2/n) Σᵢ (x̂ᵢ − xᵢ).
    With pre-bias (z = Wᵀ(x − b′) + b) it also shifts z_Γ, and
    ∂x̂/∂b′ = I − W_Γ W_Γᵀ, so each term becomes (I − W_Γ W_Γᵀ)(x̂ᵢ − xᵢ).
    The selection Γ itself is piecewise constant and contributes nothing.
    """
    grad = np.zeros(W.shape[0])  # (d,)
    for x in X:
        z = W.T @ (x - b_prime if pre_bias else x) + b  # (h,)
        keep = topk_mask(z[None, :], k)[0]  # (h,)
        W_keep = W[:, keep]  # (d, k)
        residual = W_keep @ z[keep] + b_prime - x  # (d,), x̂ − x
        if pre_bias:
            residual = residual - W_keep @ (W_keep.T @ residual)  # (I − W_Γ W_Γᵀ)(x̂ − x)
        grad += 2.0 * residual
    return grad / X.shape[0]


def sparsity_level(step, total_steps, k, k_start):
    """§4.2.1: k falls linearly from k_start to k over the first half, then stays.

    Returns
    -------
    allowed : set of int
        Both neighbours when the exact value is a half-integer, since the
        exercise does not prescribe how to round a tie.
    """
    half = total_steps // 2
    if k_start is None or half == 0 or step >= half:
        return {int(k)}
    exact = k_start + (k - k_start) * step / half
    low = int(np.floor(exact))
    if exact - low == 0.5:
        return {low, low + 1}
    return {int(np.floor(exact + 0.5))}
