"""Dropout: zero each entry with probability p, scale the survivors by 1/(1 − p).

Used on the input by the denoising autoencoder (masking noise, p = 0.2 in
the paper's Table 1) and on the hidden units by the dropout autoencoder
(p = 0.5). The scaling keeps the expected activity unchanged, so nothing
needs rescaling at test time, where the layer is the identity. The mask is
drawn from the generator the training loop gives each step, so a run is
reproducible and resumes bit for bit.
"""
__all__ = ["dropout", "dropout_backward", "dropout_mask"]


def dropout_mask(shape, rate, rng, dtype):
    """Keep-mask scaled by 1/(1 − rate): 0 with probability ``rate``.

    Parameters
    ----------
    shape : tuple of int
    rate : float, 0 <= rate < 1
    rng : numpy.random.Generator
        Drawn on the host, so both backends see the same mask.
    dtype : dtype of the activations

    Returns
    -------
    mask : NumPy array, shape ``shape``
        Entries 0 or 1/(1 − rate).
    """
    keep = rng.random(shape) >= rate  # (shape), True with probability 1 − rate
    return keep.astype(dtype) * (1.0 / (1.0 - rate))


def dropout(X, mask):
    """h = X ⊙ M.

    Parameters
    ----------
    X : array, shape (n_samples, n_units)
    mask : array, shape (n_samples, n_units)
        From :func:`dropout_mask`, on X's backend.

    Returns
    -------
    h : array, shape (n_samples, n_units)
    """
    return X * mask  # (n_samples, n_units)


def dropout_backward(dh, mask):
    """∂E/∂X = ∂E/∂h ⊙ M.

    Returns
    -------
    dX : array, shape (n_samples, n_units)
    """
    return dh * mask  # (n_samples, n_units)
