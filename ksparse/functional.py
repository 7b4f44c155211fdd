"""Forward and backward pass of the k-sparse autoencoder (paper §2.2 and §3.2).

The model is three layers of :mod:`ksparse.layers` and one loss of
:mod:`ksparse.losses`. With signals as rows (``X`` is (n_samples,
n_features)), the paper's column-vector equations read

    z   = Wᵀx + b            ->  Z     = X @ W + b               (encode: affine)
    Γ   = supp_k(z)          ->  Z_Γ, mask = topk(Z, k)          (select: top-k)
    x̂   = W z_Γ + b′         ->  X_hat = Z_Γ @ Wᵀ + b′           (decode: affine, Wᵀ)
    E   = ‖x − x̂‖²           ->  mean over rows of the row sums  (squared error)

Backpropagation runs only through the k selected units (§3.2): the decoder
gradient is gradient descent on the dictionary atoms W_Γ, and the encoder
gradient approximates the pseudo-inverse step of ITI. With tied weights the
two contributions add up in one gradient for W.

The encoder's input rule lives here once: the encoder weights are W (tied)
or Pᵀ (untied), and with the pre-encoder bias the encoder sees x − b′.
"""
__all__ = ["encoder_input", "encoder_weights", "decode", "decode_backward", "loss_and_grads"]

from .layers import affine, affine_backward, topk, topk_backward
from .losses import squared_error, squared_error_backward

# The encoder is an affine layer and the selection the top-k layer; the
# names below read as the paper's steps (also ``squared_error`` and its
# backward, imported above).
encode = affine  # z = Wᵀx + b
encode_backward = affine_backward
select = topk  # Γ = supp_k(z): the selection is the top-k layer
select_backward = topk_backward


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


def loss_and_grads(params, X, k, pre_bias=False, target=None):
    """One forward and backward pass of a k-sparse autoencoder.

    Parameters
    ----------
    params : dict of arrays
        ``W`` (n_features, n_hidden), ``b`` (n_hidden,), ``b_prime``
        (n_features,), and ``P`` (n_hidden, n_features) for an untied encoder.
    X : array, shape (n_samples, n_features)
    k : int
        Number of hidden units kept per row.
    pre_bias : bool
        Encode x − b′ instead of x (the decoder bias doubles as a learned
        input centre, as in modern TopK autoencoders; not in the paper).
    target : array, shape (n_samples, n_features), optional
        What x̂ should reconstruct; X itself by default. A denoising step
        encodes corrupted rows X and compares x̂ with the clean ones.

    Returns
    -------
    loss : 0-d array
        Mean over the batch of ‖t − x̂‖², t the target (x by default).
    grads : dict of arrays
        Same keys and shapes as ``params``.
    mask : bool array, shape (n_samples, n_hidden)
        The selected units Γ of every row.

    Notes
    -----
    .. math::

        z = W^\\top x + b,\\quad \\Gamma = \\operatorname{supp}_k(z),\\quad
        \\hat x = W z_\\Gamma + b'

        \\frac{\\partial E}{\\partial W} =
            (\\hat x - x)\\, z_\\Gamma^\\top\\cdot 2
            + x\\, \\big(\\delta_\\Gamma\\big)^\\top,\\qquad
        \\delta = 2\\, W^\\top(\\hat x - x),\\ \\delta_{\\Gamma^c} = 0

    With an untied encoder z = P x + b the second term is the gradient of P
    (transposed) instead. With ``pre_bias`` the encoder sees x − b′, so x is
    replaced by x − b′ in the encoder term and b′ also receives
    :math:`-W \\delta_\\Gamma` from the encoder.
    """
    W, b, b_prime = params["W"], params["b"], params["b_prime"]
    W_enc = encoder_weights(params)  # (n_features, n_hidden)
    X_in = encoder_input(X, params, pre_bias)  # (n_samples, n_features)
    z = encode(X_in, W_enc, b)  # (n_samples, n_hidden)
    z_sparse, mask = select(z, k)  # (n_samples, n_hidden) twice
    X_hat = decode(z_sparse, W, b_prime)  # (n_samples, n_features)
    T = X if target is None else target  # (n_samples, n_features)
    loss = squared_error(X_hat, T)

    dX_hat = squared_error_backward(X_hat, T)  # (n_samples, n_features)
    dW, db_prime, dz_sparse = decode_backward(dX_hat, z_sparse, W)
    dz = select_backward(dz_sparse, mask)  # (n_samples, n_hidden)
    dW_enc, db = encode_backward(dz, X_in)  # (n_features, n_hidden), (n_hidden,)
    if pre_bias:
        db_prime = db_prime - W_enc @ db  # b′ also shifts the encoder's input
    grads = {"W": dW, "b": db, "b_prime": db_prime}
    if "P" in params:
        grads["P"] = dW_enc.T  # (n_hidden, n_features)
    else:
        grads["W"] = dW + dW_enc  # tied: decoder and encoder both use W
    return loss, grads, mask
