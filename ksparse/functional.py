"""Forward and backward pass of the k-sparse autoencoder (paper §2.2 and §3.2).

Each forward function sits next to its backward. With signals as rows
(``X`` is (n_samples, n_features)), the paper's column-vector equations read

    z   = Wᵀx + b            ->  Z     = X @ W + b               (encode)
    Γ   = supp_k(z)          ->  mask  = topk_mask(Z, k)         (select)
    x̂   = W z_Γ + b′         ->  X_hat = Z_Γ @ Wᵀ + b′           (decode)
    E   = ‖x − x̂‖²           ->  mean over rows of the row sums  (loss)

Backpropagation runs only through the k selected units (§3.2): the decoder
gradient is gradient descent on the dictionary atoms W_Γ, and the encoder
gradient approximates the pseudo-inverse step of ITI. With tied weights the
two contributions add up in one gradient for W.
"""
__all__ = [
    "encode",
    "encode_backward",
    "select",
    "select_backward",
    "decode",
    "decode_backward",
    "squared_error",
    "squared_error_backward",
    "loss_and_grads",
]

from .topk import keep_topk


def encode(X, W, b):
    """Linear encoder z = Wᵀx + b, for a batch of rows.

    Parameters
    ----------
    X : array, shape (n_samples, n_features)
    W : array, shape (n_features, n_hidden)
        Tied weights (dictionary atoms as columns); for an untied encoder
        pass ``P.T`` where P has shape (n_hidden, n_features).
    b : array, shape (n_hidden,)

    Returns
    -------
    z : array, shape (n_samples, n_hidden)
    """
    return X @ W + b  # (n_samples, n_hidden)


def encode_backward(dz, X):
    """Gradients of the encoder given dz = ∂E/∂z.

    Returns
    -------
    dW : array, shape (n_features, n_hidden)
        Encoder contribution to the gradient of the weights in ``encode``.
    db : array, shape (n_hidden,)
    """
    dW = X.T @ dz  # (n_features, n_hidden)
    db = dz.sum(axis=0)  # (n_hidden,)
    return dW, db


def select(z, k):
    """Keep the k largest activities of each row, zero the rest (§2.2 step 2).

    Returns
    -------
    z_sparse : array, shape (n_samples, n_hidden)
        z_Γ with zeros on Γᶜ.
    mask : bool array, shape (n_samples, n_hidden)
        Γ = supp_k(z), exactly k True entries per row.
    """
    return keep_topk(z, k)


def select_backward(dz_sparse, mask):
    """Gradient through the selection: only the units in Γ pass it on.

    Returns
    -------
    dz : array, shape (n_samples, n_hidden)
    """
    return dz_sparse * mask  # (n_samples, n_hidden)


def decode(z_sparse, W, b_prime):
    """Linear decoder x̂ = W z_Γ + b′.

    Parameters
    ----------
    z_sparse : array, shape (n_samples, n_hidden)
    W : array, shape (n_features, n_hidden)
    b_prime : array, shape (n_features,)

    Returns
    -------
    X_hat : array, shape (n_samples, n_features)
    """
    return z_sparse @ W.T + b_prime  # (n_samples, n_features)


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
    dW = dX_hat.T @ z_sparse  # (n_features, n_hidden)
    db_prime = dX_hat.sum(axis=0)  # (n_features,)
    dz_sparse = dX_hat @ W  # (n_samples, n_hidden)
    return dW, db_prime, dz_sparse


def squared_error(X_hat, X):
    """Reconstruction loss: mean over the batch of ‖x − x̂‖² summed over features.

    Returns
    -------
    loss : 0-d array
    """
    diff = X_hat - X  # (n_samples, n_features)
    return (diff * diff).sum() / X.shape[0]


def squared_error_backward(X_hat, X):
    """∂E/∂x̂ = 2 (x̂ − x) / n_samples.

    Returns
    -------
    dX_hat : array, shape (n_samples, n_features)
    """
    return (X_hat - X) * (2.0 / X.shape[0])  # (n_samples, n_features)


def loss_and_grads(params, X, k, pre_bias=False):
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

    Returns
    -------
    loss : 0-d array
        Mean over the batch of ‖x − x̂‖².
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
    P = params.get("P")
    W_enc = W if P is None else P.T  # (n_features, n_hidden)
    X_in = X - b_prime if pre_bias else X  # (n_samples, n_features)
    z = encode(X_in, W_enc, b)  # (n_samples, n_hidden)
    z_sparse, mask = select(z, k)  # (n_samples, n_hidden) twice
    X_hat = decode(z_sparse, W, b_prime)  # (n_samples, n_features)
    loss = squared_error(X_hat, X)

    dX_hat = squared_error_backward(X_hat, X)  # (n_samples, n_features)
    dW, db_prime, dz_sparse = decode_backward(dX_hat, z_sparse, W)
    dz = select_backward(dz_sparse, mask)  # (n_samples, n_hidden)
    dW_enc, db = encode_backward(dz, X_in)  # (n_features, n_hidden), (n_hidden,)
    if pre_bias:
        db_prime = db_prime - W_enc @ db  # b′ also shifts the encoder's input
    grads = {"W": dW, "b": db, "b_prime": db_prime}
    if P is None:
        grads["W"] = dW + dW_enc  # tied: decoder and encoder both use W
    else:
        grads["P"] = dW_enc.T  # (n_hidden, n_features)
    return loss, grads, mask
