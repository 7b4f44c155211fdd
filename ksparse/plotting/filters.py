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


def _image_shape(shape):
    """``shape`` checked as the shape of one drawable image: (h, w) grey or (h, w, 3) colour.

    The one statement of what an image can show: ``ksparse plot`` checks
    its image shapes (``--shape``, or the data's) with it too.

    Parameters
    ----------
    shape : tuple of int
        (height, width), (height, width, 1) or (height, width, 3), channels
        last.

    Returns
    -------
    shape : tuple of int
        (height, width) for grey (a single channel is grey), (height, width, 3)
        for colour.

    Raises
    ------
    ValueError
        For any other shape, e.g. 4 channels (RGBA: drop the alpha channel
        first, an image's fourth channel would be drawn as transparency).
    """
    shape = tuple(int(d) for d in shape)
    if len(shape) == 3 and shape[2] == 1:
        shape = shape[:2]
    if len(shape) not in (2, 3) or min(shape) < 1 or shape[2:] not in ((), (3,)):
        raise ValueError(f"shape must be (height, width), (height, width, 1) or (height, "
                         f"width, 3), channels last, got {shape}.")
    return shape


def plot_filters(filters, shape, n_cols=None, title=None, ax=None):
    """Show filters as a grid of small images (gray: 0, white: positive, black: negative).

    Parameters
    ----------
    filters : array, shape (n_filters, n_features)
    shape : tuple of int
        (height, width) or (height, width, 1) of one grey filter, or
        (height, width, 3) for colour, channels last.
    n_cols : int, optional
    title : str, optional
    ax : matplotlib Axes, optional
        Draw here instead of on a new figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    mosaic = filter_mosaic(filters, _image_shape(shape), n_cols)
    fig, ax = _new_axes(ax, figsize=(8, 8 * mosaic.shape[0] / mosaic.shape[1]))
    if mosaic.ndim == 3:  # colour: map [-1, 1] to [0, 1] per channel
        ax.imshow((mosaic + 1) / 2, interpolation="nearest")
    else:
        ax.imshow(mosaic, cmap="gray", vmin=-1, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return fig


def plot_training_curves(history, ax=None, *, ylabel="loss per example"):
    """Training (and validation) loss per epoch, with dead units on a second axis.

    The two curves need not measure the same thing. ``loss`` is recorded on
    the training minibatches as the model trains: for a model with a penalty
    or auxiliary terms (the KL penalty, AuxK, Multi-TopK) it includes them,
    and with dropout it is measured with the dropped units. ``val_loss`` is
    the held-out squared reconstruction error per example alone. The legend
    says so.

    Parameters
    ----------
    history : list of dict
        ``model.history_``.
    ax : matplotlib Axes, optional
    ylabel : str, default "loss per example"

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    fig, ax = _new_axes(ax, figsize=(6, 4))
    epochs = [h["epoch"] + 1 for h in history]
    ax.plot(epochs, [h["loss"] for h in history],
            label="training loss (any penalty included)")
    if history and "val_loss" in history[0]:
        ax.plot(epochs, [h["val_loss"] for h in history],
                label="validation loss (reconstruction error only)")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
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
    """Originals (top row) above their reconstructions (bottom row), each pair on one scale.

    An original and its reconstruction are drawn with one shared intensity
    scale, from the smaller of their two minima (black) to the larger of
    their two maxima (white), so a nearly flat reconstruction looks flat
    instead of being stretched to its own contrast. Colour pairs are mapped
    to [0, 1] by that shared scale (all channels together). Each pair has
    its own scale, so brightness is comparable within a column, not across
    columns.

    Parameters
    ----------
    X, X_hat : array, shape (n_samples, n_features)
    shape : tuple of int
        (height, width) or (height, width, 1) of one grey example, or
        (height, width, 3) for colour, channels last.
    n : int
        Number of examples shown.

    Returns
    -------
    fig : matplotlib.figure.Figure
        2·min(n, n_samples) image axes, originals first.
    """
    shape = _image_shape(shape)
    X = np.asarray(to_numpy(X), dtype=np.float64)[:n]  # (n, n_features)
    X_hat = np.asarray(to_numpy(X_hat), dtype=np.float64)[:n]  # (n, n_features)
    size = math.prod(shape)
    if X.ndim != 2 or X.shape[1] != size or X_hat.shape != X.shape:
        raise ValueError(f"X and X_hat must both have shape (n_samples, {size}) for shape "
                         f"{shape}, got {X.shape} and {X_hat.shape}.")
    fig = Figure(figsize=(1.2 * len(X), 2.6), layout="constrained")
    axes = fig.subplots(2, len(X), squeeze=False)
    for j, (x, x_hat) in enumerate(zip(X, X_hat)):
        low, high = _shared_range(x, x_hat)
        for row, image in enumerate((x, x_hat)):
            _show(axes[row, j], image.reshape(shape), low, high)
    return fig


