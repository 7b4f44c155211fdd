"""The k-sparse autoencoder (paper §2.2 and §3.2, trained as in §4.2).

A linear autoencoder whose hidden layer keeps only the k largest activities
of each example. This file holds all of it: the hyper-parameters, the
forward and backward pass written out in the paper's notation
(:func:`loss_and_grads`), and the estimator. With signals as rows (``X`` is
(n_samples, n_features)), the paper's column-vector equations read

    z   = Wᵀx + b            ->  Z     = X @ W + b               (affine)
    Γ   = supp_k(z)          ->  Z_Γ, mask = topk(Z, k)          (top-k, §2.2)
    x̂   = W z_Γ + b′         ->  X_hat = Z_Γ @ Wᵀ + b′           (decode)
    E   = ‖x − x̂‖²           ->  mean over rows of the row sums  (squared error)

Backpropagation runs only through the k selected units (§3.2): the decoder
gradient is gradient descent on the dictionary atoms W_Γ, and the encoder
gradient approximates the pseudo-inverse step of ITI. With tied weights the
two contributions add up in one gradient for W. k follows the schedule of
§4.2.1 (:func:`ksparse.nn.schedules.sparsity_level`); features are the
α·k largest units (§2.2). The update is Eq. 11 (:mod:`ksparse.nn.optim`).

The same pass, computed so that after the encoder product it touches only
the k selected units, is :func:`ksparse.fast.sparse_step.sparse_loss_and_grads`;
``step='sparse'`` (the default) hands each training step to it, and the tests
check it against :func:`loss_and_grads`.
"""
__all__ = ["KSparseAutoencoder", "loss_and_grads"]

