"""The models the laboratory trains by name: the k-sparse model with and without §4.2.1's schedule, and TopK.

Each preset builds an unfitted model with as many latents as the truth has
atoms and k equal to the number of active atoms per row:

* ``ksparse-schedule`` — :class:`~ksparse.KSparseAutoencoder` with Adam,
  centred inputs and the sparsity schedule of §4.2.1 (k falls from 4k to k
  over the first half of training), which keeps latents from dying early;
* ``topk`` — :class:`~ksparse.TopKAutoencoder` as its recipe sets it up
  (unit-norm decoder, pre-encoder bias, AuxK loss, Adam);
* ``ksparse`` — the k-sparse model with Adam and centred inputs but k fixed
  from the first step.
"""
__all__ = ["PRESETS", "make_model"]

from ..models import KSparseAutoencoder, TopKAutoencoder

#: Names of the models ``ksparse lab`` can train (see :func:`make_model`).
PRESETS = ("ksparse-schedule", "topk", "ksparse")


def make_model(name, *, n_latents, k, epochs=10, batch_size=256, learning_rate=3e-3,
               random_state=0, verbose=False):
    """An unfitted model of a preset.

    Parameters
    ----------
    name : {'ksparse-schedule', 'topk', 'ksparse'}
    n_latents : int
        Hidden units (learned atoms).
    k : int
        Units kept per row.
    epochs, batch_size : int, default 10, 256
    learning_rate : float, default 0.003
        Adam's step size; of 0.001, 0.003 and 0.01, the best for all three
        presets on ``ksparse lab``'s default data (10 epochs).
    random_state : None, int or numpy.random.Generator, default 0
        The data of :mod:`ksparse.lab` never share a model's stream, so the
        same integer seed may serve both.
    verbose : bool, default False
        Show the model's progress bar while it trains.

    Returns
    -------
    model : KSparseAutoencoder or TopKAutoencoder
    """
    common = dict(n_hidden=n_latents, k=k, epochs=epochs, batch_size=batch_size,
                  learning_rate=learning_rate, random_state=random_state, verbose=verbose)
    if name == "topk":
        return TopKAutoencoder(**common)
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}.")
    k_start = min(4 * k, n_latents) if name == "ksparse-schedule" else None
    return KSparseAutoencoder(
        optimizer="adam", center=True,
        k_start=k_start if k_start is not None and k_start > k else None, **common)
