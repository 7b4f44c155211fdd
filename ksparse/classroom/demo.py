"""The newcomer's first run: filters learned from natural-image patches (as in the paper's Figure 3).

Trains a k-sparse autoencoder on 8×8 patches of the photograph that ships
with matplotlib (contrast-normalized and ZCA-whitened as in §4.1), offline,
in well under a minute on two CPU cores, and writes the learned filters
as an image plus the trained model.
"""
__all__ = ["run_demo"]

import os
import time

from ..datasets import load_photo_patches
from ..io.atomic import new_folder, save_figure
from ..models.k_sparse import KSparseAutoencoder
from ..plotting.filters import plot_filters


def run_demo(out="ksparse-demo", n_patches=40000, n_hidden=256, k=10, epochs=30,
             random_state=0, verbose=True):
    """Train on photo patches and write ``filters.png`` and ``model.npz`` into ``out``.

    Parameters
    ----------
    out : str or os.PathLike
        Folder for the outputs (created when missing).
    n_patches, n_hidden, k, epochs : int
        Size of the run; the defaults give Gabor-like filters.
    random_state : int
    verbose : bool
        Progress bar while training.

    Returns
    -------
    paths : dict
        ``figure`` and ``model``: where the outputs went; ``seconds``: training time.

    Raises
    ------
    ValueError
        Before any work, when ``out/filters.png`` or ``out/model.npz`` is a folder.
    """
    figure_path, model_path = _output_paths(out)  # refused now, not after the training
    with new_folder(out):  # a run that fails (too large, Ctrl-C) leaves no empty folder
        os.makedirs(out, exist_ok=True)
        X, _ = load_photo_patches(patch_size=8, n_patches=n_patches, random_state=random_state)
        model = KSparseAutoencoder(
            n_hidden=n_hidden, k=k, k_start=min(4 * k, n_hidden), epochs=epochs,
            learning_rate=0.01, batch_size=128, random_state=random_state, verbose=verbose,
        )
        start = time.perf_counter()
        model.fit(X)
        seconds = time.perf_counter() - start
        fig = plot_filters(model.components_, (8, 8), title=f"{n_hidden} filters, k = {k}")
        save_figure(fig, figure_path, dpi=120)
        model.save(model_path)
    return {"figure": figure_path, "model": model_path, "seconds": seconds}


def _output_paths(out):
    """The paths of ``filters.png`` and ``model.npz`` in ``out``.

    The command line's ``demo`` checks its ``--out`` with this too. Raises
    ValueError when one of them is a folder, where the file cannot be written.
    """
    paths = (os.path.join(out, "filters.png"), os.path.join(out, "model.npz"))
    for path in paths:
        if os.path.isdir(path):
            raise ValueError(f"out: {path} is a folder, where the demo writes a file.")
    return paths
