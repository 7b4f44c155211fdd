"""The laboratory's named models: the k-sparse model and the TopK family, with or without §4.2.1's schedule.

Each preset builds an unfitted model with as many latents as the truth has
atoms and k equal to the number of active atoms per row. A name ending in
``-schedule`` is the same model with the sparsity schedule of §4.2.1: k falls
linearly from ``k_start`` = 4k to k over the first half of training, so that
early on many latents take part in every update and few die before they
have found an atom.

* ``ksparse-schedule``, ``ksparse`` — :class:`~ksparse.KSparseAutoencoder`
  with Adam and centred inputs, with and without the schedule;
* ``topk``, ``topk-schedule`` — :class:`~ksparse.TopKAutoencoder` as its
  recipe sets it up (unit-norm decoder, pre-encoder bias, AuxK loss, Adam);
* ``batch-topk``, ``batch-topk-schedule`` —
  :class:`~ksparse.BatchTopKAutoencoder`: k per row on average;
* ``matryoshka``, ``matryoshka-schedule`` — TopK with the losses of nested
  prefixes of the latents (:data:`PREFIX_SHARES` of them);
* ``multi-topk``, ``multi-topk-schedule`` — TopK with the loss of the 4k
  code added, weight 1/8;
* ``jumprelu``, ``jumprelu-schedule`` — :class:`~ksparse.JumpReLUAutoencoder`,
  its thresholds and L0 penalty set for the laboratory's scale (see
  ``_jumprelu``); JumpReLU has no k, and its ``-schedule`` is the penalty's
  warm-up instead: λ rises from 0 to its value over the first half of
  training (``l0_weight_start=0``), so that early on, as with the sparsity
  schedule, more latents fire and learn.
"""
__all__ = ["DEFAULT", "PRESETS", "PREFIX_SHARES", "make_model"]

from ..models import (
    BatchTopKAutoencoder,
    JumpReLUAutoencoder,
    KSparseAutoencoder,
    TopKAutoencoder,
)

#: Matryoshka's prefix sizes as shares of the latents (the full code is the last size).
PREFIX_SHARES = (0.25, 0.5)

# JumpReLU on the laboratory's data: unit-norm atoms and active coefficients in
# [0.5, 1.5] make the pre-activation z of a matched latent about its coefficient,
# ~1, and that of any other latent of the order of the interference, ~0.1-0.2.
JUMP_THRESHOLD = 0.3  # θ at the start: above most interference, below every true coefficient
JUMP_BANDWIDTH = 0.1  # ε: a tenth of a kept z, so every θ learns from some rows of each batch
JUMP_L0_WEIGHT = 0.1  # λ: a latent must save more squared error than this to be kept


def _k_start(n_latents, k):
    """4k, at most n_latents; None when that is no more than k (nothing to schedule)."""
    k_start = min(4 * k, n_latents)
    return k_start if k_start > k else None


def _ksparse(n_latents, k, schedule, common):
    """The k-sparse autoencoder with Adam and centred inputs."""
    return KSparseAutoencoder(optimizer="adam", center=True,
                              k_start=_k_start(n_latents, k) if schedule else None, **common)


def _topk(n_latents, k, schedule, common):
    """The TopK recipe: unit-norm decoder, pre-encoder bias, AuxK, Adam."""
    return TopKAutoencoder(k_start=_k_start(n_latents, k) if schedule else None, **common)


def _batch_topk(n_latents, k, schedule, common):
    """BatchTopK: the B·k largest activities of each minibatch while training."""
    return BatchTopKAutoencoder(k_start=_k_start(n_latents, k) if schedule else None, **common)


def _matryoshka(n_latents, k, schedule, common):
    """TopK plus the loss of each nested prefix of :data:`PREFIX_SHARES` of the latents."""
    sizes = sorted({max(k, round(share * n_latents)) for share in PREFIX_SHARES})
    return TopKAutoencoder(k_start=_k_start(n_latents, k) if schedule else None,
                           prefixes=tuple(m for m in sizes if m < n_latents) or None, **common)


def _multi_topk(n_latents, k, schedule, common):
    """TopK plus 1/8 of the loss of the 4k code (Multi-TopK)."""
    return TopKAutoencoder(k_start=_k_start(n_latents, k) if schedule else None,
                           multi_k=min(4 * k, n_latents), **common)