def _shared_range(*images):
    """(low, high) over the finite values of ``images``, widened when they are all equal."""
    values = np.concatenate([a[np.isfinite(a)] for a in images])
    if values.size == 0:
        return 0.0, 1.0
    low, high = float(values.min()), float(values.max())
    if low == high:  # a flat pair: mid grey rather than a zero-width scale
        return low - 0.5, high + 0.5
    return low, high


def _show(ax, image, low, high):
    """Draw ``image`` with ``low`` black and ``high`` white (per channel for colour)."""
    if image.ndim == 3:  # RGB must lie in [0, 1]: the shared scale maps it there
        ax.imshow(np.clip((image - low) / (high - low), 0.0, 1.0), interpolation="nearest")
    else:
        ax.imshow(image, cmap="gray", vmin=low, vmax=high, interpolation="nearest")
    ax.set_axis_off()


def plot_activation_histograms(activations, bins=60, value_range=None, ax=None):
    """Log histograms of hidden activities, one curve per model (compare the paper's Figure 4).

    Parameters
    ----------
    activations : dict of str to array
        Label -> hidden activities of any model, any shape (flattened), e.g.
        ``{"k = 70": model.transform(X)}``. Exact zeros (units a sparse model
        switched off) are left out so the curves compare the active units;
        negative activities (a dense model, PCA) are counted like the others.
    bins : int
    value_range : (float, float), optional
        Common range of the bins, low < high; activities outside it are not
        counted. Default: from min(0, smallest activity) to max(0, largest
        activity) over all curves, so every activity is counted; (0, 1) when
        there is no non-zero activity.
    ax : matplotlib Axes, optional

    Returns
    -------
    fig : matplotlib.figure.Figure
        y is log10(1 + count), as in the paper's figure.

    Raises
    ------
    ValueError
        When an activity is NaN or infinite, or ``value_range`` is not low < high.
    """
    flat = {label: to_numpy(a).ravel() for label, a in activations.items()}
    flat = {label: a[a != 0] for label, a in flat.items()}
    for label, a in flat.items():
        if not np.all(np.isfinite(a)):
            raise ValueError(f"activations[{label!r}] holds NaN or infinite values.")
    if value_range is None:
        value_range = _activity_range(flat.values())
    low, high = (float(v) for v in value_range)
    if not low < high:
        raise ValueError(f"value_range must be (low, high) with low < high, got {value_range}.")
    edges = np.linspace(low, high, bins + 1)
    centers = (edges[:-1] + edges[1:]) / 2
    fig, ax = _new_axes(ax, figsize=(6, 4))
    for label, a in flat.items():
        counts, _ = np.histogram(a, bins=edges)
        ax.plot(centers, np.log10(1 + counts), label=label)
    ax.set_xlabel("hidden activity")
    ax.set_ylabel("log10(1 + count)")
    ax.legend()
    return fig


def _activity_range(arrays):
    """(min(0, smallest), max(0, largest)) over the non-empty ``arrays``; (0, 1) if all are empty."""
    arrays = [a for a in arrays if a.size]
    if not arrays:
        return 0.0, 1.0
    low = min(0.0, min(float(a.min()) for a in arrays))
    high = max(0.0, max(float(a.max()) for a in arrays))
    return low, high
