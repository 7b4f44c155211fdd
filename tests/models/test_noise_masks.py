"""Dropout and masking noise inside real training runs: a fresh mask every step, reproducible.

The masks are recorded by wrapping the real :func:`ksparse.nn.dropout_mask`
where each model calls it, while ``fit`` runs its own loop; nothing here
draws a mask by hand.
"""
import numpy as np
import pytest

import ksparse.models.dense
import ksparse.models.k_sparse
from ksparse import (
    DenoisingAutoencoder,
    DropoutAutoencoder,
    KSparseAutoencoder,
    ReLUAutoencoder,
)
from ksparse.nn.dropout import dropout_mask

N_ROWS, BATCH, EPOCHS = 24, 8, 2  # 3 steps an epoch, 6 in all
N_STEPS = EPOCHS * N_ROWS // BATCH

CASES = {  # name: (model, its module, masks drawn per step: (shape, rate) in order)
    "denoising": (DenoisingAutoencoder(n_hidden=5), ksparse.models.dense,
                  [((BATCH, 4), 0.2)]),
    "dropout": (DropoutAutoencoder(n_hidden=5), ksparse.models.dense, [((BATCH, 5), 0.5)]),
    "relu, both": (ReLUAutoencoder(n_hidden=5, input_dropout=0.3, hidden_dropout=0.4),
                   ksparse.models.dense, [((BATCH, 4), 0.3), ((BATCH, 5), 0.4)]),
    "k-sparse denoising": (KSparseAutoencoder(n_hidden=5, k=2, input_dropout=0.25),
                           ksparse.models.k_sparse, [((BATCH, 4), 0.25)]),
}


def recorded_masks(monkeypatch, name, random_state=0):
    """Fit the case's model on fixed data; the masks it drew, grouped by step."""
    template, module, per_step = CASES[name]
    drawn = []

    def spy(shape, rate, rng, dtype):
        mask = dropout_mask(shape, rate, rng, dtype)
        drawn.append((tuple(shape), rate, mask))
        return mask

    monkeypatch.setattr(module, "dropout_mask", spy)
    X = np.random.default_rng(7).standard_normal((N_ROWS, 4))
    model = template.__class__(**template.get_params())
    model.set_params(epochs=EPOCHS, batch_size=BATCH, random_state=random_state)
    model.fit(X)
    assert [(shape, rate) for shape, rate, _ in drawn] == per_step * N_STEPS
    n = len(per_step)
    return [[mask for _, _, mask in drawn[s * n:(s + 1) * n]] for s in range(N_STEPS)]


@pytest.mark.parametrize("name", list(CASES))
def test_every_step_of_one_run_draws_a_new_mask(monkeypatch, name):
    steps = recorded_masks(monkeypatch, name)
    for position in range(len(steps[0])):
        masks = [step[position] for step in steps]
        for s in range(1, N_STEPS):
            assert not np.array_equal(masks[s], masks[s - 1]), f"step {s} repeats step {s - 1}"
        distinct = {mask.tobytes() for mask in masks}
        assert len(distinct) == N_STEPS  # across epochs too: no mask comes back
        assert all((mask == 0).any() and (mask != 0).any() for mask in masks)


@pytest.mark.parametrize("name", ["relu, both", "k-sparse denoising"])
def test_step_s_of_two_runs_with_one_seed_draws_the_same_mask(monkeypatch, name):
    first = recorded_masks(monkeypatch, name)
    again = recorded_masks(monkeypatch, name)
    other = recorded_masks(monkeypatch, name, random_state=1)
    for s in range(N_STEPS):
        for a, b, c in zip(first[s], again[s], other[s]):
            assert np.array_equal(a, b)
            assert not np.array_equal(a, c)  # another seed, other noise

