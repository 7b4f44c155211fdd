"""The k-sparse autoencoder (paper §2.2, trained as in §4.2).

:class:`KSparseAutoencoder` is a linear autoencoder whose hidden layer keeps
only the k largest activities of each example. It declares its
hyper-parameters and writes its forward and backward pass with
:mod:`ksparse.functional` (the layers of :mod:`ksparse.layers`); fitting,
inference in chunks, centring, checkpoints and storage come from
:class:`ksparse.autoencoder.Autoencoder`.
"""
__all__ = ["KSparseAutoencoder"]

from . import functional as F
from .autoencoder import Autoencoder
from .backend import get_array_module, to_device
from .hyperparameters import RATE, Bool, Hyper, Int, OneOf, Optional, Real
from .io import register_model
from .layers import dropout_mask
from .schedules import sparsity_level
from .sparse_step import sparse_loss_and_grads
from .topk import keep_topk


@register_model
class KSparseAutoencoder(Autoencoder):
    """Autoencoder with linear units that keeps only the k largest hidden activities.

    Parameters
    ----------
    n_hidden : int, default=1000
        Number of hidden units (dictionary atoms).
    k : int, default=25
        Hidden units kept per example during training and in :meth:`reconstruct`.
    alpha : float, default=1.0
        :meth:`transform` keeps the ``round(alpha * k)`` largest units (§2.2, α >= 1).
    tied : bool, default=True
        Encoder weights are Wᵀ (the paper's model); False learns a separate
        encoder P, z = P x + b.
    learning_rate, momentum, epochs, batch_size : default 0.01, 0.9, 20, 128
        η and m of Eq. (11) (``optimizer='adam'`` uses η as Adam's step size
        and ignores m), passes over the data, examples per minibatch.
    init_std : float, default=0.01
        Standard deviation σ of the Gaussian initial weights; biases start at 0.
    k_start : int or None, default=None
        Sparsity schedule (§4.2.1): k falls linearly from ``k_start`` to ``k``
        over the first half of the training steps. None keeps k constant.
    lr_end : float or None, default=None
        When set, η falls linearly from ``learning_rate`` to ``lr_end`` over
        the run (§4.2.2).
    center : bool, default=False
        Subtract the mean training example (``mean_``, fixed) before
        encoding and add it back after decoding; the model then learns the
        centred data. Not in the paper; like ``pre_bias`` it keeps hidden
        units alive on data with a large shared mean (see the results page).
    pre_bias : bool, default=False
        Encode x − b′ instead of x, with b′ initialised at the mean training
        example: z = Wᵀ(x − b′) + b. Not in the paper; it removes the shared
        mean component that otherwise lets a few units win every example
        and leaves most of the others dead (see the results page).
    optimizer : {'momentum', 'adam'}, default='momentum'
    step : {'sparse', 'dense'}, default='sparse'
        How the gradient is computed; both give the same loss and gradients
        to float rounding. 'sparse' (:mod:`ksparse.sparse_step`) touches only
        the k selected units of each row after the encoder product and is
        about twice as fast; 'dense' (:func:`ksparse.functional.loss_and_grads`)
        is the readable reference written with full matrices.
    input_dropout : float in [0, 1), default=0.0
        Denoising (not in the paper): each training step encodes its rows
        with this fraction of the entries set to zero (the others scaled by
        1/(1 − rate), after centring) and reconstructs the clean rows. A
        regulariser for the features; inference always sees clean input.
    dtype : None, 'float32' or 'float64', default=None
        None follows the input (float32 stays float32, others become float64).
    random_state : None, int or numpy.random.Generator, default=None
        Seeds the initial weights and the minibatch order.
    verbose : bool, default=True
        Show a progress bar over epochs.
    check_every : int or None, default=None
        Steps between host reads of the check that stops training on a NaN
        or infinite loss or gradient (:mod:`ksparse.finite_check`); in
        between, updates run ahead and a non-finite step is rolled back.
        None: every step with NumPy, every 50 with CuPy (no host transfer
        per step). The parameters and the error are the same either way.

    Attributes
    ----------
    W_ : array, shape (n_features, n_hidden)
        Decoder weights; dictionary atoms are its columns.
    b_ : array, shape (n_hidden,)
        Encoder bias.
    b_prime_ : array, shape (n_features,)
        Decoder bias b′.
    P_ : array, shape (n_hidden, n_features)
        Encoder weights, only when ``tied=False``.
    components_ : array, shape (n_hidden, n_features)
        ``W_.T``, the name scikit-learn uses for learned atoms.
    n_features_in_ : int
    history_ : list of dict
        Per-epoch ``loss``, ``val_loss``, ``dead_units``, ``k``, ``learning_rate``.
    backend_ : {'numpy', 'cupy'}
        Where the model was trained; its arrays live there.

    Notes
    -----
    .. math::

        z = W^\\top x + b, \\quad \\Gamma = \\operatorname{supp}_k(z), \\quad
        \\hat x = W z_\\Gamma + b', \\quad
        E = \\frac{1}{B}\\sum_{i=1}^{B} \\lVert x_i - \\hat x_i \\rVert_2^2

    trained by :math:`v \\leftarrow m v - \\eta \\nabla E`,
    :math:`w \\leftarrow w + v` on every parameter.
    """

    hyperparameters = {
        "k": Hyper(25, Int(low=1, high="n_hidden")),
        "alpha": Hyper(1.0, Real(low=1.0)),
        "tied": Hyper(True, Bool()),
        "init_std": Hyper(0.01, Real(0.0, low_open=True)),
        "k_start": Hyper(None, Optional(Int(low="k", high="n_hidden"))),
        "step": Hyper("sparse", OneOf(("sparse", "dense"))),
        "input_dropout": Hyper(0.0, RATE),
    }

    def _check_hyperparameters(self, values):
        n_active = self._n_active(values["alpha"], values["k"])
        if n_active > values["n_hidden"]:
            raise ValueError(
                f"alpha * k = {values['alpha']:g} * {values['k']} = {n_active} exceeds "
                f"n_hidden={values['n_hidden']}; lower alpha or k."
            )

    @staticmethod
    def _n_active(alpha, k):
        return int(round(alpha * k))

    # ---------------------------------------------------------------- training
    @property
    def _accepts_sparse_rows(self):
        # The sparse step and the encoder take CSR rows: X W stays sparse × dense.
        return self.step == "sparse" and self.input_dropout == 0

    def _init_parameters(self, X, rng, xp):
        super()._init_parameters(X, rng, xp)
        if self.step == "sparse":
            # Same values, atoms contiguous in memory: the sparse step reads and
            # writes whole atoms (see ksparse.sparse_step), about 20 % faster.
            self.W_ = xp.asfortranarray(self.W_)

    def _k_at(self, step, total_steps):
        return sparsity_level(step, total_steps, self.k, self.k_start)

    def _training_step(self, params, X, *, step, total_steps, rng):
        pass_ = sparse_loss_and_grads if self.step == "sparse" else F.loss_and_grads
        X_in, target = X, None  # (batch, n_features); None: reconstruct the input itself
        if self.input_dropout:  # denoising: encode corrupted rows, reconstruct the clean ones
            keep = dropout_mask(X.shape, self.input_dropout, rng, X.dtype)
            X_in, target = X * to_device(keep, get_array_module(X)), X
        loss, grads, mask = pass_(params, X_in, self._k_at(step, total_steps), self.pre_bias,
                                  target=target)
        return loss, grads, {"active": mask.any(axis=0)}

    def _epoch_logs(self, step, total_steps):
        return {"k": self._k_at(step, total_steps)}

    # --------------------------------------------------------------- inference
    def _encode_sparse(self, X, n_active):
        """supp_{n_active}(Wᵀx + b) of centred rows (x − b′ with the pre-bias)."""
        params = self._parameters()
        X_in = F.encoder_input(X, params, self.pre_bias)  # (n, n_features)
        z = F.encode(X_in, F.encoder_weights(params), params["b"])  # (n, n_hidden)
        return keep_topk(z, n_active)[0]

    def _encode(self, X):
        return self._encode_sparse(X, self._n_active(self.alpha, self.k))

    def _reconstruct(self, X, step=None, total_steps=None):
        k = self.k if step is None else self._k_at(step, total_steps)
        return F.decode(self._encode_sparse(X, k), self.W_, self.b_prime_)
