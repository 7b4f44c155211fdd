"""What every autoencoder of ksparse shares: centring, the pre-encoder bias, fit and inference.

An autoencoder learns ``W_`` (decoder weights, atoms as columns), ``b_``
(hidden bias) and ``b_prime_`` (decoder bias b′), and maps x to a code h and
back to x̂. This base owns what does not depend on the encoder's non-linearity:

* ``center``: subtract the training mean ``mean_`` (fixed) before
  encoding and add it back after decoding;
* ``pre_bias``: the encoder sees x − b′, with b′ started at the mean example;
* ``fit`` (input checks, the centre, the shared loop with checkpoints),
  ``transform``, ``reconstruct`` and ``score`` in chunks, ``fit_transform``;
* :meth:`encoder_layer`, the affine part of the encoder that a fine-tuned
  network (:mod:`ksparse.finetune`) starts from.

A model adds its hyper-parameters, ``_init_parameters(X, rng, xp)``, ``_training_step``,
``_encode`` and ``_reconstruct`` (both on centred input).
"""
__all__ = ["Autoencoder", "EncoderLayer"]

import collections

from . import functional as F
from .backend import get_xp, to_device
from .estimator import CHUNK, Estimator
from .hyperparameters import Bool, Hyper, Int
from .losses import squared_error
from .training import check_random_state
from .validation import check_array, check_checkpoint_args, check_is_fitted

EncoderLayer = collections.namedtuple("EncoderLayer", ["W", "b", "centre"])
EncoderLayer.__doc__ = """The affine part z = Wᵀ(x − c) + b of a fitted encoder.

Attributes
----------
W : array, shape (n_features, n_hidden)
    Encoder weights (W, or Pᵀ for an untied encoder).
b : array, shape (n_hidden,)
    Hidden bias.
centre : array, shape (n_features,), or None
    c, what the encoder subtracts from x first (``mean_``, plus
    ``b_prime_`` with the pre-encoder bias); None when nothing is subtracted.
"""


