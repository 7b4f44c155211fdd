"""Element-wise non-linearities: ReLU and the logistic sigmoid.

The k-sparse autoencoder itself is linear between its top-k selections;
these units serve the baselines the paper compares with (the ReLU
autoencoder of Fig. 4, dropout and denoising autoencoders, the RBM's
sigmoid units) and the KL-penalty sparse autoencoder of the classroom.
"""
__all__ = ["relu", "relu_backward", "sigmoid", "sigmoid_backward"]

from ..backend import get_array_module


def relu(z):
    """h = max(z, 0).

    Parameters
    ----------
    z : array, shape (n_samples, n_units)

    Returns
    -------
    h : array, shape (n_samples, n_units)
    """
    xp = get_array_module(z)
    return xp.maximum(z, 0)  # (n_samples, n_units)


def relu_backward(dh, z):
    """∂E/∂z = ∂E/∂h where z > 0, else 0 (the subgradient 0 at z = 0).

    Returns
    -------
    dz : array, shape (n_samples, n_units)
    """
    return dh * (z > 0)  # (n_samples, n_units)


def sigmoid(z):
    """h = 1 / (1 + e^{−z}), computed without overflow for large ``|z|``.

    Returns
    -------
    h : array, shape (n_samples, n_units), entries in [0, 1]
    """
    xp = get_array_module(z)
    # e^{−|z|} never overflows; the two branches are the same function.
    e = xp.exp(-xp.abs(z))  # (n_samples, n_units), in (0, 1]
    return xp.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)


def sigmoid_backward(dh, h):
    """∂E/∂z = ∂E/∂h · h (1 − h), from the forward output h.

    Returns
    -------
    dz : array, shape (n_samples, n_units)
    """
    return dh * h * (1.0 - h)  # (n_samples, n_units)
