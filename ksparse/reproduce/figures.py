"""Figures 1, 3 and 4 of the paper.

Fig. 1: MNIST filters for k = 70, 40, 25, 10 (1000 hidden units).
Fig. 3: filters learned from whitened 8×8 natural-image patches (1000
hidden units, k = 50) — from CIFAR-10 when it is available, otherwise from
the photograph that ships with matplotlib, so the figure can always be made
offline. The photograph is grey: its patches have 64 dimensions instead of
CIFAR's 192, and k = 50 of them can rebuild almost any patch from whatever
filters they meet, so nothing drives the filters away from noise; the
fallback uses a sparser code instead (k = 10 from k_start = 40, the
settings of ``ksparse demo``) and shows the most often selected filters, since with 1000
units on one photograph many are rarely chosen.
Fig. 4: log histograms of hidden activities of a ReLU autoencoder, a dropout
autoencoder (both trained as in :mod:`ksparse.reproduce.baselines`) and the
k-sparse autoencoders with k = 70 and k = 15.
"""
__all__ = ["run_fig1", "run_fig3", "run_fig4"]

import numpy as np

from ..backend import to_numpy
from ..io.atomic import save_figure
from ..plotting.filters import plot_activation_histograms, plot_filters
from .baselines import BASELINES, trained_baseline
from .table1 import BASE, RECIPE, SETTINGS


def _mnist_model(ctx, k):
    """The MNIST model for sparsity level k, shared with Table 1 when it trained one."""
    data = ctx.mnist()
    mode = SETTINGS["quick" if ctx.quick else "full"]
    settings = dict(BASE, k=k, epochs=mode["epochs"], **RECIPE)
    model, _ = ctx.autoencoder(f"mnist-k{k}", data.train[0], data.val[0][:2000], **settings)
    return model


def run_fig1(ctx):
    """Filter grids for k = 70, 40, 25, 10; returns a report section."""
    figures = []
    for k in (70, 40, 25, 10):
        model = _mnist_model(ctx, k)
        fig = plot_filters(model.components_[:400], (28, 28), title=f"k = {k}")
        name = f"fig1_k{k}.png"
        save_figure(fig, ctx.path(name), dpi=100)
        figures.append(name)
    return {"title": "Figure 1: MNIST filters (first 400 of 1000)", "figures": figures,
            "text": "Strokes grow longer and more global as k falls, as in the paper."}


def _natural_patches(ctx):
    from ..datasets import DataNotFoundError, load_cifar10_patches, load_photo_patches

    n_patches = 100_000 if ctx.quick else 1_000_000
    try:
        X, _ = load_cifar10_patches(ctx.data_dir, download=False, n_patches=n_patches,
                                    random_state=0, progress=ctx.verbose)
        return X, (8, 8, 3), "cifar10", "CIFAR-10", dict(k=50, k_start=200)
    except DataNotFoundError:
        ctx.log("fig3: CIFAR-10 not found locally; using matplotlib's sample photograph")
        X, _ = load_photo_patches(8, n_patches=min(n_patches, 200_000), random_state=0)
        return (X, (8, 8), "photo", "the photograph shipped with matplotlib",
                dict(k=10, k_start=40))


def most_used(model, X, n):
    """Indices of the n hidden units most often among the k selected on X, most used first."""
    counts = 0
    for start in range(0, X.shape[0], 10_000):
        H = to_numpy(model.transform(X[start : start + 10_000]))  # (chunk, n_hidden)
        counts = counts + (H != 0).sum(axis=0)
    return np.argsort(-counts, kind="stable")[:n]


def run_fig3(ctx):
    """Filters from whitened natural-image patches; returns a report section."""
    X, shape, name, source, sparsity = _natural_patches(ctx)
    settings = dict(BASE, epochs=3 if ctx.quick else 30, **sparsity)
    model, _ = ctx.autoencoder(f"patches-{name}-k{sparsity['k']}", X, **settings)
    shown = most_used(model, X, 400)
    fig = plot_filters(model.components_[shown], shape,
                       title=f"k = {sparsity['k']}, patches of {source}")
    save_figure(fig, ctx.path("fig3.png"), dpi=100)
    return {"title": "Figure 3: filters from natural-image patches (400 most used of 1000)",
            "figures": ["fig3.png"],
            "text": f"8×8 patches of {source}, contrast-normalized and ZCA-whitened; "
                    f"1000 hidden units, k = {sparsity['k']} (from {sparsity['k_start']}), "
                    f"{settings['epochs']} epochs."}


def run_fig4(ctx):
    """Histograms of hidden activities (ReLU, dropout, k = 70 and 15); returns a report section."""
    X_test = ctx.mnist().test[0]
    activations = {}
    for key in ("relu", "dropout"):
        activations[BASELINES[key][0]] = trained_baseline(ctx, key)[0].transform(X_test)
    for k in (70, 15):
        model = _mnist_model(ctx, k)
        activations[f"k-sparse autoencoder, k = {k}"] = model.transform(X_test)
    fig = plot_activation_histograms(activations)
    save_figure(fig, ctx.path("fig4.png"), dpi=100)
    return {"title": "Figure 4: histograms of hidden activities on the MNIST test set",
            "figures": ["fig4.png"],
            "text": "Non-zero activities only (the k selected units of each image for the "
                    "k-sparse models, the active ReLUs for the dense ones); y is "
                    "log10(1 + count)."}
