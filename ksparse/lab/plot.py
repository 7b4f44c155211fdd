"""The laboratory's figure: how close each model's atoms come to the true ones.

Left, for every model, the best ``|cos|`` of each true atom with any learned
atom, sorted from worst to best, with the recovery threshold as a line: a
model that recovers every feature stays above it across the whole width.
Right, features recovered beside FVU for each model, so that good
reconstruction and recovered features can be told apart.

Returns a :class:`matplotlib.figure.Figure` and never touches pyplot's
global state; pass ``fig=plt.figure(...)`` to draw into a figure that pyplot
(a notebook, the documentation's gallery) shows.
"""
__all__ = ["plot_comparison"]

import numpy as np


def plot_comparison(comparison, fig=None):
    """Draw a :class:`~ksparse.lab.compare.Comparison`.

    Parameters
    ----------
    comparison : Comparison
    fig : matplotlib.figure.Figure, optional
        An empty figure to draw into; by default a new one, 10 × 4 inches,
        that pyplot does not manage.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Two axes: sorted best cosines, and recovered / FVU bars.
    """
    if fig is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(10, 4), layout="constrained")
    left, right = fig.subplots(1, 2)
    for name, report in zip(comparison.names, comparison.reports):
        best = np.sort(report.best_cosine)  # (n_atoms,)
        left.plot(np.linspace(0, 1, best.size), best, label=name)
    threshold = comparison.reports[0].threshold
    left.axhline(threshold, color="k", linestyle="--", linewidth=1,
                 label=f"threshold {threshold:g}")
    left.set_xlabel("true atoms, sorted (share)")
    left.set_ylabel("best |cos| with a learned atom")
    left.legend(fontsize="small")
    _bars(right, comparison)
    return fig


def _bars(ax, comparison):
    """Features recovered and FVU, side by side for each model."""
    where = np.arange(len(comparison.names))  # (n_models,)
    recovered = [r.features_recovered for r in comparison.reports]
    fvu = [r.fvu for r in comparison.reports]
    ax.bar(where - 0.2, recovered, width=0.4, label="features recovered")
    ax.bar(where + 0.2, fvu, width=0.4, label="FVU")
    ax.set_xticks(where, comparison.names, rotation=15, fontsize="small")
    ax.set_ylim(0, max([1.0] + [v for v in fvu if np.isfinite(v)]) * 1.05)  # bars past it clip
    ax.legend(fontsize="small")