class Autoencoder(Estimator):
    """Base of the autoencoders: centring, pre-encoder bias, fit, transform, reconstruct, score.

    Hyper-parameters ``n_hidden`` (int, default 1000), ``center`` and
    ``pre_bias`` (bool, default False) join the training ones of
    :class:`ksparse.estimator.Estimator`.
    """

    hyperparameters = {
        "n_hidden": Hyper(1000, Int(low=1)),
        "center": Hyper(False, Bool()),
        "pre_bias": Hyper(False, Bool()),
    }
    P_ = None  # only an untied model learns an encoder matrix
    mean_ = None  # only a centring model stores the training mean

    # ---------------------------------------------------------------- training
    def fit(self, X, y=None, *, X_val=None, callbacks=None, checkpoint=None,
            checkpoint_every=1, resume=False):
        """Learn the model from X.

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
        values = self._validate_hyperparameters()
        check_checkpoint_args(checkpoint, checkpoint_every, resume)
        X, X_val = self._check_training_data(X, X_val, values["dtype"])
        xp = get_xp()
        X = to_device(X, xp)
        X_val = None if X_val is None else to_device(X_val, xp)
        self.mean_ = X.mean(axis=0) if self.center else None  # (n_features,)
        X, X_val = self._centred(X), None if X_val is None else self._centred(X_val)
        self.n_features_in_ = X.shape[1]
        self._set_backend(xp)
        rng = check_random_state(self.random_state)
        self._init_parameters(X, rng, xp)
        validation = None if X_val is None else (X_val,)
        self._train(self._parameters(), (X,), validation=validation, callbacks=callbacks,
                    rng=rng, checkpoint=checkpoint, checkpoint_every=checkpoint_every,
                    resume=resume)
        return self

    @staticmethod
    def _check_training_data(X, X_val, dtype):
        X = check_array(X, "X", dtype=dtype)
        if X_val is not None:
            X_val = check_array(X_val, "X_val", dtype=X.dtype)
            if X_val.shape[1] != X.shape[1]:
                raise ValueError(
                    f"X_val has {X_val.shape[1]} features, but X has {X.shape[1]}."
                )
        return X, X_val

    def _init_parameters(self, X, rng, xp):
        """Gaussian weights with std ``init_std`` drawn on the host, zero hidden bias (§4.2.2).

        W first, then P for an untied encoder, so a seed gives the same
        weights on either backend. b′ starts at the mean example with
        ``pre_bias``, at zero otherwise.
        """
        shape, dtype = (X.shape[1], self.n_hidden), X.dtype
        self.W_ = to_device((rng.standard_normal(shape) * self.init_std).astype(dtype), xp)
        self.b_ = xp.zeros(self.n_hidden, dtype=dtype)
        self.b_prime_ = self._initial_decoder_bias(X, xp)  # (n_features,)
        self.P_ = None
        if not getattr(self, "tied", True):
            P = rng.standard_normal(shape[::-1]) * self.init_std  # (n_hidden, n_features)
            self.P_ = to_device(P.astype(dtype), xp)

    def _initial_decoder_bias(self, X, xp):
        """b′ at the start: the mean example with ``pre_bias``, zeros otherwise."""
        return X.mean(axis=0) if self.pre_bias else xp.zeros(X.shape[1], dtype=X.dtype)

    def _parameters(self):
        """The fitted arrays under the names used by :mod:`ksparse.functional`."""
        params = {"W": self.W_, "b": self.b_, "b_prime": self.b_prime_}
        if self.P_ is not None:
            params["P"] = self.P_
        return params

    def _validation_loss(self, params, X_val, *, step, total_steps):
        """Mean squared reconstruction error on held-out (centred) data at this step."""
        total = 0.0
        for start in range(0, X_val.shape[0], CHUNK):
            chunk = X_val[start : start + CHUNK]  # (chunk, n_features)
            X_hat = self._reconstruct(chunk, step=step, total_steps=total_steps)
            total += float(squared_error(X_hat, chunk)) * chunk.shape[0]
        return total / X_val.shape[0]

    # --------------------------------------------------------------- inference
    def _centred(self, X):
        """X − mean_ with ``center``; X itself otherwise."""
        return X if self.mean_ is None else X - self.mean_  # (n_samples, n_features)

    def _encoder_input(self, X):
        """What the encoder sees of centred rows: x − b′ with ``pre_bias``."""
        return F.encoder_input(X, self._parameters(), self.pre_bias)

    def transform(self, X):
        """The code h of every row: the model's features.

        For :class:`ksparse.KSparseAutoencoder`, the ``round(alpha * k)``
        largest entries of Wᵀx + b (of Wᵀ(x − b′) + b with the pre-encoder
        bias), the rest zero (§2.2).

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)

        Returns
        -------
        H : array, shape (n_samples, n_hidden)
            NumPy in, NumPy out (CuPy in, CuPy out).
        """
        return self._apply_in_chunks(X, lambda c: self._encode(self._centred(c)), "W_")

    def fit_transform(self, X, y=None, **fit_params):
        """``fit(X, **fit_params)`` then ``transform(X)``."""
        return self.fit(X, y, **fit_params).transform(X)

    def reconstruct(self, X):
        """x̂ of every row, in the units of X (the centre added back).

        For :class:`ksparse.KSparseAutoencoder`, x̂ = W z_Γ + b′ with Γ the
        k largest units of each row.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)

        Returns
        -------
        X_hat : array, shape (n_samples, n_features)
        """
        offset = 0 if self.mean_ is None else self.mean_  # undo the centring
        return self._apply_in_chunks(X, lambda c: self._reconstruct(self._centred(c)) + offset,
                                     "W_")

    def score(self, X, y=None):
        """Minus the mean squared reconstruction error per row (higher is better).

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        score : float
            −(1/n) Σ_i ‖x_i − x̂_i‖².
        """
        X_checked = check_array(X, "X")
        X_hat = self.reconstruct(X_checked)  # (n_samples, n_features)
        return -float(squared_error(X_hat, X_checked.astype(X_hat.dtype, copy=False)))

    def encoder_layer(self):
        """The affine part of the fitted encoder, z = Wᵀ(x − c) + b.

        Returns
        -------
        layer : EncoderLayer
            ``(W, b, centre)``; see :class:`EncoderLayer`.
        """
        check_is_fitted(self, "W_")
        centre = self.mean_
        if self.pre_bias:
            centre = self.b_prime_ if centre is None else centre + self.b_prime_
        return EncoderLayer(F.encoder_weights(self._parameters()), self.b_, centre)

    @property
    def components_(self):
        """``W_.T``, the name scikit-learn uses for learned atoms: (n_hidden, n_features)."""
        check_is_fitted(self, "W_")
        return self.W_.T

    # ---------------------------------------------------------------- storage
    def _fitted_arrays(self):
        arrays = {"W_": ("n_features", "n_hidden"), "b_": ("n_hidden",),
                  "b_prime_": ("n_features",)}
        if not getattr(self, "tied", True):
            arrays["P_"] = ("n_hidden", "n_features")
        if self.center:
            arrays["mean_"] = ("n_features",)
        return arrays
