"""Pictures of what any autoencoder-like model does to data, to contrast k-sparse codes with others.

The three figures a sparse-autoencoder tutorial draws (originals above
their reconstructions, a scatter of two code dimensions, the mean activation
of every hidden unit) for any model with ``transform`` and ``reconstruct``
(or scikit-learn's ``inverse_transform``): a k-sparse autoencoder (paper
§2.2), a KL-sparse or dense autoencoder, PCA, a dictionary-learning coder.
Drawing the same figure for two models shows, for instance, that a k-sparse
model spreads its activity over many units while a dense one does not.

Every function returns a :class:`matplotlib.figure.Figure` and never touches
pyplot's global state.
"""
__all__ = ["model_codes", "model_reconstructions", "plot_model_reconstructions",
           "plot_code_scatter", "plot_mean_activation"]

import numpy as np

from ..backend import to_numpy
from .filters import _new_axes, plot_reconstructions


def _dense(array):
    """A NumPy array from NumPy, CuPy or SciPy sparse output."""
    if hasattr(array, "toarray"):  # scipy.sparse
        array = array.toarray()
    return np.asarray(to_numpy(array))


def model_codes(model, X):
    """``model.transform(X)`` as a dense NumPy array.

    Returns
    -------
    H : ndarray, shape (n_samples, n_codes)
    """
    if not hasattr(model, "transform"):
        raise TypeError(f"{type(model).__name__} has no transform method.")
    H = _dense(model.transform(X))
    if H.ndim != 2 or H.shape[0] != len(X):
        raise ValueError(f"transform returned shape {H.shape}; expected ({len(X)}, n_codes).")
    return H


def model_reconstructions(model, X):
    """``model.reconstruct(X)``, or ``inverse_transform(transform(X))`` for scikit-learn models.

    Returns
    -------
    X_hat : ndarray, shape (n_samples, n_features)
    """
    if hasattr(model, "reconstruct"):
        return _dense(model.reconstruct(X))
    if hasattr(model, "inverse_transform") and hasattr(model, "transform"):
        return _dense(model.inverse_transform(model.transform(X)))
    raise TypeError(f"{type(model).__name__} has neither reconstruct nor inverse_transform.")


def plot_model_reconstructions(model, X, shape, n=8):
    """The first ``n`` rows of X (top row) above the model's reconstructions (bottom row).

    Each original and its reconstruction share one intensity scale (see
    :func:`ksparse.plotting.plot_reconstructions`), so a poor, nearly flat
    reconstruction looks flat.

    Parameters
    ----------
    model : object with ``reconstruct`` (or ``transform`` and ``inverse_transform``)
    X : array, shape (n_samples, n_features)
    shape : tuple of int
        (height, width) or (height, width, 1) of one grey example, or
        (height, width, 3) for colour, channels last.
    n : int, default 8

    Returns
    -------
    fig : matplotlib.figure.Figure
        2·min(n, n_samples) image axes, originals first.
    """
    X = np.asarray(to_numpy(X))[:n]  # (n, n_features)
    fig = plot_reconstructions(X, model_reconstructions(model, X), shape, n=n)
    fig.axes[0].set_title("original", fontsize="small", loc="left")
    fig.axes[len(X)].set_title("reconstruction", fontsize="small", loc="left")
    return fig


def _most_used_units(H, n):
    """Indices of the n units non-zero in the most rows (ties: lower index first)."""
    counts = np.count_nonzero(H, axis=0)  # (n_codes,)
    return tuple(int(i) for i in np.argsort(-counts, kind="stable")[:n])


def plot_code_scatter(model, X, y=None, dims=None, ax=None, s=4):
    """Scatter of two code dimensions, one colour per label when labels are given.

    Parameters
    ----------
    model : object with ``transform``
    X : array, shape (n_samples, n_features)
    y : array, shape (n_samples,), optional
        Labels; one scatter (and legend entry) per distinct label, in sorted order.
    dims : (int, int), optional
        The two code dimensions; default the two units that are non-zero in
        the most rows (units 0 and 1 of a sparse code are often all zero).
    ax : matplotlib Axes, optional
    s : float
        Marker size.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    H = model_codes(model, X)  # (n_samples, n_codes)
    if H.shape[1] < 2:
        raise ValueError(f"the codes have {H.shape[1]} dimension; a scatter needs 2.")
    i, j = _most_used_units(H, 2) if dims is None else _check_dims(dims, H.shape[1])
    fig, ax = _new_axes(ax, figsize=(6, 5))
    if y is None:
        ax.scatter(H[:, i], H[:, j], s=s)
    else:
        y = np.asarray(to_numpy(y))
        if y.shape != (H.shape[0],):
            raise ValueError(f"y must have shape ({H.shape[0]},), got {y.shape}.")
        for label in np.unique(y):
            rows = y == label  # (n_samples,)
            ax.scatter(H[rows, i], H[rows, j], s=s, label=str(label))
        ax.legend(markerscale=3, fontsize="small")
    ax.set_xlabel(f"code dimension {i}")
    ax.set_ylabel(f"code dimension {j}")
    ax.set_title(f"codes of {type(model).__name__}")
    return fig


def _check_dims(dims, n_codes):
    dims = tuple(int(d) for d in dims)
    if len(dims) != 2 or dims[0] == dims[1] or not all(0 <= d < n_codes for d in dims):
        raise ValueError(f"dims must be two different integers in [0, {n_codes}), got {dims}.")
    return dims


def plot_mean_activation(model, X, sort=True, ax=None):
    """Bar plot of the mean activation of every hidden unit over X.

    Parameters
    ----------
    model : object with ``transform``
    X : array, shape (n_samples, n_features)
    sort : bool, default True
        Bars in decreasing order of mean activation (the x axis is then a
        rank, not a unit index).
    ax : matplotlib Axes, optional

    Returns
    -------
    fig : matplotlib.figure.Figure
        One bar per unit; the title counts the units that are zero on every
        example.
    """
    H = model_codes(model, X)  # (n_samples, n_codes)
    mean = H.mean(axis=0)  # (n_codes,)
    order = np.argsort(-mean, kind="stable") if sort else np.arange(mean.size)
    fig, ax = _new_axes(ax, figsize=(8, 3.5))
    ax.bar(np.arange(mean.size), mean[order], width=1.0)
    never = int(np.sum(~H.any(axis=0)))
    ax.set_xlabel("hidden unit, by decreasing mean activation" if sort else "hidden unit")
    ax.set_ylabel("mean activation")
    ax.set_title(f"{type(model).__name__}: {never} of {mean.size} units never active")
    return fig
