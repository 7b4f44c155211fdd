"""Figures: filter grids and training curves, and pictures of what any model does to data.

* :mod:`~ksparse.plotting.filters`: filter grids (paper Figs. 1–3), training
  and error curves, reconstructions, activation histograms;
* :mod:`~ksparse.plotting.models`: the same three tutorial figures for any
  model with ``transform`` and ``reconstruct`` (k-sparse, KL, PCA, ...).

Every function returns a :class:`matplotlib.figure.Figure` and never touches
pyplot's global state.
"""
from .filters import (
    filter_mosaic,
    plot_activation_histograms,
    plot_error_curves,
    plot_filters,
    plot_reconstructions,
    plot_training_curves,
)
from .models import (
    model_codes,
    model_reconstructions,
    plot_code_scatter,
    plot_mean_activation,
    plot_model_reconstructions,
)

__all__ = [
    "filter_mosaic",
    "model_codes",
    "model_reconstructions",
    "plot_activation_histograms",
    "plot_code_scatter",
    "plot_error_curves",
    "plot_filters",
    "plot_mean_activation",
    "plot_model_reconstructions",
    "plot_reconstructions",
    "plot_training_curves",
]
