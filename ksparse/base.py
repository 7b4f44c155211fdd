"""The estimator base every ksparse model shares (the paper's models and their baselines).

A model is a class with

* an explicit, keyword-only ``__init__`` whose signature holds every
  hyper-parameter with the model's default, and which only stores its
  arguments (``self._store_params(locals())``), as scikit-learn asks;
* ``hyperparameters``: the constraint of each hyper-parameter it adds, as
  data (:mod:`ksparse.hyperparameters`), merged with those of its bases and
  checked at the start of ``fit``;
* ``_fitted_arrays()``: the fitted arrays and their shapes, from which
  saving, loading and the loaded-shape checks follow;
* ``_training_step(params, *batch, step, total_steps, rng)``: one forward and
  backward pass on a minibatch, from the layers of :mod:`ksparse.nn`;

and the base owns the rest: validation of every hyper-parameter before any
work, the optimizer (momentum SGD, Eq. 11, or Adam), the loop's hooks with
their defaults (:mod:`ksparse.training`), a checkpoint hook for a model's
extra state, chunked inference on the model's backend, ``save`` and
scikit-learn's parameter and tag protocol.
"""
__all__ = ["CHUNK", "Estimator", "ParamsMixin", "TRAINING_HYPERPARAMETERS"]

import inspect

import numpy as np
import scipy.sparse

from .backend import get_array_module, to_device, to_numpy
from .hyperparameters import Any, Dtype, Int, OneOf, Optional, Real, Seed, validate
from .inputs.streaming import CHUNK, Batches, Rows, is_sparse
from .io.model_files import save_model
from .nn.optim import Adam, MomentumSGD
from .training.threads import thread_setting
from .validation import check_callbacks, check_is_fitted, check_n_features


