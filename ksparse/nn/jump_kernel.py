"""The kernel of JumpReLU's straight-through pseudo-derivatives (Rajamanoharan et al., 2024).

The step H(z − θ) has no useful derivative; JumpReLU replaces it in θ by
−(1/ε) K((z − θ)/ε), K a kernel that integrates to 1 and ε its bandwidth
(:mod:`ksparse.models.jumprelu`). Both the readable step and the sparse one
(:mod:`ksparse.fast.jumprelu_step`) read K from here.
"""
__all__ = ["jump_kernel"]

from ..backend import get_array_module


def jump_kernel(u, kernel):
    """K(u): 'rectangle' ``1[|u| < 1/2]`` or 'triangle' ``max(1 - |u|, 0)``; each integrates to 1.

    Parameters
    ----------
    u : array
    kernel : {'rectangle', 'triangle'}

    Returns
    -------
    K : array, the shape and dtype of u
    """
    xp = get_array_module(u)
    if kernel == "rectangle":
        return (xp.abs(u) < 0.5).astype(u.dtype)
    return xp.maximum(1 - xp.abs(u), 0).astype(u.dtype)
