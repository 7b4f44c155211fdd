"""The laboratory's presets: each builds the model and settings its name promises, and trains."""
import numpy as np
import pytest

from ksparse import (
    BatchTopKAutoencoder,
    JumpReLUAutoencoder,
    KSparseAutoencoder,
    TopKAutoencoder,
)
from ksparse.lab import PRESETS, evaluate, make_model, make_sparse_data
from ksparse.lab.presets import DEFAULT

N, K = 40, 3


@pytest.mark.parametrize("name, cls, settings", [
    ("ksparse-schedule", KSparseAutoencoder, dict(k_start=12, center=True, optimizer="adam")),
    ("ksparse", KSparseAutoencoder, dict(k_start=None, center=True, optimizer="adam")),
    ("topk", TopKAutoencoder, dict(k_start=None, multi_k=None, prefixes=None)),
    ("topk-schedule", TopKAutoencoder, dict(k_start=12, multi_k=None, prefixes=None)),
    ("batch-topk", BatchTopKAutoencoder, dict(k_start=None, prefixes=None)),
    ("batch-topk-schedule", BatchTopKAutoencoder, dict(k_start=12, prefixes=None)),
    ("matryoshka", TopKAutoencoder, dict(k_start=None, multi_k=None, prefixes=(10, 20))),
    ("matryoshka-schedule", TopKAutoencoder, dict(k_start=12, prefixes=(10, 20))),
    ("multi-topk", TopKAutoencoder, dict(k_start=None, multi_k=12, prefixes=None)),
    ("multi-topk-schedule", TopKAutoencoder, dict(k_start=12, multi_k=12, prefixes=None)),
    ("jumprelu", JumpReLUAutoencoder, dict(threshold_init=0.3, bandwidth=0.1, l0_weight=0.1,
                                           l0_weight_start=None)),
    ("jumprelu-schedule", JumpReLUAutoencoder, dict(threshold_init=0.3, bandwidth=0.1,
                                                    l0_weight=0.1, l0_weight_start=0.0)),
])
def test_each_preset_builds_its_model_with_its_settings(name, cls, settings):
    model = make_model(name, n_latents=N, k=K, epochs=2, learning_rate=0.01, lr_end=0.002,
                       random_state=5)
    assert type(model) is cls
    params = model.get_params()
    for key, value in settings.items():
        assert params[key] == value, key
    assert params["n_hidden"] == N and params["epochs"] == 2
    assert params["learning_rate"] == 0.01 and params["random_state"] == 5
    assert params["lr_end"] == 0.002
    assert cls is JumpReLUAutoencoder or params["k"] == K


def test_the_presets_are_the_tested_ones_and_the_default_comes_first():
    assert len(PRESETS) == len(set(PRESETS)) == 12
    assert PRESETS[:3] == DEFAULT == ("ksparse-schedule", "topk", "ksparse")


@pytest.mark.parametrize("n_latents, k, k_start", [(40, 3, 12), (10, 3, 10), (3, 3, None)])
def test_the_schedule_starts_at_4k_capped_by_the_latents(n_latents, k, k_start):
    for name in ("ksparse-schedule", "topk-schedule", "batch-topk-schedule"):
        assert make_model(name, n_latents=n_latents, k=k).k_start == k_start


def test_matryoshka_prefixes_never_fall_below_k_nor_reach_the_full_code():
    assert make_model("matryoshka", n_latents=8, k=3).prefixes == (3, 4)
    assert make_model("matryoshka", n_latents=2, k=2).prefixes is None


def test_an_unknown_preset_names_the_choices():
    with pytest.raises(ValueError, match="unknown preset 'topk-2'; choose from ksparse-schedule"):
        make_model("topk-2", n_latents=N, k=K)


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_trains_on_laboratory_data(name):
    truth = make_sparse_data(400, 8, 12, active=2, random_state=0)
    model = make_model(name, n_latents=12, k=2, epochs=2, batch_size=64).fit(truth.X)
    report = evaluate(model, truth)
    assert np.isfinite(report.fvu) and report.fvu < 1.5
    assert 0 < report.mcc <= 1
