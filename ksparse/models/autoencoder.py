"""What every autoencoder of ksparse shares: centring, the pre-encoder bias, fit and inference.

An autoencoder learns ``W_`` (decoder weights, atoms as columns), ``b_``
(hidden bias) and ``b_prime_`` (decoder bias b′), and maps x to a code h and
back to x̂. This base owns what does not depend on the encoder's non-linearity:

* ``center``: subtract the training mean ``mean_`` (fixed) before
  encoding and add it back after decoding;
* ``pre_bias``: the encoder sees x − b′, with b′ started at the mean example;
* ``fit`` (input checks, the centre, the shared loop with checkpoints),
  ``partial_fit`` (the same loop continued call by call, see
  :mod:`ksparse.inputs.incremental`), ``transform``, ``reconstruct`` and ``score``
  in chunks, ``fit_transform``;
* input of every kind, read as needed (:mod:`ksparse.inputs.streaming`): dense,
  memory-mapped, SciPy sparse, CuPy, and dask arrays (:mod:`ksparse.inputs.dask_arrays`);
* :meth:`Autoencoder.encoder_layer`, the affine part of the encoder that a fine-tuned
  network (:mod:`ksparse.finetune`) starts from.

A model adds its hyper-parameters, ``_init_parameters(X, rng, xp)``, ``_training_step``,
``_encode`` and ``_reconstruct`` (both on centred input).
"""
__all__ = ["Autoencoder", "EncoderLayer"]

import collections

import numpy as np

from ..backend import get_xp, to_device
from ..base import CHUNK, Estimator
from ..hyperparameters import RATE, Bool, Int, Optional, Real
from ..inputs import incremental
from ..inputs.streaming import Batches, InitialRows, checked_rows, column_mean, is_sparse
from ..inputs.streaming import is_dask_array as _is_dask
from ..nn import encoder_decoder as F
from ..nn.squared_error import squared_error
from ..training.checkpoint import check_checkpoint
from ..training.loop import start_run, train
from ..validation import check_is_fitted, check_random_state


