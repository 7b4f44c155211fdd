"""The top-k layer: keep the k largest activities of each row (paper §2.2, step 2).

Γ = supp_k(z) holds exactly k units per row (ties go to the lower index,
see :mod:`ksparse.topk`); the output is z on Γ and 0 elsewhere. The
backward pass lets the gradient through the units of Γ only (§3.2): the
selection is piecewise the identity on Γ, so on each piece it is linear.
"""
__all__ = ["topk", "topk_backward"]

from ..topk import keep_topk


def topk(z, k):
    """z_Γ and Γ = supp_k(z) for every row.

    Parameters
    ----------
    z : array, shape (n_samples, n_units)
    k : int, 1 <= k <= n_units

    Returns
    -------
    z_sparse : array, shape (n_samples, n_units)
        z on Γ, zeros on Γᶜ.
    mask : bool array, shape (n_samples, n_units)
        Γ, exactly k True entries per row.
    """
    return keep_topk(z, k)


def topk_backward(dz_sparse, mask):
    """Gradient through the selection: only the units of Γ pass it on.

    Parameters
    ----------
    dz_sparse : array, shape (n_samples, n_units)
        ∂E/∂z_Γ.
    mask : bool array, shape (n_samples, n_units)

    Returns
    -------
    dz : array, shape (n_samples, n_units)
    """
    return dz_sparse * mask  # (n_samples, n_units)
