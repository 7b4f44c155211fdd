"""Multinomial logistic regression on fixed features, the classifier of §4.4.

The paper judges unsupervised features by the error of a logistic
regression trained on them with the features held fixed.
:class:`SoftmaxRegression` is that classifier, written from scratch: a
softmax over ``X @ coef_ + intercept_`` with an L2 penalty on ``coef_``,
trained either by full-batch L-BFGS on the CPU (SciPy) or by minibatch
momentum SGD through the shared loop of :mod:`ksparse.training` on either
backend. SciPy sparse features (k-sparse codes are mostly zero) are used as
they are.
"""
__all__ = ["SoftmaxRegression"]

import numpy as np

from ..backend import get_array_module, get_xp, to_device, to_numpy
from ..base import Estimator
from ..hyperparameters import Bool, Int, OneOf, Real
from ..io.model_files import register_model
from ..training.loop import train
from ..validation import (
    check_is_fitted,
    check_n_features,
    check_random_state,
    is_sparse,
)
from ._base import ClassifierMixin
from ._inputs import check_features
from ._lbfgs import fit_lbfgs
from .loss import cross_entropy, log_softmax, softmax_loss_and_grads

SOLVERS = ("lbfgs", "sgd")


@register_model
class SoftmaxRegression(ClassifierMixin, Estimator):
    """Softmax (multinomial logistic) regression with an L2 penalty on the weights.

    Parameters
    ----------
    l2 : float, default=1e-4
        λ, strength of the penalty (λ/2)‖W‖² added to the mean cross-entropy;
        the bias is not penalised. Because the loss is a mean over examples,
        λ does not need rescaling with the number of examples.
    solver : {'lbfgs', 'sgd'}, default='lbfgs'
        'lbfgs': full-batch L-BFGS-B (SciPy) on the CPU; the model's arrays
        are NumPy whatever the backend. 'sgd': minibatch momentum SGD
        (Eq. 11) on the backend in use; sparse input is densified on the GPU.
    max_iter : int, default=500
        L-BFGS iterations at most ('lbfgs' only).
    tol : float, default=1e-6
        L-BFGS stops when no gradient entry exceeds ``tol``, or when an
        iteration lowers the loss by less than a relative 2.2e-9 ('lbfgs' only).
    learning_rate, momentum, lr_end, epochs, batch_size, optimizer
        Settings of the SGD loop ('sgd' only); see :mod:`ksparse.training`.
        Defaults 0.1, 0.9, None, 20, 128, 'momentum' (or 'adam').
    warm_start : bool, default=False
        Start ``fit`` from the current ``coef_`` and ``intercept_`` when the
        model is fitted with the same classes and feature count.
    dtype : None, 'float32' or 'float64', default=None
        None follows the input (float32 stays float32).
    random_state : None, int or numpy.random.Generator, default=None
        Minibatch order ('sgd' only; L-BFGS is deterministic).
    verbose : bool, default=False
        Progress bar over L-BFGS iterations or SGD epochs.
    check_every : int or None, default=None
        Steps between reads of the non-finite check ('sgd' only), as for
        :class:`ksparse.KSparseAutoencoder` (:mod:`ksparse.training.finite_check`).

    Attributes
    ----------
    coef_ : array, shape (n_features, n_classes)
        W; column j scores class ``classes_[j]``.
    intercept_ : array, shape (n_classes,)
        b.
    classes_ : ndarray, shape (n_classes,)
        Sorted distinct training labels (NumPy).
    n_features_in_ : int
    n_iter_ : int
        L-BFGS iterations, or SGD steps, of the last fit.
    history_ : list of dict
        Per-epoch logs of the SGD loop; one entry for an L-BFGS fit.
    backend_ : {'numpy', 'cupy'}

    Notes
    -----
    .. math::

        p(y = j \\mid x) = \\operatorname{softmax}(W^\\top x + b)_j, \\qquad
        E = -\\frac{1}{n}\\sum_{i=1}^{n}\\log p(y_i \\mid x_i)
            + \\frac{\\lambda}{2}\\lVert W\\rVert_F^2
    """

    hyperparameters = {
        "l2": Real(low=0.0),
        "solver": OneOf(SOLVERS),
        "max_iter": Int(low=1),
        "tol": Real(0.0, low_open=True),
        "warm_start": Bool(),
    }
    _sparse_input = True  # SciPy sparse features are used as they are

    def __init__(self, *, l2=1e-4, solver="lbfgs", max_iter=500, tol=1e-6, warm_start=False,
                 learning_rate=0.1, momentum=0.9, lr_end=None, epochs=20, batch_size=128,
                 optimizer="momentum", dtype=None, random_state=None, verbose=False,
                 check_every=None):
        self._store_params(locals())

    # ---------------------------------------------------------------- training
    def fit(self, X, y, *, X_val=None, y_val=None, callbacks=None):
        """Learn ``coef_`` and ``intercept_`` from features X and labels y.

        Parameters
        ----------
        X : array_like or scipy.sparse matrix, shape (n_samples, n_features)
        y : array_like, shape (n_samples,)
            Class labels (integers or strings), at least two distinct.
        X_val : array_like or scipy.sparse matrix, shape (n_val, n_features), optional
        y_val : array_like, shape (n_val,), optional
            Held-out data whose loss is recorded as ``val_loss``.
        callbacks : list of callables, optional
            ``callback(model, epoch, logs)`` after every SGD epoch, or once
            after an L-BFGS fit.

        Returns
        -------
        self
        """
        dtype = self._validate_for_training(callbacks)["dtype"]
        classes, X, y_index, X_val, y_val_index = self._check_fit_inputs(
            X, y, X_val, y_val, dtype, allow_sparse=True
        )
        init = self._warm_parameters(classes, X.shape[1])
        self.classes_, self.n_features_in_ = classes, X.shape[1]
        validation = None if X_val is None else (X_val, y_val_index)
        if self.solver == "lbfgs":
            self._fit_lbfgs(X, y_index, init, validation, callbacks)
        else:
            self._fit_sgd(X, y_index, init, validation, callbacks)
        return self

    def _warm_parameters(self, classes, n_features):
        """The current (W, b) on the host when warm starting applies, else None."""
        if not self.warm_start or getattr(self, "coef_", None) is None:
            return None
        same_classes = np.array_equal(self.classes_, classes)
        if not same_classes or self.n_features_in_ != n_features:
            return None
        return {"W": to_numpy(self.coef_), "b": to_numpy(self.intercept_)}

    def _fit_lbfgs(self, X, y_index, init, validation, callbacks):
        X = to_numpy(X) if not is_sparse(X) else X
        params, self.n_iter_, loss = fit_lbfgs(
            X, y_index, len(self.classes_), self._setting("l2"), init=init,
            max_iter=self._setting("max_iter"), tol=self._setting("tol"), verbose=self.verbose,
        )
        self.coef_ = params["W"].astype(X.dtype)  # (n_features, n_classes)
        self.intercept_ = params["b"].astype(X.dtype)  # (n_classes,)
        self.backend_ = "numpy"
        logs = {"epoch": 0, "loss": loss}
        if validation is not None:
            logs["val_loss"] = self._validation_loss(self._parameters(), *validation)
        self.history_ = [logs]
        for callback in callbacks or ():
            callback(self, 0, logs)

    def _fit_sgd(self, X, y_index, init, validation, callbacks):
        xp = get_xp()
        X = _to_backend(X, xp)
        if validation is not None:
            validation = (_to_backend(validation[0], xp), to_device(validation[1], xp))
        n_classes = len(self.classes_)
        if init is None:
            init = {"W": np.zeros((X.shape[1], n_classes)), "b": np.zeros(n_classes)}
        self.coef_ = to_device(init["W"].astype(X.dtype), xp)  # (n_features, n_classes)
        self.intercept_ = to_device(init["b"].astype(X.dtype), xp)  # (n_classes,)
        self._set_backend(xp)
        train(self, self._parameters(), (X, to_device(y_index, xp)), validation=validation,
              callbacks=callbacks, rng=check_random_state(self.random_state))
        self.n_iter_ = self._setting("epochs") * -(-X.shape[0] // self._setting("batch_size"))

    def _parameters(self):
        """The fitted arrays under the names used by :mod:`ksparse.classify.loss`."""
        return {"W": self.coef_, "b": self.intercept_}

    def _training_step(self, params, X, y, *, step, total_steps, rng):
        loss, grads = softmax_loss_and_grads(params, X, y, self._setting("l2"))
        return loss, grads, {}

    def _validation_loss(self, params, X_val, y_val, *, step=None, total_steps=None):
        """Mean cross-entropy on held-out data, without the penalty."""
        S = X_val @ params["W"] + params["b"]  # (n_val, n_classes)
        return float(cross_entropy(log_softmax(S), y_val))

    # --------------------------------------------------------------- inference
    def decision_function(self, X):
        """Logits Wᵀx + b of every class.

        Parameters
        ----------
        X : array_like or scipy.sparse matrix, shape (n_samples, n_features)

        Returns
        -------
        S : array, shape (n_samples, n_classes)
            NumPy for NumPy or sparse input, CuPy for CuPy input.
        """
        check_is_fitted(self, "coef_")
        X = check_features(X, "X", dtype=self.coef_.dtype)
        check_n_features(self, X)
        if is_sparse(X):
            return X @ to_numpy(self.coef_) + to_numpy(self.intercept_)
        xp = get_array_module(self.coef_)
        S = to_device(X, xp) @ self.coef_ + self.intercept_  # (n_samples, n_classes)
        return to_device(S, get_array_module(X))

def _to_backend(X, xp):
    """Features on the training backend; sparse stays sparse on the CPU only."""
    if is_sparse(X):
        return X if xp is np else to_device(X.toarray(), xp)
    return to_device(X, xp)
