"""The fine-tuned k-sparse network as an estimator (paper §4.5, §4.6).

:class:`SparseMLPClassifier` wraps :mod:`ksparse.finetune.network` in the
shared loop of :mod:`ksparse.training`. It can start from trained k-sparse
autoencoders (:meth:`SparseMLPClassifier.from_autoencoders`) and can train
only its top layers (``trainable``), which is what the layer-wise schedule
of §4.6 (:func:`ksparse.finetune.layerwise_finetune`) needs.
"""
__all__ = ["SparseMLPClassifier"]

import numbers

import numpy as np

from ..backend import get_array_module, get_xp, to_device
from ..base import CHUNK, Estimator
from ..classify._base import ClassifierMixin
from ..hyperparameters import Bool, Custom, Int, Optional, Real
from ..io.model_files import register_model
from ..nn.cross_entropy import cross_entropy, log_softmax
from ..nn.supp_k import n_kept
from ..training.loop import train
from ..validation import check_int, check_random_state
from . import network
from .pretrained import input_centre_of, layers_from_autoencoders

TRAINABLE = ("softmax", "top", "all")


def _check_layer_sizes(name, sizes, values):
    """``hidden_layers`` as a non-empty tuple of positive ints."""
    sizes = (sizes,) if isinstance(sizes, numbers.Integral) else tuple(sizes)
    if not sizes:
        raise ValueError(f"{name} must name at least one hidden layer.")
    return tuple(check_int(n, name, low=1) for n in sizes)


def _check_trainable(name, value, values):
    """``trainable`` as the number of hidden layers, from the top, that train."""
    n_layers = len(values["hidden_layers"])
    named = {"softmax": 0, "top": min(1, n_layers), "all": n_layers}
    if isinstance(value, str) and value in named:
        return named[value]
    if isinstance(value, str):
        raise ValueError(f"{name} must be one of {TRAINABLE} or an int, got {value!r}.")
    return check_int(value, name, low=0, high=n_layers)