class ParamsMixin:
    """get_params / set_params / repr read from the ``__init__`` signature."""

    @classmethod
    def _param_names(cls):
        return sorted(name for name in inspect.signature(cls).parameters)

    @classmethod
    def _param_defaults(cls):
        """Each hyper-parameter's default, as the ``__init__`` signature gives it."""
        return {name: p.default for name, p in inspect.signature(cls).parameters.items()}

    def _store_params(self, arguments):
        """Store the arguments of ``__init__`` (its ``locals()``) as attributes of the same name."""
        for name in self._param_names():
            setattr(self, name, arguments[name])

    def get_params(self, deep=True):
        """Hyper-parameters of this model as a dict (``deep`` is accepted for compatibility)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        """Set hyper-parameters by name; returns ``self``.

        Raises
        ------
        ValueError
            For a name that is not a hyper-parameter of this model.
        """
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for estimator {type(self).__name__}. "
                    f"Valid parameters are: {valid!r}."
                )
            setattr(self, name, value)
        return self

    def __repr__(self):
        defaults = self._param_defaults()
        changed = [
            f"{name}={value!r}"
            for name, value in self.get_params().items()
            if not _same(value, defaults.get(name))
        ]
        return f"{type(self).__name__}({', '.join(changed)})"


def _same(a, b):
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:  # arrays or objects without a plain equality
        return a is b


#: The constraints of the training loop's hyper-parameters, shared by every estimator.
TRAINING_HYPERPARAMETERS = {
    "learning_rate": Real(0.0, low_open=True),
    "momentum": Real(0.0, 1.0, high_open=True),
    "lr_end": Optional(Real(0.0)),
    "epochs": Int(low=1),
    "batch_size": Int(low=1),
    "optimizer": OneOf(("momentum", "adam")),
    "dtype": Dtype(),
    "random_state": Seed(),
    "verbose": Any(),
    # Steps between host reads of the non-finite check (ksparse.training.finite_check);
    # None: every step on the CPU, every 50 on a GPU.
    "check_every": Optional(Int(low=1)),
}


class Estimator(ParamsMixin):
    """Base of every ksparse model: hyper-parameters, optimizer, loop hooks, storage, tags.

    Subclasses write their ``__init__`` and declare ``hyperparameters``
    (see the module docstring). The shared training hyper-parameters are
    ``learning_rate``, ``momentum``, ``lr_end``, ``epochs``,
    ``batch_size``, ``optimizer`` ('momentum': Eq. 11 of the paper;
    'adam'), ``dtype``, ``random_state``, ``verbose`` and ``check_every``
    (steps between reads of the non-finite check, :mod:`ksparse.training.finite_check`).
    """

    hyperparameters = TRAINING_HYPERPARAMETERS
    _label_arrays = ()  # fitted arrays of class labels: any dtype, kept on the host
    _nan_when_unset = ()  # fitted arrays where NaN means "not learned yet" (model files allow it)
    _sparse_input = False  # whether fit takes SciPy sparse X (scikit-learn's input tag)
    # Settings that, when not None, start a schedule over total_steps (partial_fit needs it).
    _schedule_settings = ("lr_end", "k_start")

    @classmethod
    def _constraints(cls):
        """The constraint of every hyper-parameter of ``cls``, in the order they are validated.

        The ``hyperparameters`` tables of ``cls`` and its bases, merged: bases
        come before the classes derived from them (so that ``k`` can be
        bounded by ``n_hidden`` of the autoencoder base), and the training
        hyper-parameters shared by every model come last. A name that the
        class sets as a plain class attribute is a fixed setting of that
        model, not a hyper-parameter (e.g. ``TopKAutoencoder.tied = False``).
        """
        classes = [k for k in reversed(cls.__mro__) if k is not Estimator] + [Estimator]
        merged = {}
        for klass in classes:
            merged.update(vars(klass).get("hyperparameters", {}))
        return {name: check for name, check in merged.items() if not hasattr(cls, name)}

    def __sklearn_tags__(self):
        # Only scikit-learn itself calls this, so importing it here adds no dependency.
        from sklearn.utils import InputTags, Tags, TargetTags

        return Tags(
            estimator_type=None,
            target_tags=TargetTags(required=False),
            input_tags=InputTags(sparse=self._sparse_input),
        )

    # ------------------------------------------------------------------ checks
    def _validate_hyperparameters(self):
        """Validate every hyper-parameter; returns their validated values by name.

        Raises
        ------
        TypeError, ValueError
            Naming the first hyper-parameter that is wrong.
        """
        values = validate(self, self._constraints())
        self._check_hyperparameters(values)
        return values

    def _check_hyperparameters(self, values):
        """Rules that tie several hyper-parameters together (none by default)."""

    def _validate_for_training(self, callbacks=None):
        """What ``fit`` and ``partial_fit`` check before any work; returns the hyper-parameters.

        Every hyper-parameter (:meth:`_validate_hyperparameters`), the
        ``callbacks`` given to ``fit`` (:func:`ksparse.validation.check_callbacks`),
        and the environment that only training reads: ``KSPARSE_NUM_THREADS``
        (:func:`ksparse.training.threads.thread_setting`), which the loop would
        otherwise first read after the model was initialised.

        Raises
        ------
        TypeError, ValueError
            Naming the hyper-parameter or the environment variable that is wrong.
        """
        check_callbacks(callbacks)
        values = self._validate_hyperparameters()
        thread_setting()
        return values

    # ---------------------------------------------------------------- training
    def _setting(self, name):
        """A hyper-parameter's value for training: a NumPy scalar as the same Python number.

        Training reads settings through this, never the raw attribute (which
        ``fit`` leaves as given): under NumPy 2's promotion rules (NEP 50)
        ``np.float64(0.9) * float32_array`` is float64, so a NumPy-scalar
        setting would round differently from the same Python number.
        """
        value = getattr(self, name)
        return value.item() if isinstance(value, np.generic) else value

    def _make_optimizer(self, params):
        """Momentum SGD (Eq. 11) or Adam over ``params``, as ``optimizer`` says."""
        if self._setting("optimizer") == "adam":
            return Adam(params)
        return MomentumSGD(params, self._setting("momentum"))

    def _epoch_logs(self, step, total_steps):
        """Model-specific values recorded after every epoch (none by default)."""
        return {}

    def _after_step(self, params, aux):
        """Called after every successful update (nothing by default)."""

    def _new_run_state(self, rng, xp):
        """Start the training state of :meth:`_extra_state` afresh (nothing by default).

        Called when the parameters are first drawn, and when a new run starts
        from fitted weights (``partial_fit`` on a model loaded from a file).
        """

    def _extra_state(self):
        """Arrays of training state beyond the parameters and the optimizer (none by default).

        A model with such state (e.g. an RBM's persistent chain) returns
        them by name; checkpoints store them and :meth:`_set_extra_state`
        restores them, so that resuming stays bitwise exact.
        """
        return {}

    def _set_extra_state(self, arrays):
        """Restore what :meth:`_extra_state` returned (arrays on the model's backend)."""
        current = self._extra_state()
        for name, array in arrays.items():
            current[name][...] = array

    def _checkpoint_rules(self, step):
        """The values a checkpoint of this model can hold, beyond shapes and finiteness (none here).

        A checkpoint's arrays already have the shapes and dtypes of the
        model's own (:mod:`ksparse.training.checkpoint`); these rules refuse
        values that no run writes (a negative threshold, a counter beyond
        the steps taken), which would otherwise resume a run that never was.

        Parameters
        ----------
        step : int
            The steps the checkpoint's run has taken.

        Returns
        -------
        rules : dict
            ``{name: (test, values)}`` by the checkpoint's array names
            (``"param/theta"``, ``"extra/steps_idle"``): ``test(array)`` is
            true where a value is one a run writes, and ``values`` says
            which those are, for the error message.
        """
        return {}

    def _set_backend(self, xp):
        self.backend_ = "numpy" if xp.__name__ == "numpy" else "cupy"

    # --------------------------------------------------------------- inference
    def _apply_in_chunks(self, X, func, attribute, *, keep_sparse=False, sparse_output=False):
        """Run ``func`` on X chunk by chunk on the model's backend; each chunk is checked first.

        X is never converted or moved whole: each chunk of
        :data:`ksparse.inputs.streaming.CHUNK` rows is checked for NaN and infinity,
        converted to the model's dtype, moved to its backend, and its result
        written into the output.

        Parameters
        ----------
        X : array_like, np.memmap, CuPy array or SciPy sparse matrix, shape (n_samples, n_features)
        func : callable
            Maps a chunk (on the model's backend, model's dtype) to an array.
        attribute : str
            A fitted array whose absence means "not fitted".
        keep_sparse : bool
            Hand sparse chunks to ``func`` as CSR (CPU only) instead of dense.
        sparse_output : bool
            Return a SciPy CSR matrix built chunk by chunk (for sparse codes).

        Returns
        -------
        out : array
            The chunks' results stacked, on X's own backend (NumPy for
            memory-mapped and sparse input), or a CSR matrix.
        """
        check_is_fitted(self, attribute)
        fitted = getattr(self, attribute)
        rows = Rows(X, "X", dtype=fitted.dtype)
        check_n_features(self, rows)
        batches = Batches(rows, get_array_module(fitted), keep_sparse=keep_sparse)
        X_module = np if rows.sparse else get_array_module(rows.data)
        parts, out = [], None
        for start, chunk in rows.chunks(check=True):
            result = func(batches.prepare(chunk))
            if sparse_output:
                parts.append(_to_csr(result))
                continue
            result = to_device(result, X_module)
            if out is None:  # one output array, filled in place: no stack of copies
                out = X_module.empty((rows.shape[0],) + result.shape[1:], dtype=result.dtype)
            out[start : start + result.shape[0]] = result
        if sparse_output:
            return scipy.sparse.vstack(parts, format="csr")
        return out

    # ---------------------------------------------------------------- storage
    def _fitted_arrays(self):
        """Fitted arrays by name, each with its shape; dimensions may be names.

        A name is ``"n_features"``, ``"n_classes"`` (from ``classes_``) or a
        hyper-parameter. The first array's absence means "not fitted".
        """
        raise NotImplementedError

    def _shape_symbols(self, arrays):
        sizes = {"n_features": self.n_features_in_}
        if "classes_" in arrays:
            sizes["n_classes"] = arrays["classes_"].shape[0]
        return sizes

    def _check_loaded_shapes(self, arrays, path):
        """Raise when arrays read from ``path`` do not fit the header's sizes."""
        sizes = self._shape_symbols(arrays)
        if sizes.get("n_classes", 2) < 2:  # a classifier learns from two classes or more
            raise ValueError(
                f"{path!s}: array 'classes_' holds {sizes['n_classes']} class(es); "
                f"a classifier has at least 2."
            )
        for name, dims in self._fitted_arrays().items():
            shape = tuple(sizes.get(d, getattr(self, d, d)) if isinstance(d, str) else d
                          for d in dims)
            if arrays[name].shape != shape:
                raise ValueError(
                    f"{path!s}: array {name!r} has shape {arrays[name].shape}, "
                    f"expected {shape}."
                )

    def save(self, path):
        """Write the model to one ``.npz`` file (atomically); see :func:`ksparse.load`."""
        save_model(self, path)


def _to_csr(result):
    """A chunk's result as a SciPy CSR matrix on the host."""
    return result.tocsr() if is_sparse(result) else scipy.sparse.csr_matrix(to_numpy(result))
