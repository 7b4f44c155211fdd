"""The estimator base every ksparse model shares (the paper's models and their baselines).

A model is a class with

* ``hyperparameters``: a dict of :class:`ksparse.hyperparameters.Hyper`
  (merged with those of its bases, and ``defaults`` overriding inherited
  defaults); ``__init__`` is built from it and only stores the arguments;
* ``_fitted_arrays()``: the fitted arrays and their shapes, from which
  saving, loading and the loaded-shape checks follow;
* ``_training_step(params, *batch, step, total_steps, rng)``: one forward and
  backward pass on a minibatch, from the layers of :mod:`ksparse.nn`;

and the base owns the rest: validation of every hyper-parameter before any
work, the optimizer (momentum SGD, Eq. 11, or Adam), the loop's hooks with
their defaults (:mod:`ksparse.training`), a checkpoint hook for a model's
extra state, chunked inference on the model's backend, and ``save``.
"""
__all__ = ["CHUNK", "Estimator", "ParamsMixin", "TRAINING_HYPERPARAMETERS"]

import inspect

import numpy as np
import scipy.sparse

from .backend import get_array_module, to_device, to_numpy
from .hyperparameters import (
    Any,
    Dtype,
    Hyper,
    Int,
    OneOf,
    Optional,
    Real,
    Seed,
    validate,
)
from .inputs.streaming import CHUNK, Batches, Rows, is_sparse
from .io.model_files import save_model
from .nn.optim import Adam, MomentumSGD
from .validation import check_is_fitted, check_n_features


class ParamsMixin:
    """get_params / set_params / repr read from the ``__init__`` signature."""

    @classmethod
    def _param_names(cls):
        signature = inspect.signature(cls.__init__)
        return sorted(
            name
            for name, p in signature.parameters.items()
            if name != "self" and p.kind != p.VAR_KEYWORD
        )

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
        defaults = {
            name: p.default
            for name, p in inspect.signature(type(self).__init__).parameters.items()
        }
        changed = [
            f"{name}={value!r}"
            for name, value in self.get_params().items()
            if not _same(value, defaults.get(name))
        ]
        return f"{type(self).__name__}({', '.join(changed)})"

    def __sklearn_tags__(self):
        # Only called by scikit-learn itself, so importing it here adds no dependency.
        from sklearn.utils import Tags, TargetTags, TransformerTags

        return Tags(
            estimator_type=None,
            target_tags=TargetTags(required=False),
            transformer_tags=TransformerTags(),
        )


def _same(a, b):
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:  # arrays or objects without a plain equality
        return a is b


TRAINING_HYPERPARAMETERS = {
    "learning_rate": Hyper(0.01, Real(0.0, low_open=True)),
    "momentum": Hyper(0.9, Real(0.0, 1.0, high_open=True)),
    "lr_end": Hyper(None, Optional(Real(0.0))),
    "epochs": Hyper(20, Int(low=1)),
    "batch_size": Hyper(128, Int(low=1)),
    "optimizer": Hyper("momentum", OneOf(("momentum", "adam"))),
    "dtype": Hyper(None, Dtype()),
    "random_state": Hyper(None, Seed()),
    "verbose": Hyper(True, Any()),
    # Steps between host reads of the non-finite check (ksparse.training.finite_check);
    # None: every step on the CPU, every 50 on a GPU.
    "check_every": Hyper(None, Optional(Int(low=1))),
}


def _declarations(cls):
    """Hyper-parameters of ``cls`` and its bases, in the order they are validated.

    Bases come before the classes derived from them (so that ``k`` can be
    bounded by ``n_hidden`` of the autoencoder base), and the training
    hyper-parameters shared by every model come last.
    """
    classes = [k for k in reversed(cls.__mro__) if k is not Estimator] + [Estimator]
    merged = {}
    for klass in classes:
        merged.update(vars(klass).get("hyperparameters", {}))
    for klass in reversed(cls.__mro__):  # the most derived override wins
        for name, default in vars(klass).get("defaults", {}).items():
            merged[name] = merged[name].with_default(default)
    return merged


def _make_init(cls, declarations):
    """An ``__init__`` that stores each keyword argument (or its default) as an attribute."""
    names = tuple(declarations)

    def __init__(self, **params):
        unknown = sorted(set(params) - set(names))
        if unknown:
            raise TypeError(
                f"{type(self).__name__}() got an unexpected keyword argument {unknown[0]!r}"
            )
        for name in names:
            setattr(self, name, params.get(name, declarations[name].default))

    keyword = inspect.Parameter.KEYWORD_ONLY
    __init__.__signature__ = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(n, keyword, default=declarations[n].default) for n in names]
    )
    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    __init__.__doc__ = f"Store the hyper-parameters of {cls.__name__} (see the class docstring)."
    return __init__


class Estimator(ParamsMixin):
    """Base of every ksparse model: hyper-parameters, optimizer, loop hooks, storage.

    Subclasses declare ``hyperparameters`` and ``defaults`` (see the module
    docstring). The shared training hyper-parameters are
    ``learning_rate``, ``momentum``, ``lr_end``, ``epochs``,
    ``batch_size``, ``optimizer`` ('momentum': Eq. 11 of the paper;
    'adam'), ``dtype``, ``random_state``, ``verbose`` and ``check_every``
    (steps between reads of the non-finite check, :mod:`ksparse.training.finite_check`).
    """

    hyperparameters = TRAINING_HYPERPARAMETERS
    _label_arrays = ()  # fitted arrays of class labels: any dtype, kept on the host

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._declared = _declarations(cls)
        if "__init__" not in vars(cls):
            cls.__init__ = _make_init(cls, cls._declared)

    # ------------------------------------------------------------------ checks
    def _validate_hyperparameters(self):
        """Validate every hyper-parameter; returns their validated values by name.

        Raises
        ------
        TypeError, ValueError
            Naming the first hyper-parameter that is wrong.
        """
        values = validate(self, self._declared)
        self._check_hyperparameters(values)
        return values

    def _check_hyperparameters(self, values):
        """Rules that tie several hyper-parameters together (none by default)."""

    # ---------------------------------------------------------------- training
    def _make_optimizer(self, params):
        """Momentum SGD (Eq. 11) or Adam over ``params``, as ``optimizer`` says."""
        if self.optimizer == "adam":
            return Adam(params)
        return MomentumSGD(params, self.momentum)

    def _epoch_logs(self, step, total_steps):
        """Model-specific values recorded after every epoch (none by default)."""
        return {}

    def _after_step(self, params, aux):
        """Called after every successful update (nothing by default)."""

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
        for name, dims in self._fitted_arrays().items():
            shape = tuple(sizes.get(d, getattr(self, d, d)) if isinstance(d, str) else d
                          for d in dims)
            if arrays[name].shape != shape or sizes.get("n_classes", 2) < 2:
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
