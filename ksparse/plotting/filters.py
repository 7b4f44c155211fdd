"""Figures for k-sparse autoencoders: filter grids (paper Figs. 1–3) and training curves.

Everything draws on a :class:`matplotlib.figure.Figure` created here (or an
``Axes`` you pass in) instead of pyplot's global state, so the functions
work in scripts, notebooks and on machines without a screen.
"""
__all__ = [
    "filter_mosaic",
    "plot_filters",
    "plot_training_curves",
    "plot_error_curves",
    "plot_reconstructions",
    "plot_activation_histograms",
]

import math

import numpy as np
from matplotlib.figure import Figure

from ..backend import to_numpy


def _new_axes(ax, figsize):
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def filter_mosaic(filters, shape, n_cols=None, pad=1):
    """Tile filters into one image, each scaled to its own contrast.

    Parameters
    ----------
    filters : array, shape (n_filters, n_features)
        One filter per row (e.g. ``model.components_``).
    shape : tuple of int
        (height, width) of one grey filter, or (height, width, channels)
        for colour; the product must equal n_features.
    n_cols : int, optional
        Filters per row of the mosaic; default ≈ sqrt(n_filters).
    pad : int
        Pixels of background between filters.

    Returns
    -------
    mosaic : ndarray, shape (n_rows * (h + pad) - pad, n_cols * (w + pad) - pad[, channels])
        Values in [-1, 1]; each filter is divided by its largest absolute
        value so that weak and strong filters are equally visible, and the
        background is 0.
    """
    filters = to_numpy(filters).astype(np.float64)
    h, w = shape[:2]
    size = int(np.prod(shape))
    if filters.ndim != 2 or filters.shape[1] != size:
        raise ValueError(f"filters must have shape (n_filters, {size}), got {filters.shape}.")
    n = filters.shape[0]
    n_cols = n_cols or math.ceil(math.sqrt(n))
    n_rows = math.ceil(n / n_cols)
    scale = np.abs(filters).max(axis=1, keepdims=True)  # (n_filters, 1)
    filters = filters / np.where(scale > 0, scale, 1.0)
    mosaic = np.zeros((n_rows * (h + pad) - pad, n_cols * (w + pad) - pad) + tuple(shape[2:]))
    for i, f in enumerate(filters):
        r, c = divmod(i, n_cols)
        mosaic[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = f.reshape(shape)
    return mosaic


def plot_filters(filters, shape, n_cols=None, title=None, ax=None):
    """Show filters as a grid of small images (gray: 0, white: positive, black: negative).

    Parameters
    ----------
    filters : array, shape (n_filters, n_features)
    shape : tuple of int
        (height, width) of one filter, or (height, width, 3) for colour.
    n_cols : int, optional
    title : str, optional
    ax : matplotlib Axes, optional
        Draw here instead of on a new figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    mosaic = filter_mosaic(filters, shape, n_cols)
    fig, ax = _new_axes(ax, figsize=(8, 8 * mosaic.shape[0] / mosaic.shape[1]))
    if mosaic.ndim == 3:  # colour: map [-1, 1] to [0, 1] per channel
        ax.imshow((mosaic + 1) / 2, interpolation="nearest")
    else:
        ax.imshow(mosaic, cmap="gray", vmin=-1, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return fig


def plot_training_curves(history, ax=None):
    """Training (and validation) loss per epoch, with dead units on a second axis.

    Parameters
    ----------
    history : list of dict
        ``model.history_``.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    fig, ax = _new_axes(ax, figsize=(6, 4))
    epochs = [h["epoch"] + 1 for h in history]
    ax.plot(epochs, [h["loss"] for h in history], label="training loss")
    if history and "val_loss" in history[0]:
        ax.plot(epochs, [h["val_loss"] for h in history], label="validation loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("squared error per example")
    ax.legend(loc="upper left")
    if history and "dead_units" in history[0]:
        twin = ax.twinx()
        twin.plot(epochs, [h["dead_units"] for h in history], color="gray", ls=":")
        twin.set_ylabel("dead units (dotted)")
    return fig


def plot_error_curves(curves, ylabel="error (%)", ax=None):
    """One line per run: an error measure against the epoch.

    Parameters
    ----------
    curves : dict of str to (sequence, sequence)
        Label → (epochs, errors), e.g. the ``val_error`` of a classifier's
        ``history_`` in percent.
    ylabel : str
    ax : matplotlib Axes, optional

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    fig, ax = _new_axes(ax, figsize=(6, 4))
    for label, (epochs, errors) in curves.items():
        ax.plot(list(epochs), list(errors), label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    if curves:
        ax.legend(loc="upper right")
    return fig


def plot_reconstructions(X, X_hat, shape, n=8):
    """Originals (top row) above their reconstructions (bottom row).

    Parameters
    ----------
    X, X_hat : array, shape (n_samples, n_features)
    shape : tuple of int
        (height, width) of one example.
    n : int
        Number of examples shown.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    X, X_hat = to_numpy(X)[:n], to_numpy(X_hat)[:n]
    fig = Figure(figsize=(1.2 * len(X), 2.6), layout="constrained")
    axes = fig.subplots(2, len(X), squeeze=False)
    for j, (x, x_hat) in enumerate(zip(X, X_hat)):
        for row, image in enumerate((x, x_hat)):
            axes[row, j].imshow(image.reshape(shape), cmap="gray", interpolation="nearest")
            axes[row, j].set_axis_off()
    return fig


def plot_activation_histograms(activations, bins=60, value_range=None, ax=None):
    """Log histograms of hidden activities, one curve per model (compare the paper's Figure 4).

    Parameters
    ----------
    activations : dict of str to array
        Label -> hidden activities of any model, any shape (flattened), e.g.
        ``{"k = 70": model.transform(X)}``. Exact zeros (units a sparse model
        switched off) are left out so the curves compare the active units.
    bins : int
    value_range : (float, float), optional
        Common range of the bins; default: from 0 to the largest activity.
    ax : matplotlib Axes, optional

    Returns
    -------
    fig : matplotlib.figure.Figure
        y is log10(1 + count), as in the paper's figure.
    """
    flat = {label: to_numpy(a).ravel() for label, a in activations.items()}
    flat = {label: a[a != 0] for label, a in flat.items()}
    if value_range is None:
        top = max((float(a.max()) for a in flat.values() if a.size), default=1.0)
        value_range = (0.0, top)
    edges = np.linspace(value_range[0], value_range[1], bins + 1)
    centers = (edges[:-1] + edges[1:]) / 2
    fig, ax = _new_axes(ax, figsize=(6, 4))
    for label, a in flat.items():
        counts, _ = np.histogram(a, bins=edges)
        ax.plot(centers, np.log10(1 + counts), label=label)
    ax.set_xlabel("hidden activity")
    ax.set_ylabel("log10(1 + count)")
    ax.legend()
    return fig