def _dask():
    from ..inputs import dask_arrays

    return dask_arrays


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

    Declares the constraints of the hyper-parameters that several
    autoencoders share (each model's ``__init__`` gives their defaults and
    documents them): ``n_hidden``, ``center``, ``pre_bias``, ``total_steps``
    (the length of the learning-rate and sparsity schedules; None means
    epochs × ceil(n_samples / batch_size) in ``fit``, and must be set for
    ``partial_fit`` when ``lr_end`` or ``k_start`` is), ``tied``,
    ``init_std`` (read by ``_init_parameters``) and ``input_dropout``.
    A model without one of these options fixes it as a class attribute
    (``RBM.tied = True``). They join the training ones of
    :class:`ksparse.base.Estimator`.
    """

    hyperparameters = {
        "n_hidden": Int(low=1),
        "center": Bool(),
        "pre_bias": Bool(),
        "total_steps": Optional(Int(low=1)),
        "tied": Bool(),
        "init_std": Real(0.0, low_open=True),
        "input_dropout": RATE,
    }
    P_ = None  # only an untied model learns an encoder matrix
    mean_ = None  # only a centring model stores the training mean
    _run = None  # the training run (optimizer, step, history) that partial_fit continues
    # A model whose _encode, _reconstruct and _training_step take CSR rows sets this;
    # sparse rows then reach it undensified (on the CPU, without centre or pre-bias).
    _accepts_sparse_rows = False
    _sparse_input = True  # any autoencoder reads SciPy sparse X (densified chunk by chunk)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        from sklearn.utils import TransformerTags  # only scikit-learn itself calls this

        # dtype=None follows the input: float32 and float64 codes keep X's type.
        kept = ["float64", "float32"] if self.dtype is None else [np.dtype(self.dtype).name]
        tags.transformer_tags = TransformerTags(preserves_dtype=kept)
        return tags

    # ---------------------------------------------------------------- training
    def fit(self, X, y=None, *, X_val=None, callbacks=None, checkpoint=None,
            checkpoint_every=1, resume=False):
        """Learn the model from X.

        Parameters
        ----------
        X : array_like, np.memmap, SciPy sparse, CuPy or dask array, shape (n_samples, n_features)
            Read one minibatch at a time, never copied whole (see
            :mod:`ksparse.inputs.streaming`; a dask array: :mod:`ksparse.inputs.dask_arrays`).
        y : ignored
            Accepted so that scikit-learn pipelines can pass it.
        X_val : array_like, shape (n_val, n_features), optional
            Its reconstruction loss is recorded after every epoch (held in
            memory, dense).
        callbacks : list of callables, optional
            Each called after every epoch as ``callback(model, epoch, logs)``.
        checkpoint : str or os.PathLike, optional
            File receiving the full training state every ``checkpoint_every``
            epochs, at the end and on Ctrl-C (see :mod:`ksparse.training.checkpoint`).
        checkpoint_every : int, default=1
        resume : bool, default=False
            Continue from ``checkpoint`` if it exists. The result is bitwise
            identical on the CPU to a run that was never interrupted.

        Returns
        -------
        self
        """
        values = self._validate_for_training(callbacks)
        check_checkpoint(checkpoint, checkpoint_every, resume)
        if _is_dask(X):
            return _dask().fit_blocks(self, X, X_val=X_val, callbacks=callbacks,
                                      checkpoint=checkpoint)
        rows, val_rows = self._check_training_data(X, X_val, values["dtype"])
        xp = get_xp()
        rng = check_random_state(self.random_state)
        batches = self._initialise(rows, xp, rng)
        self._run = start_run(self, self._parameters(), rng)
        train(self, self._run.params, (batches,), validation=self._validation_data(val_rows, xp),
              callbacks=callbacks, rng=rng, checkpoint=checkpoint,
              checkpoint_every=checkpoint_every, resume=resume, run=self._run)
        return self

    def partial_fit(self, X, y=None, *, mean=None, X_val=None, callbacks=None, checkpoint=None,
                    resume=False):
        """One pass of minibatch updates over X, in X's row order, continuing the run.

        The first call initialises the model from its X (and, with
        ``center``, fixes the centre ``mean_`` at the mean of that X, or at
        ``mean``); later calls continue with the optimizer state, the step
        counter behind the schedules, the dead-unit counters and the history
        (one entry per call). ``fit`` followed by ``partial_fit`` continues
        fit's run. So ``fit(X)`` equals ``partial_fit`` called on X's
        shuffled minibatches, bitwise on the CPU, when the first call is
        given fit's centre, the mean of X in the dtype the model trains in
        (``mean=X.astype(dtype).mean(axis=0)``; ``X.mean(axis=0)`` only when
        X has that dtype). See :mod:`ksparse.inputs.incremental`.

        Parameters
        ----------
        X : array_like, np.memmap, SciPy sparse, CuPy or dask array, shape (n_samples, n_features)
            A dask array is streamed block by block (one pass, blocks in order).
        y : ignored
        mean : array_like, shape (n_features,), optional
            The centre, with ``center=True``, for the call that initialises the model.
        X_val : array_like, shape (n_val, n_features), optional
            Its reconstruction loss is recorded after the call.
        callbacks : list of callables, optional
            Each called after the call as ``callback(model, pass_index, logs)``.
        checkpoint : str or os.PathLike, optional
            Receives the full training state after the call.
        resume : bool, default=False
            When this call starts the run (a new model), continue from
            ``checkpoint`` if it exists instead.

        Returns
        -------
        self
        """
        if _is_dask(X):
            return _dask().partial_fit_blocks(self, X, mean=mean, X_val=X_val,
                                              callbacks=callbacks, checkpoint=checkpoint,
                                              resume=resume)
        return incremental.partial_fit(self, X, mean=mean, X_val=X_val, callbacks=callbacks,
                                       checkpoint=checkpoint, resume=resume)

    def _check_training_data(self, X, X_val, dtype):
        """X and X_val as :class:`~ksparse.inputs.streaming.Rows`, each read once to check it."""
        rows = checked_rows(self, X, "X", dtype)
        if X_val is None:
            return rows, None
        return rows, checked_rows(self, X_val, "X_val", rows.dtype, rows.shape[1])

    def _unit_interval(self):
        """Why the training data must lie in [0, 1] (a phrase for messages), or None (here)."""
        return None

    def _check_extremes(self, name, low, high):
        """Refuse training data whose smallest and largest values the model cannot learn (no-op).

        Called, when :meth:`_unit_interval` gives a reason, with the extremes
        (finite, read in the model's dtype) of X and of X_val, each found in
        the pass that looks for NaN (:func:`ksparse.inputs.streaming.checked_rows`;
        a dask X's blocks on the cluster, :mod:`ksparse.inputs.dask_arrays`),
        after the arguments are checked and before any training.
        """

    def _sparse_rows(self):
        """Whether sparse rows can reach the model undensified."""
        return self._accepts_sparse_rows and not (self.pre_bias or self.center)

    def _initialise(self, rows, xp, rng, mean=None):
        """Fix the centre and draw the initial parameters; returns the minibatch source.

        ``mean`` (already checked, on ``xp``) is the centre to use instead
        of the mean of ``rows``.
        """
        self.n_features_in_ = rows.shape[1]
        self._set_backend(xp)
        batches = Batches(rows, xp, resident=True, keep_sparse=self._sparse_rows())
        self.mean_ = None
        if self.center:
            self.mean_ = column_mean(batches) if mean is None else mean  # (n_features,)
        batches.mean = self.mean_
        self._init_parameters(InitialRows(batches), rng, xp)
        return batches

    def _validation_data(self, val_rows, xp):
        """Held-out rows as the loop wants them: dense, centred, on the device (or None)."""
        if val_rows is None:
            return None
        return (Batches(val_rows, xp, self.mean_).dense(),)

    def _init_parameters(self, X, rng, xp):
        """Gaussian weights with std ``init_std`` drawn on the host, zero hidden bias (§4.2.2).

        W first, then P for an untied encoder, so a seed gives the same
        weights on either backend. b′ starts at the mean example with
        ``pre_bias``, at zero otherwise.
        """
        shape, dtype = (X.shape[1], self._setting("n_hidden")), X.dtype
        std = self._setting("init_std")
        self.W_ = to_device((rng.standard_normal(shape) * std).astype(dtype), xp)
        self.b_ = xp.zeros(self._setting("n_hidden"), dtype=dtype)
        self.b_prime_ = self._initial_decoder_bias(X, xp)  # (n_features,)
        self.P_ = None
        if not self.tied:
            P = rng.standard_normal(shape[::-1]) * std  # (n_hidden, n_features)
            self.P_ = to_device(P.astype(dtype), xp)

    def _initial_decoder_bias(self, X, xp):
        """b′ at the start: the mean example with ``pre_bias``, zeros otherwise."""
        return X.mean(axis=0) if self.pre_bias else xp.zeros(X.shape[1], dtype=X.dtype)

    def _parameters(self):
        """The fitted arrays under the names used by :mod:`ksparse.nn.encoder_decoder`."""
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

    def transform(self, X, *, sparse_output=False):
        """The code h of every row: the model's features.

        For :class:`ksparse.KSparseAutoencoder`, the ``round(alpha * k)``
        largest entries of Wᵀx + b (of Wᵀ(x − b′) + b with the pre-encoder
        bias), the rest zero (§2.2).

        Parameters
        ----------
        X : array_like, np.memmap, SciPy sparse, CuPy or dask array, shape (n_samples, n_features)
            Read, checked and encoded :data:`~ksparse.inputs.streaming.CHUNK` rows at a time.
        sparse_output : bool, default=False
            Return the codes as a SciPy CSR matrix, built chunk by chunk (a
            k-sparse code is mostly zeros).

        Returns
        -------
        H : array, shape (n_samples, n_hidden)
            NumPy in, NumPy out (CuPy in, CuPy out; memory-mapped or sparse
            in, NumPy out); a lazy dask array for a dask array.
        """
        if _is_dask(X):
            return _dask().map_rows(self, X, "transform", sparse_output=sparse_output)
        return self._apply_in_chunks(X, lambda c: self._encode(self._centred(c)), "W_",
                                     keep_sparse=self._sparse_rows(),
                                     sparse_output=sparse_output)

    def fit_transform(self, X, y=None, **fit_params):
        """``fit(X, **fit_params)`` then ``transform(X)``."""
        return self.fit(X, y, **fit_params).transform(X)

    def reconstruct(self, X):
        """x̂ of every row, in the units of X (the centre added back).

        For :class:`ksparse.KSparseAutoencoder`, x̂ = W z_Γ + b′ with Γ the
        k largest units of each row.

        Parameters
        ----------
        X : array_like, np.memmap, SciPy sparse, CuPy or dask array, shape (n_samples, n_features)

        Returns
        -------
        X_hat : array, shape (n_samples, n_features)
            Dense; a lazy dask array for a dask array.
        """
        if _is_dask(X):
            return _dask().map_rows(self, X, "reconstruct")
        return self._apply_in_chunks(X, self._reconstruct_chunk, "W_",
                                     keep_sparse=self._sparse_rows())

    def _reconstruct_chunk(self, chunk):
        X_hat = self._reconstruct(self._centred(chunk))  # (chunk, n_features), a new array
        if self.mean_ is not None:
            X_hat += self.mean_  # undo the centring, in place: one chunk-sized array less
        return X_hat

    def _row_errors(self, X):
        """‖x − x̂‖² of every row, computed in chunks: shape (n_samples,)."""
        def errors(chunk):
            diff = self._reconstruct_chunk(chunk)  # (chunk, n_features)
            diff -= chunk.toarray() if is_sparse(chunk) else chunk
            diff *= diff
            return diff.sum(axis=1)  # (chunk,)

        return self._apply_in_chunks(X, errors, "W_", keep_sparse=self._sparse_rows())

    def score(self, X, y=None):
        """Minus the mean squared reconstruction error per row (higher is better).

        Parameters
        ----------
        X : array_like, np.memmap, SciPy sparse, CuPy or dask array, shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        score : float
            −(1/n) Σ_i ‖x_i − x̂_i‖².
        """
        if _is_dask(X):
            return _dask().score_blocks(self, X)
        return -float(self._row_errors(X).mean())

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
        if not self.tied:
            arrays["P_"] = ("n_hidden", "n_features")
        if self.center:
            arrays["mean_"] = ("n_features",)
        return arrays