def _jumprelu(n_latents, k, schedule, common):
    """JumpReLU with θ, ε and λ set for atoms of unit norm and coefficients of order one.

    The model's defaults (θ = ε = λ = 0.001) follow the JumpReLU paper,
    whose inputs are scaled to E‖x‖² = n_features; here a kept z is the coefficient,
    0.5-1.5, and the others are interference of order 0.1-0.2. So θ starts
    at :data:`JUMP_THRESHOLD`, above most interference and below every true
    coefficient; ε is :data:`JUMP_BANDWIDTH`, wide enough that rows near
    each θ are found in every batch (at 0.001 a θ hears from about one row
    in a thousand and barely moves); and λ is :data:`JUMP_L0_WEIGHT`, below
    the squared error a true atom removes (c² >= 0.25) and above what an
    interference term does (~0.01-0.04). On 512 atoms in 128 dimensions
    (3 epochs, validation rows) these beat θ₀ = 0.1 or ε = 0.05 (no atom
    recovered) and λ = 0.03-0.05 (L0 of 12-30 instead of about 6).
    JumpReLU has no k: its L0 is what λ makes it. With ``schedule``, λ
    warms up from 0 over the first half of training (``l0_weight_start``).
    """
    common = {key: value for key, value in common.items() if key != "k"}
    return JumpReLUAutoencoder(threshold_init=JUMP_THRESHOLD, bandwidth=JUMP_BANDWIDTH,
                               l0_weight=JUMP_L0_WEIGHT, l0_weight_start=0.0 if schedule else None,
                               **common)


# name -> (builder, with the schedule); the first three are ``ksparse lab``'s default.
_PRESETS = {
    "ksparse-schedule": (_ksparse, True),
    "topk": (_topk, False),
    "ksparse": (_ksparse, False),
    "topk-schedule": (_topk, True),
    "batch-topk": (_batch_topk, False),
    "batch-topk-schedule": (_batch_topk, True),
    "matryoshka": (_matryoshka, False),
    "matryoshka-schedule": (_matryoshka, True),
    "multi-topk": (_multi_topk, False),
    "multi-topk-schedule": (_multi_topk, True),
    "jumprelu": (_jumprelu, False),
    "jumprelu-schedule": (_jumprelu, True),
}

#: Names of the models ``ksparse lab`` can train (see :func:`make_model`).
PRESETS = tuple(_PRESETS)

#: The presets ``ksparse lab`` trains when none are named.
DEFAULT = ("ksparse-schedule", "topk", "ksparse")


def make_model(name, *, n_latents, k, epochs=10, batch_size=256, learning_rate=3e-3,
               lr_end=None, random_state=0, verbose=False):
    """An unfitted model of a preset.

    Parameters
    ----------
    name : str
        One of :data:`PRESETS`.
    n_latents : int
        Hidden units (learned atoms). A few more than the true atoms (1.25
        per atom) let TopK learn rare or correlated atoms that a model with
        one latent per atom blends in pairs (``benchmarks/ground_truth.py
        --width``; see the results page).
    k : int
        Units kept per row (on average for BatchTopK; JumpReLU has no k).
    epochs, batch_size : int, default 10, 256
    learning_rate : float, default 0.003
        Adam's step size; of 0.001, 0.003 and 0.01, the best for the first
        three presets on ``ksparse lab``'s default data (10 epochs).
    lr_end : float or None, default None
        When set, the step size falls linearly to it over the run. With 40
        epochs instead of 10 and 0.003 falling to 0.0003, the schedule presets
        recover (nearly) every atom (``benchmarks/ground_truth.py``; see the
        results page).
    random_state : None, int or numpy.random.Generator, default 0
        The data of :mod:`ksparse.lab` never share a model's stream, so the
        same integer seed may serve both.
    verbose : bool, default False
        Show the model's progress bar while it trains.

    Returns
    -------
    model : KSparseAutoencoder, TopKAutoencoder, BatchTopKAutoencoder or JumpReLUAutoencoder
    """
    if name not in _PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}.")
    build, schedule = _PRESETS[name]
    common = dict(n_hidden=n_latents, k=k, epochs=epochs, batch_size=batch_size,
                  learning_rate=learning_rate, lr_end=lr_end, random_state=random_state,
                  verbose=verbose)
    return build(n_latents, k, schedule, common)
