"""Forward and backward pass of an autoencoder with dense non-linear hidden units.

The ReLU, dropout, denoising and KL-sparse autoencoders are one network
built from :mod:`ksparse.nn`; only their options differ. With examples
as rows and M_in, M_h the dropout masks (all ones when off):

    x̃   = x ⊙ M_in                                (input corruption of the data)
    z   = Wᵀ(x̃ − b′ if pre_bias else x̃) + b       (affine; Pᵀ when untied)
    h   = f(z) ⊙ M_h                              (ReLU or sigmoid, dropout)
    a   = W h + b′,  x̂ = g(a)                     (affine; g linear or sigmoid)
    E   = s · ‖x − x̂‖² / B + Ω(f(z))              (s = 1, or 1/n_features)

with Ω an optional penalty on the hidden activities (the KL penalty). The
denoising autoencoder reconstructs the clean x from the corrupted x̃. The
noise corrupts the data (centred first with ``center``): a dropped entry is
0, and the encoder then subtracts the pre-encoder bias b′ from x̃ as from
any input, as :class:`ksparse.KSparseAutoencoder` does.

The models of this file, :class:`ReLUAutoencoder`, :class:`DenoisingAutoencoder`
and :class:`DropoutAutoencoder`, are the dense autoencoders the paper compares
with (Table 1, Fig. 4). Hidden units are ReLU (or sigmoid) and all of them are
used as features (§4.4: "we used all of the hidden units"). Corruption and
dropout are on only while training: the masks come from the generator the
loop hands each step, so every minibatch gets a fresh mask and a resumed run
draws exactly the masks an uninterrupted one would; ``transform`` and
``reconstruct`` use the clean network (dropout scales survivors by
1/(1 − p), so no rescaling is needed there).
"""
__all__ = ["ACTIVATIONS", "DenoisingAutoencoder", "DropoutAutoencoder", "ReLUAutoencoder",
           "dense_forward", "dense_loss_and_grads"]

from ..backend import get_array_module, to_device
from ..hyperparameters import RATE, OneOf
from ..io.model_files import register_model
from ..nn import encoder_decoder as F
from ..nn.activations import relu, relu_backward, sigmoid, sigmoid_backward
from ..nn.affine import affine, affine_backward
from ..nn.dropout import dropout, dropout_backward, dropout_mask
from ..nn.squared_error import squared_error, squared_error_backward
from ._unit_interval import UnitIntervalData
from .autoencoder import Autoencoder

#: The hidden activations by name: (forward, backward, whether the backward takes
#: the output instead of the input).
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
        Dropout masks from :func:`ksparse.nn.dropout_mask`, on X's backend.
    penalty : (value_fn, backward_fn) or None
        Ω(H) and ∂Ω/∂H on the hidden activities before dropout.

    Returns
    -------
    loss : 0-d array
    grads : dict of arrays, same keys as ``params``
    H : array, shape (n_samples, n_hidden), f(z) before hidden dropout
    """
    W, W_enc, (M_in, M_h) = params["W"], F.encoder_weights(params), masks
    X_c = X if M_in is None else dropout(X, M_in)  # (n_samples, n_features): corrupted input
    X_in = F.encoder_input(X_c, params, options["pre_bias"])  # x̃, or x̃ − b′
    z = affine(X_in, W_enc, params["b"])  # (n_samples, n_hidden)
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
    dW_enc, db, dX_in = affine_backward(dz, X_in, W_enc)
    if options["pre_bias"]:  # the encoder's input x̃ − b′ also moves with b′
        db_prime = db_prime - dX_in.sum(axis=0)
    grads = {"W": dW, "b": db, "b_prime": db_prime}
    if "P" in params:
        grads["P"] = dW_enc.T  # (n_hidden, n_features)
    else:
        grads["W"] = dW + dW_enc  # tied: the decoder and the encoder share W
    return loss, grads, H


@register_model
class ReLUAutoencoder(UnitIntervalData, Autoencoder):
    """Autoencoder with dense ReLU (or sigmoid) hidden units and optional dropout.

    Parameters
    ----------
    n_hidden : int, default=1000
    activation : {'relu', 'sigmoid'}, default='relu'
        f, the hidden units.
    decoder : {'linear', 'sigmoid'}, default='linear'
        g, the output units: x̂ = g(W h + b′). A sigmoid decoder reconstructs
        values in (0, 1): the training data (X and X_val) must lie in [0, 1],
        checked before any work, and ``center`` and ``pre_bias`` must be False.
    tied : bool, default=True
        Encoder weights Wᵀ; False learns a separate encoder P.
    init_std : float, default=0.01
        σ of the Gaussian initial weights; biases start at 0.
    input_dropout : float in [0, 1), default=0.0
        Probability that an input entry is zeroed while training (masking
        noise: the denoising autoencoder), the others scaled by 1/(1 − p).
        The entry is zeroed in the data (after centring); with ``pre_bias``
        the encoder then sees x̃ − b′. The clean input is reconstructed.
    hidden_dropout : float in [0, 1), default=0.0
        Probability that a hidden unit is dropped while training.
    center, pre_bias, total_steps, learning_rate, momentum, lr_end, epochs, batch_size, \
