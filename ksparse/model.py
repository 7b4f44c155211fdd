"""The k-sparse autoencoder estimator (paper §2.2, trained as in §4.2).

:class:`KSparseAutoencoder` wraps the pure functions of
:mod:`ksparse.functional` and the shared loop of :mod:`ksparse.training` in
a scikit-learn style estimator: ``__init__`` stores arguments, ``fit``
validates them and returns ``self``, learned attributes end in ``_``.
"""
__all__ = ["KSparseAutoencoder"]

import numpy as np

from . import functional as F
from .backend import get_array_module, get_xp, to_device
from .base import ParamsMixin
from .io import register_model, save_model
from .optim import Adam, MomentumSGD
from .schedules import sparsity_level
from .topk import keep_topk
from .training import check_random_state, train
from .validation import (
    check_array,
    check_checkpoint_args,
    check_fitted_input,
    check_dtype,
    check_int,
    check_is_fitted,
    check_real,
)

_CHUNK = 4096  # rows encoded at once outside training, to bound memory


@register_model
class KSparseAutoencoder(ParamsMixin):
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
    learning_rate : float, default=0.01
        η of Eq. (11) at the first step.
    momentum : float, default=0.9
        m of Eq. (11), in [0, 1).
    epochs : int, default=20
    batch_size : int, default=128
    init_std : float, default=0.01
        Standard deviation σ of the Gaussian initial weights; biases start at 0.
    k_start : int or None, default=None
        Sparsity schedule (§4.2.1): k falls linearly from ``k_start`` to ``k``
        over the first half of the training steps. None keeps k constant.
    lr_end : float or None, default=None
        When set, η falls linearly from ``learning_rate`` to ``lr_end`` over
        the run (§4.2.2).
    dtype : None, 'float32' or 'float64', default=None
        None follows the input (float32 stays float32, float64 stays float64,
        anything else becomes float64).
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
        'momentum' is Eq. (11); 'adam' uses ``learning_rate`` as Adam's step
        size and ignores ``momentum``.
    random_state : None, int or numpy.random.Generator, default=None
        Seeds the initial weights and the minibatch order; with an int,
        ``fit`` is deterministic on the CPU and initialises identically on
        the GPU.
    verbose : bool, default=True
        Show a progress bar over epochs.

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

    P_ = None  # only an untied model learns an encoder matrix
    mean_ = None  # only a centring model stores the training mean

    @classmethod
    def _array_names(cls, params):
        """Fitted arrays stored by :meth:`save` for these hyper-parameters."""
        names = ("W_", "b_", "b_prime_") + (() if params.get("tied", True) else ("P_",))
        return names + (("mean_",) if params.get("center", False) else ())

    def __init__(
        self,
        n_hidden=1000,
        k=25,
        alpha=1.0,
        tied=True,
        learning_rate=0.01,
        momentum=0.9,
        epochs=20,
        batch_size=128,
        init_std=0.01,
        k_start=None,
        lr_end=None,
        dtype=None,
        center=False,
        pre_bias=False,
        optimizer="momentum",
        random_state=None,
        verbose=True,
    ):
        self.n_hidden = n_hidden
        self.k = k
        self.alpha = alpha
        self.tied = tied
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.epochs = epochs
        self.batch_size = batch_size
        self.init_std = init_std
        self.k_start = k_start
        self.lr_end = lr_end
        self.dtype = dtype
        self.center = center
        self.pre_bias = pre_bias
        self.optimizer = optimizer
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ checks
    def _validate_hyperparameters(self):
        n_hidden = check_int(self.n_hidden, "n_hidden", low=1)
        k = check_int(self.k, "k", low=1, high=n_hidden)
        alpha = check_real(self.alpha, "alpha", low=1.0)
        if self._n_active(alpha, k) > n_hidden:
            raise ValueError(
                f"alpha * k = {alpha:g} * {k} = {self._n_active(alpha, k)} exceeds "
                f"n_hidden={n_hidden}; lower alpha or k."
            )
        if self.k_start is not None:
            check_int(self.k_start, "k_start", low=k, high=n_hidden)
        for name in ("tied", "center", "pre_bias"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise TypeError(f"{name} must be True or False, got {getattr(self, name)!r}.")
        if self.optimizer not in ("momentum", "adam"):
            raise ValueError(f"optimizer must be 'momentum' or 'adam', got {self.optimizer!r}.")
        check_real(self.learning_rate, "learning_rate", low=0.0, low_open=True)
        if self.lr_end is not None:
            check_real(self.lr_end, "lr_end", low=0.0)
        check_real(self.momentum, "momentum", low=0.0, high=1.0, high_open=True)
        check_int(self.epochs, "epochs", low=1)
        check_int(self.batch_size, "batch_size", low=1)
        check_real(self.init_std, "init_std", low=0.0, low_open=True)
        return check_dtype(self.dtype)

    @staticmethod
    def _n_active(alpha, k):
        return int(round(alpha * k))

    # ---------------------------------------------------------------- training
    def fit(self, X, y=None, *, X_val=None, callbacks=None, checkpoint=None,
            checkpoint_every=1, resume=False):
        """Learn the dictionary from X.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
        y : ignored
            Accepted so that scikit-learn pipelines can pass it.
        X_val : array_like, shape (n_val, n_features), optional
            Its reconstruction loss is recorded after every epoch.
        callbacks : list of callables, optional
            Each called after every epoch as ``callback(model, epoch, logs)``.
        checkpoint : str or os.PathLike, optional
            File receiving the full training state every ``checkpoint_every``
            epochs, at the end and on Ctrl-C (see :mod:`ksparse.checkpoint`).
        checkpoint_every : int, default=1
        resume : bool, default=False
            Continue from ``checkpoint`` if it exists. The result is bitwise
            identical on the CPU to a run that was never interrupted.

        Returns
        -------
        self
        """
        dtype = self._validate_hyperparameters()
        check_checkpoint_args(checkpoint, checkpoint_every, resume)
        X = check_array(X, "X", dtype=dtype)
        if X_val is not None:
            X_val = check_array(X_val, "X_val", dtype=X.dtype)
            if X_val.shape[1] != X.shape[1]:
                raise ValueError(
                    f"X_val has {X_val.shape[1]} features, but X has {X.shape[1]}."
                )
        xp = get_xp()
        X = to_device(X, xp)
        X_val = None if X_val is None else to_device(X_val, xp)
        self.mean_ = X.mean(axis=0) if self.center else None  # (n_features,)
        X, X_val = self._centred(X), None if X_val is None else self._centred(X_val)
        rng = check_random_state(self.random_state)
        self._init_parameters(X, rng, xp)
        validation = None if X_val is None else (X_val,)
        train(self, self._parameters(), (X,), validation=validation, callbacks=callbacks,
              rng=rng, checkpoint=checkpoint, checkpoint_every=checkpoint_every, resume=resume)
        return self

    def _init_parameters(self, X, rng, xp):
        """Gaussian weights with std σ, zero biases (§4.2.2), drawn on the host.

        With ``pre_bias`` the decoder bias starts at the mean of X instead.
        """
        n_features, dtype = X.shape[1], X.dtype
        shape = (n_features, self.n_hidden)
        self.W_ = to_device((rng.standard_normal(shape) * self.init_std).astype(dtype), xp)
        self.b_ = xp.zeros(self.n_hidden, dtype=dtype)
        self.b_prime_ = X.mean(axis=0) if self.pre_bias else xp.zeros(n_features, dtype=dtype)
        self.P_ = None
        if not self.tied:
            P = rng.standard_normal(shape[::-1]) * self.init_std  # (n_hidden, n_features)
            self.P_ = to_device(P.astype(dtype), xp)
        self.n_features_in_ = n_features
        self.backend_ = "numpy" if xp is np else "cupy"

    def _parameters(self):
        """The fitted arrays under the names used by :mod:`ksparse.functional`."""
        params = {"W": self.W_, "b": self.b_, "b_prime": self.b_prime_}
        if self.P_ is not None:
            params["P"] = self.P_
        return params

    def _training_step(self, params, X, *, step, total_steps):
        k = sparsity_level(step, total_steps, self.k, self.k_start)
        loss, grads, mask = F.loss_and_grads(params, X, k, self.pre_bias)
        return loss, grads, {"active": mask.any(axis=0)}

    def _make_optimizer(self, params):
        if self.optimizer == "adam":
            return Adam(params)
        return MomentumSGD(params, self.momentum)

    def _epoch_logs(self, step, total_steps):
        return {"k": sparsity_level(step, total_steps, self.k, self.k_start)}

    def _validation_loss(self, params, X_val, *, step, total_steps):
        k = sparsity_level(step, total_steps, self.k, self.k_start)
        total = 0.0
        for start in range(0, X_val.shape[0], _CHUNK):
            chunk = X_val[start : start + _CHUNK]  # (chunk, n_features)
            X_hat = self._reconstruct(chunk, k)
            total += float(F.squared_error(X_hat, chunk)) * chunk.shape[0]
        return total / X_val.shape[0]

    # --------------------------------------------------------------- inference
    def _centred(self, X):
        """X − mean_ with ``center``; X itself otherwise."""
        return X if self.mean_ is None else X - self.mean_  # (n_samples, n_features)

    def _encoder_weights(self):
        return self.W_ if self.P_ is None else self.P_.T  # (n_features, n_hidden)

    def _encode_sparse(self, X, n_active):
        X_in = X - self.b_prime_ if self.pre_bias else X  # (n_samples, n_features)
        z = F.encode(X_in, self._encoder_weights(), self.b_)  # (n_samples, n_hidden)
        return keep_topk(z, n_active)[0]

    def _reconstruct(self, X, k):
        return F.decode(self._encode_sparse(X, k), self.W_, self.b_prime_)

    def _apply_in_chunks(self, X, func):
        """Validate and centre X, run ``func`` on the model's backend in chunks.

        The result is returned on X's own backend.
        """
        X, X_module = check_fitted_input(self, X, "W_")
        out = [func(self._centred(X[s : s + _CHUNK])) for s in range(0, X.shape[0], _CHUNK)]
        xp = get_array_module(out[0])
        return to_device(xp.concatenate(out, axis=0), X_module)

    def transform(self, X):
        """Sparse features h: the α·k largest entries of Wᵀx + b, the rest zero (§2.2).

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)

        Returns
        -------
        H : array, shape (n_samples, n_hidden)
            At most ``round(alpha * k)`` non-zeros per row; NumPy in, NumPy out
            (CuPy in, CuPy out).
        """
        n_active = self._n_active(self.alpha, self.k)
        return self._apply_in_chunks(X, lambda c: self._encode_sparse(c, n_active))

    def fit_transform(self, X, y=None, **fit_params):
        """``fit(X, **fit_params)`` then ``transform(X)``."""
        return self.fit(X, y, **fit_params).transform(X)

    def reconstruct(self, X):
        """x̂ = W z_Γ + b′ with Γ the k largest units of each row.

        Returns
        -------
        X_hat : array, shape (n_samples, n_features)
        """
        offset = 0 if self.mean_ is None else self.mean_  # undo the centring
        return self._apply_in_chunks(X, lambda c: self._reconstruct(c, self.k) + offset)

    @property
    def components_(self):
        check_is_fitted(self, "W_")
        return self.W_.T

    # ---------------------------------------------------------------- storage
    def _check_loaded_shapes(self, arrays, path):
        """Raise when arrays read from ``path`` do not fit the header's sizes."""
        n_features, n_hidden = self.n_features_in_, self.n_hidden
        expected = {"W_": (n_features, n_hidden), "b_": (n_hidden,), "b_prime_": (n_features,)}
        if not self.tied:
            expected["P_"] = (n_hidden, n_features)
        if self.center:
            expected["mean_"] = (n_features,)
        for name, shape in expected.items():
            if arrays[name].shape != shape:
                raise ValueError(
                    f"{path!s}: array {name!r} has shape {arrays[name].shape}, "
                    f"expected {shape}."
                )

    def save(self, path):
        """Write the model to one ``.npz`` file (atomically); see :func:`ksparse.load`."""
        save_model(self, path)