@register_model
class SparseMLPClassifier(ClassifierMixin, Estimator):
    """Network of k-sparse linear hidden layers with a softmax output (§4.5, §4.6).

    Parameters
    ----------
    hidden_layers : int or sequence of int, default=(1000,)
        Sizes of the hidden layers, bottom first.
    k : int, default=25
    alpha : float, default=3.0
        Every hidden layer keeps its ``round(alpha * k)`` largest activities
        (values unchanged, the rest zero), in training and in prediction.
    center : bool, default=False
        Subtract a fixed input centre ``mean_`` before the first layer: the
        mean of the training inputs, or, for a network made by
        :meth:`from_autoencoders`, the centre its first autoencoder
        subtracted. An equivalent bias computes the same function, but the
        updates differ: without the centre every step on the first layer
        also moves along the large mean input, which can make η = 1 unstable.
    trainable : {'all', 'top', 'softmax'} or int, default='all'
        Layers that ``fit`` updates: 'softmax' the output layer only, 'top'
        the last hidden layer and the output layer, 'all' everything; an int
        n trains the top n hidden layers and the output layer. The others
        stay exactly as they are.
    learning_rate : float, default=1.0
        η of Eq. (11) at the first step. The loss is the *mean* over the
        minibatch of the cross-entropy, so ∂E/∂s = (p − e_y)/B has entries
        of size at most 1/B per example and the step does not grow with the
        batch size: η ≈ 1 is the natural scale for features of unit size
        (as for logistic regression on such features).
    momentum : float, default=0.25
        m of Eq. (11).
    lr_end : float or None, default=0.001
        η falls linearly from ``learning_rate`` to ``lr_end`` over the run.
    epochs : int, default=200
    batch_size : int, default=128
    init_std : float or None, default=None
        Standard deviation of the Gaussian initial hidden weights of a layer
        with n_in inputs; None means 1/sqrt(n_in). Biases and the output
        layer start at zero. Unused for layers taken from autoencoders.
    warm_start : bool, default=False
        ``fit`` starts from the current parameters where their shapes (and
        the classes, for the output layer) match; :meth:`from_autoencoders`
        sets it. ``X`` must then have as many features as the first hidden
        layer takes.
    optimizer : {'momentum', 'adam'}, default='momentum'
        The update rule, as for :class:`ksparse.KSparseAutoencoder`.
    dtype : None, 'float32' or 'float64', default=None
        None follows the input.
    random_state : None, int or numpy.random.Generator, default=None
    verbose : bool, default=True
    check_every : int or None, default=None
        Steps between reads of the non-finite check, as for
        :class:`ksparse.KSparseAutoencoder` (:mod:`ksparse.training.finite_check`).

    Attributes
    ----------
    W1_, b1_, …, WL_, bL_ : arrays, shapes (n_{l−1}, n_l) and (n_l,)
        Hidden layer l computes z = h @ W{l}_ + b{l}_; n_0 = n_features.
    coef_ : array, shape (n_L, n_classes)
        Output weights W_out.
    intercept_ : array, shape (n_classes,)
    classes_ : ndarray, shape (n_classes,)
    mean_ : array, shape (n_features,), or None
        The input centre (``center=True`` only).
    n_features_in_ : int
    history_ : list of dict
        Per-epoch ``loss``, ``val_loss`` and ``val_error`` (with validation
        data), ``dead_units`` (over all hidden layers), ``learning_rate``.
    backend_ : {'numpy', 'cupy'}

    Notes
    -----
    .. math::

        h_0 = x - \\bar x\\ (\\bar x = 0 \\text{ without center}),\\quad h_l = \\big(W_l^\\top h_{l-1} + b_l\\big)_{\\Gamma_l},\\quad
        \\Gamma_l = \\operatorname{supp}_{\\alpha k}(W_l^\\top h_{l-1} + b_l),\\quad
        E = -\\frac{1}{B}\\sum_{i=1}^{B}\\log\\operatorname{softmax}(W_{out}^\\top h_L + b_{out})_{y_i}
    """

    hyperparameters = {
        "hidden_layers": Custom(_check_layer_sizes),
        "k": Int(low=1),
        "alpha": Real(low=1.0),
        "center": Bool(),
        "trainable": Custom(_check_trainable),
        "init_std": Optional(Real(0.0, low_open=True)),
        "warm_start": Bool(),
    }
    mean_ = None  # only a centring network stores its input centre

    def __init__(self, *, hidden_layers=(1000,), k=25, alpha=3.0, center=False, trainable="all",
                 learning_rate=1.0, momentum=0.25, lr_end=0.001, epochs=200, batch_size=128,
                 init_std=None, warm_start=False, optimizer="momentum", dtype=None,
                 random_state=None, verbose=True, check_every=None):
        self._store_params(locals())

    def _check_hyperparameters(self, values):
        # Every hidden layer keeps round(alpha * k) units, so the smallest bounds it.
        n_kept(values["k"], values["alpha"], min(values["hidden_layers"]),
               name="min(hidden_layers)")

    def _layer_sizes(self):
        return _check_layer_sizes("hidden_layers", self.hidden_layers, {})

    def _n_trainable(self, n_layers):
        """How many hidden layers, from the top, ``trainable`` means."""
        return _check_trainable("trainable", self.trainable, {"hidden_layers": (0,) * n_layers})

    def _n_active(self):
        return n_kept(self.k, self.alpha)

    @property
    def _output_inputs(self):
        return self._layer_sizes()[-1]

    def _fitted_arrays(self):
        sizes = self._layer_sizes()
        # The output layer first: its absence means "not fitted" (save checks the
        # first array), and a network from from_autoencoders has hidden layers only.
        arrays = dict(super()._fitted_arrays())
        for layer, (n_in, n_out) in enumerate(zip(("n_features",) + sizes, sizes), start=1):
            arrays[f"W{layer}_"], arrays[f"b{layer}_"] = (n_in, n_out), (n_out,)
        if self.center:
            arrays["mean_"] = ("n_features",)
        return arrays

    # ------------------------------------------------------------ construction
    @classmethod
    def from_autoencoders(cls, autoencoders, **params):
        """A network whose hidden layers are the encoders of trained k-sparse autoencoders.

        Layer l computes z = h @ W + b with the encoder weights W (``W_``, or
        ``P_.T`` for an untied autoencoder) and bias ``b_`` of
        ``autoencoders[l − 1]``; the output layer is created by the first
        ``fit``. Feed ``fit`` the inputs the first autoencoder was trained on
        (uncentred: the network subtracts the autoencoder's centre itself).

        Parameters
        ----------
        autoencoders : sequence of fitted KSparseAutoencoder
            Bottom first; each one's ``n_features_in_`` must equal the
            previous one's ``n_hidden``.
        **params
            Other hyper-parameters (``k``, ``alpha``, ``trainable``, …);
            ``hidden_layers`` follows from the autoencoders and
            ``warm_start`` is set to True. ``center`` defaults to whether
            the first autoencoder centres its input (``center`` or
            ``pre_bias``); with ``center=False`` that centre is folded into
            the first layer's bias instead. Deeper layers always fold theirs.

        Returns
        -------
        model : SparseMLPClassifier
            Not yet fitted (no output layer).
        """
        if "hidden_layers" in params or "warm_start" in params:
            raise ValueError("from_autoencoders sets hidden_layers and warm_start itself.")
        autoencoders = list(autoencoders)
        if autoencoders and "center" not in params:
            params["center"] = input_centre_of(autoencoders[0]) is not None
        layers, centre = layers_from_autoencoders(autoencoders, bool(params.get("center")))
        sizes = tuple(W.shape[1] for W, _ in layers)
        model = cls(hidden_layers=sizes, warm_start=True, **params)
        model._validate_hyperparameters()
        for layer, (W, b) in enumerate(layers, start=1):
            setattr(model, f"W{layer}_", W)
            setattr(model, f"b{layer}_", b)
        model.mean_ = centre
        model.n_features_in_ = layers[0][0].shape[0]
        model.coef_ = model.intercept_ = model.classes_ = None
        return model

    # ---------------------------------------------------------------- training
    def fit(self, X, y, *, X_val=None, y_val=None, callbacks=None):
        """Train the network (or its ``trainable`` top) on labelled data.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
        y : array_like, shape (n_samples,)
            Class labels (integers or strings), at least two distinct.
        X_val : array_like, shape (n_val, n_features), optional
        y_val : array_like, shape (n_val,), optional
            Held-out data whose mean cross-entropy is recorded as ``val_loss``.
        callbacks : list of callables, optional
            Each called after every epoch as ``callback(model, epoch, logs)``;
            the model's arrays are the current parameters, so a callback can
            call ``model.score(X_val, y_val)``.

        Returns
        -------
        self
        """
        values = self._validate_for_training(callbacks)
        dtype, sizes = values["dtype"], values["hidden_layers"]
        classes, X, y_index, X_val, y_val_index = self._check_fit_inputs(
            X, y, X_val, y_val, dtype, allow_sparse=False
        )
        self._check_warm_start(X.shape[1])
        xp = get_xp()
        X = self._set_centre(to_device(X, xp))  # (n_samples, n_features), centred
        rng = check_random_state(self.random_state)
        self._init_parameters(X.shape[1], sizes, classes, X.dtype, rng, xp)
        validation = None
        if X_val is not None:
            validation = (self._centred(to_device(X_val, xp)), to_device(y_val_index, xp))
        arrays = (X, to_device(y_index, xp))
        train(self, self._parameters(), arrays, validation=validation, callbacks=callbacks,
              rng=rng)
        return self

    def _check_warm_start(self, n_features):
        """Refuse inputs of another width than the first layer a warm start keeps.

        Its shape would not match, so it would be drawn afresh: a network made
        by :meth:`from_autoencoders` would silently lose its pre-trained layer.
        """
        W1 = getattr(self, "W1_", None) if self.warm_start else None
        if W1 is not None and W1.shape[0] != n_features:
            raise ValueError(
                f"X has {n_features} features, but the first hidden layer that "
                f"warm_start=True keeps (W1_) takes {W1.shape[0]}; pass inputs with "
                f"{W1.shape[0]} features, or set warm_start=False to start afresh."
            )

    def _set_centre(self, X):
        """Set ``mean_`` (kept when warm-started, else the mean of X) and return X − mean_."""
        if not self.center:
            self.mean_ = None
            return X
        if not self._keep("mean_", (X.shape[1],)):
            self.mean_ = X.mean(axis=0)  # (n_features,)
        self.mean_ = to_device(self.mean_, get_array_module(X)).astype(X.dtype, copy=False)
        return self._centred(X)

    def _centred(self, X):
        """X − mean_ with ``center``; X itself otherwise."""
        return X if self.mean_ is None else X - self.mean_  # (n_samples, n_features)

    def _keep(self, name, shape):
        """Whether warm starting keeps the current array ``name`` of this shape."""
        current = getattr(self, name, None)
        return self.warm_start and current is not None and current.shape == shape

    def _init_parameters(self, n_features, sizes, classes, dtype, rng, xp):
        """Keep what warm starting allows; Gaussian hidden weights and zeros elsewhere."""
        fan_in = (n_features,) + sizes
        for layer, (n_in, n_out) in enumerate(zip(fan_in, sizes), start=1):
            W_name, b_name = f"W{layer}_", f"b{layer}_"
            if not (self._keep(W_name, (n_in, n_out)) and self._keep(b_name, (n_out,))):
                std = self._setting("init_std")
                std = 1.0 / np.sqrt(n_in) if std is None else std
                setattr(self, W_name, rng.standard_normal((n_in, n_out)) * std)
                setattr(self, b_name, np.zeros(n_out))
            for name in (W_name, b_name):
                setattr(self, name, to_device(getattr(self, name), xp).astype(dtype, copy=False))
        n_classes = len(classes)
        same_classes = getattr(self, "classes_", None) is not None and np.array_equal(
            self.classes_, classes
        )
        if not (same_classes and self._keep("coef_", (sizes[-1], n_classes))):
            self.coef_ = np.zeros((sizes[-1], n_classes))
            self.intercept_ = np.zeros(n_classes)
        self.coef_ = to_device(self.coef_, xp).astype(dtype, copy=False)  # (n_L, n_classes)
        self.intercept_ = to_device(self.intercept_, xp).astype(dtype, copy=False)  # (n_classes,)
        self.classes_, self.n_features_in_ = classes, n_features
        self._set_backend(xp)

    def _parameters(self):
        """The fitted arrays under the names used by :mod:`ksparse.finetune.network`."""
        n_layers = len(self._layer_sizes())
        params = {}
        for layer in range(1, n_layers + 1):
            params[f"W{layer}"] = getattr(self, f"W{layer}_")
            params[f"b{layer}"] = getattr(self, f"b{layer}_")
        params["W_out"], params["b_out"] = self.coef_, self.intercept_
        return params

    def _training_step(self, params, X, y, *, step, total_steps, rng):
        n_trainable = self._n_trainable(network.n_hidden_layers(params))
        loss, grads, masks = network.loss_and_grads(params, X, y, self._n_active(), n_trainable)
        xp = get_array_module(X)
        active = xp.concatenate([mask.any(axis=0) for mask in masks])  # (Σ n_l,)
        return loss, grads, {"active": active}

    def _validation_metrics(self, params, X_val, y_val, *, step, total_steps):
        """Mean cross-entropy and error rate on held-out data (already centred)."""
        loss, wrong = 0.0, 0
        for start in range(0, X_val.shape[0], CHUNK):
            S = network.forward(params, X_val[start : start + CHUNK], self._n_active())[0]
            chunk_y = y_val[start : start + CHUNK]  # (chunk,) class indices
            loss += float(cross_entropy(log_softmax(S), chunk_y)) * chunk_y.shape[0]
            wrong += int((S.argmax(axis=1) != chunk_y).sum())
        return {"val_loss": loss / X_val.shape[0], "val_error": wrong / X_val.shape[0]}

    # --------------------------------------------------------------- inference
    def decision_function(self, X):
        """Logits W_outᵀ h_L + b_out of every class.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)

        Returns
        -------
        S : array, shape (n_samples, n_classes)
            NumPy in, NumPy out (CuPy in, CuPy out).
        """
        params, n_active = self._parameters(), self._n_active()
        return self._apply_in_chunks(
            X, lambda c: network.forward(params, self._centred(c), n_active)[0], "coef_"
        )