from ..backend import get_array_module, to_device
from ..fast.sparse_step import sparse_loss_and_grads
from ..hyperparameters import Int, OneOf, Optional, Real
from ..io.model_files import register_model
from ..nn import encoder_decoder as F
from ..nn.affine import affine, affine_backward
from ..nn.dropout import dropout_mask
from ..nn.schedules import sparsity_level
from ..nn.squared_error import squared_error, squared_error_backward
from ..nn.supp_k import n_kept, topk, topk_backward
from .autoencoder import Autoencoder


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
    W_enc = F.encoder_weights(params)  # (n_features, n_hidden)
    X_in = F.encoder_input(X, params, pre_bias)  # (n_samples, n_features)
    z = affine(X_in, W_enc, b)  # (n_samples, n_hidden): z = Wᵀx + b
    z_sparse, mask = topk(z, k)  # (n_samples, n_hidden) twice: Γ = supp_k(z)
    X_hat = F.decode(z_sparse, W, b_prime)  # (n_samples, n_features): x̂ = W z_Γ + b′
    T = X if target is None else target  # (n_samples, n_features)
    loss = squared_error(X_hat, T)

    dX_hat = squared_error_backward(X_hat, T)  # (n_samples, n_features)
    dW, db_prime, dz_sparse = F.decode_backward(dX_hat, z_sparse, W)
    dz = topk_backward(dz_sparse, mask)  # (n_samples, n_hidden)
    dW_enc, db = affine_backward(dz, X_in)  # (n_features, n_hidden), (n_hidden,)
    if pre_bias:
        db_prime = db_prime - W_enc @ db  # b′ also shifts the encoder's input
    grads = {"W": dW, "b": db, "b_prime": db_prime}
    if "P" in params:
        grads["P"] = dW_enc.T  # (n_hidden, n_features)
    else:
        grads["W"] = dW + dW_enc  # tied: decoder and encoder both use W
    return loss, grads, mask


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
        to float rounding. 'sparse' (:mod:`ksparse.fast.sparse_step`) touches only
        the k selected units of each row after the encoder product and is
        about twice as fast; 'dense' (:func:`loss_and_grads`)
        is the readable reference written with full matrices.
    input_dropout : float in [0, 1), default=0.0
        Denoising (not in the paper): each training step encodes its rows
        with this fraction of the entries set to zero (the others scaled by
        1/(1 − rate), after centring) and reconstructs the clean rows; with
        ``pre_bias`` the encoder sees the corrupted row minus b′, as any
        input. A regulariser for the features; inference always sees clean input.
    dtype : None, 'float32' or 'float64', default=None
        None follows the input (float32 stays float32, others become float64).
    random_state : None, int or numpy.random.Generator, default=None
        Seeds the initial weights and the minibatch order.
    verbose : bool, default=True
        Show a progress bar over epochs.
    check_every : int or None, default=None
        Steps between host reads of the check that stops training on a NaN
        or infinite loss or gradient (:mod:`ksparse.training.finite_check`); in
        between, updates run ahead and a non-finite step is rolled back.
        None: every step with NumPy, every 50 with CuPy (no host transfer
        per step). The parameters and the error are the same either way.
    total_steps : int or None, default=None
        Length of the learning-rate and sparsity schedules; None means
        epochs × ceil(n_samples / batch_size) (see :class:`~ksparse.models.autoencoder.Autoencoder`).

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
        "k": Int(low=1, high="n_hidden"),
        "alpha": Real(low=1.0),
        "k_start": Optional(Int(low="k", high="n_hidden")),
        "step": OneOf(("sparse", "dense")),
    }

    def __init__(self, *, n_hidden=1000, k=25, alpha=1.0, tied=True, init_std=0.01, k_start=None,
                 step="sparse", input_dropout=0.0, center=False, pre_bias=False, total_steps=None,
                 learning_rate=0.01, momentum=0.9, lr_end=None, epochs=20, batch_size=128,
                 optimizer="momentum", dtype=None, random_state=None, verbose=True,
                 check_every=None):
        self._store_params(locals())

    def _check_hyperparameters(self, values):
        n_kept(values["k"], values["alpha"], values["n_hidden"])

    # ---------------------------------------------------------------- training
    @property
    def _accepts_sparse_rows(self):
        # The sparse step and the encoder take CSR rows: X W stays sparse × dense.
        return self.step == "sparse" and self.input_dropout == 0

    def _init_parameters(self, X, rng, xp):
        super()._init_parameters(X, rng, xp)
        if self.step == "sparse":
            # Same values, atoms contiguous in memory: the sparse step reads and
            # writes whole atoms (see ksparse.fast.sparse_step), about 20 % faster.
            self.W_ = xp.asfortranarray(self.W_)

    def _k_at(self, step, total_steps):
        return sparsity_level(step, total_steps, self._setting("k"), self._setting("k_start"))

    def _training_step(self, params, X, *, step, total_steps, rng):
        """Loss, gradients and the units used, at this step's k; the loop then applies Eq. 11."""
        k = self._k_at(step, total_steps)  # the sparsity schedule of §4.2.1
        X_in, target = X, None  # (batch, n_features); None: reconstruct the input itself
        rate = self._setting("input_dropout")
        if rate:  # denoising: encode corrupted rows, reconstruct the clean ones
            keep = dropout_mask(X.shape, rate, rng, X.dtype)
            X_in, target = X * to_device(keep, get_array_module(X)), X
        # The readable pass is loss_and_grads above; step='sparse' (the default) hands
        # the same computation to the fast path, which touches only the k selected units.
        pass_ = sparse_loss_and_grads if self.step == "sparse" else loss_and_grads
        loss, grads, mask = pass_(params, X_in, k, self.pre_bias, target=target)
        return loss, grads, {"active": mask.any(axis=0)}

    def _epoch_logs(self, step, total_steps):
        return {"k": self._k_at(step, total_steps)}

    # --------------------------------------------------------------- inference
    def _encode_sparse(self, X, n_active):
        """h = Wᵀx + b of centred rows (x − b′ with the pre-bias), kept on supp_{n_active}(h).

        §2.2's sparse encoding with n_active = α·k (``transform``), and the
        code the decoder reconstructs from with n_active = k (``reconstruct``):
        h_(Γ)ᶜ = 0 where Γ = supp_{n_active}(h).
        """
        params = self._parameters()
        X_in = F.encoder_input(X, params, self.pre_bias)  # (n, n_features)
        z = affine(X_in, F.encoder_weights(params), params["b"])  # (n, n_hidden)
        return topk(z, n_active)[0]

    def _encode(self, X):
        """The features of centred rows: the α·k largest units (see ``_encode_sparse``)."""
        return self._encode_sparse(X, n_kept(self.k, self.alpha))

    def _reconstruct(self, X, step=None, total_steps=None):
        k = self.k if step is None else self._k_at(step, total_steps)
        return F.decode(self._encode_sparse(X, k), self.W_, self.b_prime_)
