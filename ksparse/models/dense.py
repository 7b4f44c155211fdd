"""Forward and backward pass of an autoencoder with dense non-linear hidden units.

The ReLU, dropout, denoising and KL-sparse autoencoders are one network
built from :mod:`ksparse.layers`; only their options differ. With examples
as rows and M_in, M_h the dropout masks (all ones when off):

    x̃   = (x − b′ if pre_bias else x) ⊙ M_in     (input corruption)
    z   = Wᵀx̃ + b                                 (affine; Pᵀ when untied)
    h   = f(z) ⊙ M_h                              (ReLU or sigmoid, dropout)
    a   = W h + b′,  x̂ = g(a)                     (affine; g linear or sigmoid)
    E   = s · ‖x − x̂‖² / B + Ω(f(z))              (s = 1, or 1/n_features)

with Ω an optional penalty on the hidden activities (the KL penalty). The
denoising autoencoder reconstructs the clean x from the corrupted x̃.
"""
__all__ = ["ACTIVATIONS", "dense_loss_and_grads", "dense_forward"]

from .. import functional as F
from ..layers import (
    affine,
    affine_backward,
    dropout,
    dropout_backward,
    relu,
    relu_backward,
    sigmoid,
    sigmoid_backward,
)
from ..losses import squared_error, squared_error_backward

# name -> (forward, backward, whether the backward takes the output instead of the input)
ACTIVATIONS = {
    "relu": (relu, relu_backward, False),
    "sigmoid": (sigmoid, sigmoid_backward, True),
    "linear": (lambda z: z, lambda d, z: d, False),
}


def _activate(name, z):
    return ACTIVATIONS[name][0](z)


def _activate_backward(name, d_out, z, out):
    _, backward, from_output = ACTIVATIONS[name]
    return backward(d_out, out if from_output else z)


def dense_forward(params, X, activation, decoder="linear", pre_bias=False):
    """Code and reconstruction without any noise (what ``transform`` uses).

    Returns
    -------
    H : array, shape (n_samples, n_hidden)
    X_hat : array, shape (n_samples, n_features)
    """
    z = affine(F.encoder_input(X, params, pre_bias), F.encoder_weights(params), params["b"])
    H = _activate(activation, z)  # (n_samples, n_hidden)
    return H, _activate(decoder, F.decode(H, params["W"], params["b_prime"]))


def dense_loss_and_grads(params, X, options, masks=(None, None), penalty=None):
    """One forward and backward pass; returns (loss, grads, H).

    Parameters
    ----------
    params : dict of arrays
        ``W`` (n_features, n_hidden), ``b`` (n_hidden,), ``b_prime``
        (n_features,), and ``P`` (n_hidden, n_features) when untied.
    X : array, shape (n_samples, n_features)
    options : dict
        ``activation`` and ``decoder`` (names in :data:`ACTIVATIONS`),
        ``pre_bias`` (bool), ``scale`` (s above).
    masks : (M_in or None, M_h or None)
        Dropout masks from :func:`ksparse.layers.dropout_mask`, on X's backend.
    penalty : (value_fn, backward_fn) or None
        Ω(H) and ∂Ω/∂H on the hidden activities before dropout.

    Returns
    -------
    loss : 0-d array
    grads : dict of arrays, same keys as ``params``
    H : array, shape (n_samples, n_hidden), f(z) before hidden dropout
    """
    W, W_enc, (M_in, M_h) = params["W"], F.encoder_weights(params), masks
    X_in = F.encoder_input(X, params, options["pre_bias"])  # (n_samples, n_features)
    X_c = X_in if M_in is None else dropout(X_in, M_in)  # corrupted input
    z = affine(X_c, W_enc, params["b"])  # (n_samples, n_hidden)
    H = _activate(options["activation"], z)  # (n_samples, n_hidden)
    H_d = H if M_h is None else dropout(H, M_h)
    a = F.decode(H_d, W, params["b_prime"])  # (n_samples, n_features)
    X_hat = _activate(options["decoder"], a)
    loss = options["scale"] * squared_error(X_hat, X)

    da = _activate_backward(options["decoder"], options["scale"] *
                            squared_error_backward(X_hat, X), a, X_hat)
    dW, db_prime, dH_d = F.decode_backward(da, H_d, W)
    dH = dH_d if M_h is None else dropout_backward(dH_d, M_h)  # (n_samples, n_hidden)
    if penalty is not None:
        loss = loss + penalty[0](H)
        dH = dH + penalty[1](H)
    dz = _activate_backward(options["activation"], dH, z, H)
    dW_enc, db, dX_c = affine_backward(dz, X_c, W_enc)
    if options["pre_bias"]:  # x̃ = (x − b′) ⊙ M_in also moves with b′
        db_prime = db_prime - (dX_c if M_in is None else dropout_backward(dX_c, M_in)).sum(axis=0)
    grads = {"W": dW, "b": db, "b_prime": db_prime}
    if "P" in params:
        grads["P"] = dW_enc.T  # (n_hidden, n_features)
    else:
        grads["W"] = dW + dW_enc  # tied: the decoder and the encoder share W
    return loss, grads, H
