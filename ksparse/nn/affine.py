"""The affine layer z = Wᵀx + b (paper §2.2: the encoder, and with Wᵀ the decoder).

With examples as rows the column-vector equation z = Wᵀx + b reads
``Z = X @ W + b``. The same layer is the encoder (W of shape (n_features,
n_hidden)), the decoder (weights Wᵀ, so x̂ = W z + b′) and a softmax
classifier's logits.
"""
__all__ = ["affine", "affine_backward"]


def affine(X, W, b):
    """z = Wᵀx + b for a batch of rows.

    Parameters
    ----------
    X : array or scipy.sparse matrix, shape (n_samples, n_in)
    W : array, shape (n_in, n_out)
    b : array, shape (n_out,)

    Returns
    -------
    z : array, shape (n_samples, n_out)
    """
    return X @ W + b  # (n_samples, n_out)


def affine_backward(dz, X, W=None):
    """Gradients of :func:`affine` given dz = ∂E/∂z.

    Parameters
    ----------
    dz : array, shape (n_samples, n_out)
    X : array or scipy.sparse matrix, shape (n_samples, n_in)
        The layer's input.
    W : array, shape (n_in, n_out), optional
        The layer's weights; give them to also get ∂E/∂X.

    Returns
    -------
    dW : array, shape (n_in, n_out)
    db : array, shape (n_out,)
    dX : array, shape (n_samples, n_in)
        Only when ``W`` is given.

    Notes
    -----
    .. math::

        \\frac{\\partial E}{\\partial W} = \\sum_i x_i\\, (\\partial E/\\partial z_i)^\\top,
        \\quad
        \\frac{\\partial E}{\\partial b} = \\sum_i \\partial E/\\partial z_i,
        \\quad
        \\frac{\\partial E}{\\partial x_i} = W\\, \\partial E/\\partial z_i
    """
    dW = X.T @ dz  # (n_in, n_out)
    db = dz.sum(axis=0)  # (n_out,)
    if W is None:
        return dW, db
    dX = dz @ W.T  # (n_samples, n_in)
    return dW, db, dX
