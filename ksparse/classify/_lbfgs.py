"""Full-batch L-BFGS for the softmax classifier on fixed features (§4.4).

The paper evaluates features by training a logistic regression on them with
the features fixed; on a CPU the whole training set fits in memory, and a
quasi-Newton method on the full-batch loss converges in a few hundred
function evaluations without any learning-rate tuning. SciPy's L-BFGS-B
works on one flat float64 vector; this module packs the parameters into it
and unpacks them again, and evaluates the loss of :mod:`ksparse.classify.loss`
with the two products by X done in the features' own dtype (so float32
features are never copied to float64).
"""
__all__ = ["ConvergenceWarning", "fit_lbfgs"]

import warnings

import numpy as np
import scipy.optimize
from tqdm.auto import tqdm

from ..nn.affine import affine
from .loss import (
    cross_entropy,
    cross_entropy_backward,
    l2_penalty,
    l2_penalty_backward,
    log_softmax,
)


class ConvergenceWarning(UserWarning):
    """An iterative solver stopped at its iteration limit before converging."""


def _unpack(theta, n_features, n_classes):
    """Flat float64 vector -> W (n_features, n_classes) and b (n_classes,), as views."""
    W = theta[: n_features * n_classes].reshape(n_features, n_classes)
    return {"W": W, "b": theta[n_features * n_classes :]}


def _pack(params):
    return np.concatenate([params["W"].ravel(), params["b"]]).astype(np.float64)


def _objective(theta, X, y_index, l2):
    """Loss and flat gradient at theta, in float64.

    The two products with X, which carry all the cost, run in X's dtype; the
    logits and everything after them are float64, so float32 features give
    a loss accurate enough for the line search without a float64 copy of X.
    """
    n_features = X.shape[1]
    n_classes = theta.shape[0] // (n_features + 1)  # theta holds W and b
    params = _unpack(theta, n_features, n_classes)
    W, b = params["W"], params["b"]
    S = affine(X, W.astype(X.dtype), b)  # (n_samples, n_classes), float64
    log_p = log_softmax(S)  # (n_samples, n_classes)
    loss = cross_entropy(log_p, y_index) + l2_penalty(W, l2)
    dS = cross_entropy_backward(log_p, y_index)  # (n_samples, n_classes)
    dW = X.T @ dS.astype(X.dtype)  # (n_features, n_classes), the other costly product
    grads = {"W": dW + l2_penalty_backward(W, l2), "b": dS.sum(axis=0)}
    return float(loss), _pack(grads)


def fit_lbfgs(X, y_index, n_classes, l2, *, init=None, max_iter=500, tol=1e-6, verbose=False):
    """Minimise the penalised softmax loss over all of X with L-BFGS-B.

    Parameters
    ----------
    X : ndarray or scipy.sparse.csr_matrix, shape (n_samples, n_features)
        Host features, float32 or float64.
    y_index : int ndarray, shape (n_samples,)
        Class indices.
    n_classes : int
    l2 : float
        Penalty strength λ on the weights.
    init : dict of arrays, optional
        Starting ``W`` (n_features, n_classes) and ``b`` (n_classes,); zeros
        when None (the problem is convex, so zeros lose nothing).
    max_iter : int
    tol : float
        Stop when every gradient entry is at most ``tol`` in absolute value
        (SciPy's ``gtol``), or when one iteration lowers the loss by less
        than a relative 2.2e-9 (SciPy's default ``ftol``).
    verbose : bool
        Show a progress bar over iterations.

    Returns
    -------
    params : dict of ndarrays
        ``W`` and ``b`` in float64.
    n_iter : int
    loss : float
        The penalised loss at ``params``.
    """
    n_features = X.shape[1]
    if init is None:
        theta0 = np.zeros(n_features * n_classes + n_classes)  # (n_params,)
    else:
        theta0 = _pack(init)
    bar = tqdm(total=max_iter, desc="L-BFGS", disable=not verbose)
    result = scipy.optimize.minimize(
        _objective,
        theta0,
        args=(X, y_index, l2),
        method="L-BFGS-B",
        jac=True,
        options={"maxiter": max_iter, "gtol": tol},
        callback=lambda *_: bar.update(1),
    )
    bar.close()
    if result.status == 1:  # iteration limit reached
        warnings.warn(
            f"L-BFGS did not converge in max_iter={max_iter} iterations; raise max_iter "
            "or scale the features.",
            ConvergenceWarning,
            stacklevel=3,
        )
    return _unpack(result.x, n_features, n_classes), int(result.nit), float(result.fun)
