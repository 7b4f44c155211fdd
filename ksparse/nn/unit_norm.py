"""The unit-norm decoder of the TopK recipe (Gao et al., 2024): every atom stays on ‖w_j‖ = 1.

Scaling an atom up and its activity down leaves x̂ = W h + b′ unchanged, so
without a constraint the decoder's norms drift and the encoder's activities
shrink to match. The recipe keeps each column w_j of W at unit norm in two
steps around the optimizer's update:

    before:  ∇_{w_j} ← ∇_{w_j} − (w_jᵀ ∇_{w_j}) w_j    (the step is tangent to the sphere)
    after:   w_j ← w_j / ‖w_j‖                           (back onto it)

The projection alone is not enough (a finite step along a tangent leaves the
sphere by O(η²)); the renormalisation alone would let Adam's moments keep a
component that is undone every step.
"""
__all__ = ["project_to_tangent", "renormalize_columns"]

from ..backend import get_array_module


def project_to_tangent(W, dW):
    """The gradient with each column's component along w_j removed.

    Parameters
    ----------
    W : array, shape (n_features, n_hidden)
        The decoder, unit-norm columns.
    dW : array, shape (n_features, n_hidden)
        ∂E/∂W; not modified.

    Returns
    -------
    dW_tangent : array, shape (n_features, n_hidden)

    Notes
    -----
    .. math::

        \\nabla_{w_j} \\leftarrow \\nabla_{w_j} - (w_j^\\top \\nabla_{w_j})\\, w_j
    """
    xp = get_array_module(W)
    scratch = W * dW  # (n_features, n_hidden)
    along = scratch.sum(axis=0)  # (n_hidden,): w_jᵀ ∇_{w_j}
    # The result reuses the scratch array: one allocation instead of three.
    return xp.subtract(dW, xp.multiply(W, along, out=scratch), out=scratch)


def renormalize_columns(W):
    """Scale every column of ``W`` to unit norm, in place (returns nothing).

    Parameters
    ----------
    W : array, shape (n_features, n_hidden)
        No column may be zero.
    """
    xp = get_array_module(W)
    W /= xp.sqrt((W**2).sum(axis=0))  # (n_hidden,) norms