optimizer, dtype, random_state, verbose, check_every
        As for :class:`ksparse.KSparseAutoencoder`.

    Attributes
    ----------
    W_, b_, b_prime_, P_, mean_, n_features_in_, history_, backend_
        As for :class:`ksparse.KSparseAutoencoder`; ``history_`` counts a
        ReLU unit as dead when it is zero on every example of an epoch.

    Notes
    -----
    .. math::

        h = f(W^\\top (\\tilde x - c) + b), \\quad \\tilde x = x \\odot M_{in}, \\quad
        \\hat x = g(W (h \\odot M_h) + b'), \\quad
        E = \\frac{1}{B}\\sum_i \\lVert x_i - \\hat x_i \\rVert^2

    with c = b′ when ``pre_bias``, c = 0 otherwise.
    """

    hyperparameters = {
        "activation": OneOf(("relu", "sigmoid")),
        "decoder": OneOf(("linear", "sigmoid")),
        "hidden_dropout": RATE,
    }

    def __init__(self, *, n_hidden=1000, activation="relu", decoder="linear", tied=True,
                 init_std=0.01, input_dropout=0.0, hidden_dropout=0.0, center=False,
                 pre_bias=False, total_steps=None, learning_rate=0.01, momentum=0.9, lr_end=None,
                 epochs=20, batch_size=128, optimizer="momentum", dtype=None, random_state=None,
                 verbose=True, check_every=None):
        self._store_params(locals())

    def _check_hyperparameters(self, values):
        # σ(a) lies in (0, 1): it cannot fit centred data, nor data shifted by b′.
        if values["decoder"] == "sigmoid" and (values["center"] or values["pre_bias"]):
            raise ValueError(
                f"decoder='sigmoid' needs center=False and pre_bias=False (got "
                f"center={values['center']}, pre_bias={values['pre_bias']}): σ(a) in (0, 1) "
                "fits the data as given, not centred or shifted by b′; use decoder='linear'.")

    def _unit_interval(self):
        if self.decoder == "sigmoid":
            return "decoder='sigmoid' reconstructs values in (0, 1); use decoder='linear'"
        return None

    def _options(self):
        return {"activation": self.activation, "decoder": self.decoder,
                "pre_bias": self.pre_bias, "scale": 1.0}

    def _masks(self, X, n_hidden, rng, xp):
        """Fresh dropout masks for this minibatch (None where the rate is 0)."""
        shapes = ((X.shape, self._setting("input_dropout")),
                  ((X.shape[0], n_hidden), self._setting("hidden_dropout")))
        return tuple(None if rate == 0 else to_device(dropout_mask(s, rate, rng, X.dtype), xp)
                     for s, rate in shapes)

    def _penalty(self):
        """A penalty on the hidden activities: none here (see KLSparseAutoencoder)."""
        return None

    def _training_step(self, params, X, *, step, total_steps, rng):
        masks = self._masks(X, params["b"].shape[0], rng, get_array_module(X))
        loss, grads, H = dense_loss_and_grads(params, X, self._options(), masks, self._penalty())
        aux = {"active": (H > 0).any(axis=0)} if self.activation == "relu" else {}
        return loss, grads, aux

    def _encode(self, X):
        return dense_forward(self._parameters(), X, self.activation, self.decoder,
                             self.pre_bias)[0]

    def _reconstruct(self, X, step=None, total_steps=None):
        return dense_forward(self._parameters(), X, self.activation, self.decoder,
                             self.pre_bias)[1]


@register_model
class DenoisingAutoencoder(ReLUAutoencoder):
    """:class:`ReLUAutoencoder` trained on inputs with 20 % of the pixels zeroed (Table 1).

    Same parameters; ``input_dropout`` defaults to 0.2. Features are computed
    from the uncorrupted input, as in the paper.

    Parameters
    ----------
    input_dropout : float in [0, 1), default=0.2
        As for :class:`ReLUAutoencoder` (where the default is 0.0): the
        fraction of input entries zeroed while training.
    n_hidden, activation, decoder, tied, init_std, hidden_dropout, center, pre_bias, \
total_steps, learning_rate, momentum, lr_end, epochs, batch_size, optimizer, dtype, \
random_state, verbose, check_every
        As for :class:`ReLUAutoencoder`, with the same defaults.
    """

    def __init__(self, *, n_hidden=1000, activation="relu", decoder="linear", tied=True,
                 init_std=0.01, input_dropout=0.2, hidden_dropout=0.0, center=False,
                 pre_bias=False, total_steps=None, learning_rate=0.01, momentum=0.9, lr_end=None,
                 epochs=20, batch_size=128, optimizer="momentum", dtype=None, random_state=None,
                 verbose=True, check_every=None):
        self._store_params(locals())


@register_model
class DropoutAutoencoder(ReLUAutoencoder):
    """:class:`ReLUAutoencoder` with 50 % of the hidden units dropped while training (Table 1).

    Same parameters; ``hidden_dropout`` defaults to 0.5. With
    ``input_dropout=0.2`` it is the paper's "dropout + denoising" autoencoder.
    All hidden units are the features.

    Parameters
    ----------
    hidden_dropout : float in [0, 1), default=0.5
        As for :class:`ReLUAutoencoder` (where the default is 0.0): the
        probability that a hidden unit is dropped while training.
    n_hidden, activation, decoder, tied, init_std, input_dropout, center, pre_bias, \
total_steps, learning_rate, momentum, lr_end, epochs, batch_size, optimizer, dtype, \
random_state, verbose, check_every
        As for :class:`ReLUAutoencoder`, with the same defaults.
    """

    def __init__(self, *, n_hidden=1000, activation="relu", decoder="linear", tied=True,
                 init_std=0.01, input_dropout=0.0, hidden_dropout=0.5, center=False,
                 pre_bias=False, total_steps=None, learning_rate=0.01, momentum=0.9, lr_end=None,
                 epochs=20, batch_size=128, optimizer="momentum", dtype=None, random_state=None,
                 verbose=True, check_every=None):
        self._store_params(locals())
