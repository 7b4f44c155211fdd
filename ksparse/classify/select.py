"""Choosing the L2 strength of the softmax classifier on a validation split (§4.4).

The paper picks its free settings (such as α) on held-out validation data;
the penalty of the classifier on top of the features is chosen the same
way. :func:`select_l2` fits one :class:`SoftmaxRegression` per grid value
on the training split, from the strongest penalty to the weakest, each
L-BFGS run starting from the previous solution (a weaker penalty moves the
optimum only a little, so warm starts save most of the iterations), and
measures the error on the validation split.
"""
__all__ = ["DEFAULT_L2_GRID", "select_l2"]

import numpy as np

from ._inputs import check_features, stack_splits
from .softmax import SoftmaxRegression

#: The L2 penalties tried, largest first, when none are given.
DEFAULT_L2_GRID = (1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5, 0.0)


def _check_grid(grid):
    grid = np.asarray(grid, dtype=float) if np.ndim(grid) == 1 else None
    if grid is None or grid.shape[0] == 0:
        raise ValueError("grid must be a non-empty 1-D sequence of L2 strengths.")
    if not np.isfinite(grid).all() or (grid < 0).any():
        raise ValueError(f"grid must hold finite values >= 0, got {grid.tolist()!r}.")
    return grid


def select_l2(X_train, y_train, X_val, y_val, grid=DEFAULT_L2_GRID, *, refit=True, **params):
    """Pick the L2 strength with the lowest validation error, then refit.

    Parameters
    ----------
    X_train : array_like or scipy.sparse matrix, shape (n_train, n_features)
    y_train : array_like, shape (n_train,)
    X_val : array_like or scipy.sparse matrix, shape (n_val, n_features)
    y_val : array_like, shape (n_val,)
    grid : sequence of float, default=DEFAULT_L2_GRID
        Candidate values of ``l2``, each >= 0.
    refit : bool, default=True
        True: the returned model is refitted on training and validation data
        together with the chosen ``l2``. False: it is the model fitted on the
        training split alone.
    **params
        Other hyper-parameters of :class:`SoftmaxRegression` (e.g. ``max_iter``).

    Returns
    -------
    model : SoftmaxRegression
        Fitted, with ``l2`` set to the chosen value.
    val_errors : ndarray, shape (n_grid,)
        Validation error rate (1 − accuracy) of each grid value, in the order
        of ``grid``.

    Notes
    -----
    Ties go to the larger penalty, the simpler model.
    """
    grid = _check_grid(grid)
    if "l2" in params or "warm_start" in params:
        raise ValueError("select_l2 sets l2 and warm_start itself; do not pass them in params.")
    X_train = check_features(X_train, "X_train")
    X_val = check_features(X_val, "X_val", dtype=X_train.dtype)
    model = SoftmaxRegression(warm_start=True, **params)
    model._validate_hyperparameters()
    val_errors = np.empty(grid.shape[0])  # (n_grid,)
    fitted = {}
    for i in np.argsort(-grid, kind="stable"):  # strongest penalty first
        model.set_params(l2=float(grid[i])).fit(X_train, y_train)
        val_errors[i] = 1.0 - model.score(X_val, y_val)
        fitted[i] = {
            "coef_": model.coef_.copy(),
            "intercept_": model.intercept_.copy(),
            "n_iter_": model.n_iter_,
            "history_": model.history_,
        }
    best_error = val_errors.min()
    best = max(np.flatnonzero(val_errors == best_error), key=lambda i: grid[i])
    model.set_params(l2=float(grid[best]))
    for name, value in fitted[best].items():
        setattr(model, name, value)
    if refit:
        model.fit(*stack_splits((X_train, y_train), (X_val, y_val)))
    model.set_params(warm_start=False)
    return model, val_errors
