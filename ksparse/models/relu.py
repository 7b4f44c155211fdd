"""The dense autoencoders the paper compares with: ReLU, denoising and dropout (Table 1, Fig. 4).

Hidden units are ReLU (or sigmoid) and all of them are used as features
(§4.4: "we used all of the hidden units"). Corruption and dropout are on
only while training: the masks come from the generator the loop hands each
step, so every minibatch gets a fresh mask and a resumed run draws exactly
the masks an uninterrupted one would; ``transform`` and ``reconstruct``
use the clean network (dropout scales survivors by 1/(1 − p), so no
rescaling is needed there).
"""
__all__ = ["ReLUAutoencoder", "DenoisingAutoencoder", "DropoutAutoencoder"]

from ..autoencoder import Autoencoder
from ..backend import get_array_module, to_device
from ..hyperparameters import RATE, Bool, Hyper, OneOf, Real
from ..io import register_model
from ..layers import dropout_mask
from .dense import dense_forward, dense_loss_and_grads


@register_model
class ReLUAutoencoder(Autoencoder):
    """Autoencoder with dense ReLU (or sigmoid) hidden units and optional dropout.

    Parameters
    ----------
    n_hidden : int, default=1000
    activation : {'relu', 'sigmoid'}, default='relu'
        f, the hidden units.
    decoder : {'linear', 'sigmoid'}, default='linear'
        g, the output units: x̂ = g(W h + b′).
    tied : bool, default=True
        Encoder weights Wᵀ; False learns a separate encoder P.
    init_std : float, default=0.01
        σ of the Gaussian initial weights; biases start at 0.
    input_dropout : float in [0, 1), default=0.0
        Probability that an input entry is zeroed while training (masking
        noise: the denoising autoencoder). The clean input is reconstructed.
    hidden_dropout : float in [0, 1), default=0.0
        Probability that a hidden unit is dropped while training.
    center, pre_bias, learning_rate, momentum, lr_end, epochs, batch_size, optimizer, \
dtype, random_state, verbose
        As for :class:`ksparse.KSparseAutoencoder`.

    Attributes
    ----------
    W_, b_, b_prime_, P_, mean_, n_features_in_, history_, backend_
        As for :class:`ksparse.KSparseAutoencoder`; ``history_`` counts a
        ReLU unit as dead when it is zero on every example of an epoch.

    Notes
    -----
    .. math::

        h = f(W^\\top \\tilde x + b), \\quad \\tilde x = x \\odot M_{in}, \\quad
        \\hat x = g(W (h \\odot M_h) + b'), \\quad
        E = \\frac{1}{B}\\sum_i \\lVert x_i - \\hat x_i \\rVert^2
    """

    hyperparameters = {
        "activation": Hyper("relu", OneOf(("relu", "sigmoid"))),
        "decoder": Hyper("linear", OneOf(("linear", "sigmoid"))),
        "tied": Hyper(True, Bool()),
        "init_std": Hyper(0.01, Real(0.0, low_open=True)),
        "input_dropout": Hyper(0.0, RATE),
        "hidden_dropout": Hyper(0.0, RATE),
    }

    def _options(self):
        return {"activation": self.activation, "decoder": self.decoder,
                "pre_bias": self.pre_bias, "scale": 1.0}

    def _masks(self, X, n_hidden, rng, xp):
        """Fresh dropout masks for this minibatch (None where the rate is 0)."""
        shapes = ((X.shape, self.input_dropout), ((X.shape[0], n_hidden), self.hidden_dropout))
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
    """

    defaults = {"input_dropout": 0.2}


@register_model
class DropoutAutoencoder(ReLUAutoencoder):
    """:class:`ReLUAutoencoder` with 50 % of the hidden units dropped while training (Table 1).

    Same parameters; ``hidden_dropout`` defaults to 0.5. With
    ``input_dropout=0.2`` it is the paper's "dropout + denoising" autoencoder.
    All hidden units are the features.
    """

    defaults = {"hidden_dropout": 0.5}
