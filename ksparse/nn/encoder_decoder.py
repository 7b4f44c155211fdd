"""The pieces every autoencoder shares: what the encoder sees, and the linear decoder (§2.2).

With signals as rows (``X`` is (n_samples, n_features)), the paper's
column-vector equations read

    z  = Wᵀx + b      ->  Z     = X_in @ W_enc + b     (W_enc = W tied, Pᵀ untied)
    x̂  = W h + b′     ->  X_hat = H @ Wᵀ + b′          (decode: an affine layer, Wᵀ)

The encoder's input rule lives here once: the encoder weights are W (tied)
or Pᵀ (untied, z = P x + b), and with the pre-encoder bias the encoder sees
x − b′ (b′ may start at the data's :func:`geometric_median`). Each model's
own forward and backward (k-sparse, dense, TopK) is written in its file of
:mod:`ksparse.models` with these pieces.
"""
__all__ = ["decode", "decode_backward", "encoder_input", "encoder_weights", "geometric_median"]

from ..backend import get_array_module
from .affine import affine


def encoder_weights(params):
    """The encoder's weights: W when tied, Pᵀ for an untied encoder z = P x + b.

    Returns
    -------
    W_enc : array, shape (n_features, n_hidden)
    """
    P = params.get("P")
    return params["W"] if P is None else P.T  # (n_features, n_hidden)


def encoder_input(X, params, pre_bias):
    """What the encoder sees: x − b′ with the pre-encoder bias, x otherwise.

    Returns
    -------
    X_in : array, shape (n_samples, n_features)
    """
    return X - params["b_prime"] if pre_bias else X  # (n_samples, n_features)


def decode(z_sparse, W, b_prime):
    """Linear decoder x̂ = W z_Γ + b′ (an affine layer with weights Wᵀ).

    Parameters
    ----------
    z_sparse : array, shape (n_samples, n_hidden)
    W : array, shape (n_features, n_hidden)
    b_prime : array, shape (n_features,)

    Returns
    -------
    X_hat : array, shape (n_samples, n_features)
    """
    return affine(z_sparse, W.T, b_prime)  # (n_samples, n_features)


def decode_backward(dX_hat, z_sparse, W):
    """Gradients of the decoder given dX_hat = ∂E/∂x̂.

    Returns
    -------
    dW : array, shape (n_features, n_hidden)
        Decoder (dictionary-update) contribution, (W z_Γ − x) z_Γᵀ summed
        over the batch as in Eq. (7).
    db_prime : array, shape (n_features,)
    dz_sparse : array, shape (n_samples, n_hidden)
    """
    # affine_backward with weights Wᵀ, written out so that dW comes out as
    # (n_features, n_hidden) directly rather than as a transposed view.
    dW = dX_hat.T @ z_sparse  # (n_features, n_hidden)
    db_prime = dX_hat.sum(axis=0)  # (n_features,)
    dz_sparse = dX_hat @ W  # (n_samples, n_hidden)
    return dW, db_prime, dz_sparse


def geometric_median(X, n_iter=100, tol=1e-7):
    """argmin_m Σ_i ‖x_i − m‖ by Weiszfeld's iteration, started at the mean.

    Returns
    -------
    m : array, shape (n_features,)
    """
    xp = get_array_module(X)
    m = X.mean(axis=0)  # (n_features,)
    for _ in range(n_iter):
        w = 1.0 / xp.maximum(xp.sqrt(((X - m) ** 2).sum(axis=1)), 1e-12)  # (n_samples,)
        new = (w @ X) / w.sum()
        if float(xp.abs(new - m).max()) < tol:
            return new
        m = new
    return m
