"""Numerical safety of training: unnormalized data and warnings.

Float32 training on raw pixels (0–255) either works or stops with
:class:`ksparse.NonFiniteLossError`, which names the epoch and step that went
non-finite and suggests scaling the inputs; the model keeps finite
parameters. No NumPy warning (overflow, invalid value) leaks out of a normal
fit or a failing one: each fit runs inside ``warnings.catch_warnings()`` with
every warning turned into an error, independently of the suite's own
``filterwarnings = error`` setting.
"""
import re
import warnings

import numpy as np
import pytest

import ksparse
from ksparse import KSparseAutoencoder, NonFiniteLossError

N_SAMPLES, N_FEATURES, BATCH = 200, 64, 20
STEPS_PER_EPOCH = N_SAMPLES // BATCH


@pytest.fixture
def pixels():
    """Unnormalized 8-bit pixel values as float32, shape (200, 64)."""
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (N_SAMPLES, N_FEATURES)).astype(np.float32)


class CountingAutoencoder(KSparseAutoencoder):
    """Counts training steps started, to check the step an error names."""

    def _training_step(self, params, X, **options):
        self.steps_started = getattr(self, "steps_started", 0) + 1
        return super()._training_step(params, X, **options)


def make(**kwargs):
    settings = dict(n_hidden=32, k=5, epochs=3, batch_size=BATCH, random_state=0)
    settings.update(kwargs)
    return CountingAutoencoder(**settings)


def fit_strict(model, X, **fit_kwargs):
    """fit with every warning raised as an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return model.fit(X, **fit_kwargs)


def assert_finite_model(model):
    for name in ("W_", "b_", "b_prime_"):
        assert np.isfinite(getattr(model, name)).all(), name


def test_raw_pixels_with_default_settings_stop_with_a_clear_error(pixels):
    # Default momentum SGD with η = 0.01 diverges on 0–255 inputs.
    model = make()
    with pytest.raises(NonFiniteLossError) as info:
        fit_strict(model, pixels, X_val=pixels[:50])
    message = str(info.value)
    failing = model.steps_started - 1  # 0-based index of the step that failed
    expected = f"epoch {failing // STEPS_PER_EPOCH}, step {failing}"
    assert expected in message
    assert re.search(r"[Ss]cale the inputs", message) and "[0, 1]" in message
    assert isinstance(info.value, FloatingPointError)
    # The failing update was not applied: the model keeps finite parameters.
    assert_finite_model(model)
    assert isinstance(model.history_, list)


@pytest.mark.parametrize(
    "options",
    [
        dict(),
        dict(learning_rate=1e-4),
        dict(learning_rate=1e-6, momentum=0.0),
        dict(tied=False),
        dict(pre_bias=True),
        dict(k_start=20, lr_end=1e-5),
        dict(optimizer="adam"),
        dict(dtype="float64"),
    ],
    ids=["default", "lr 1e-4", "lr 1e-6 no momentum", "untied", "pre_bias", "schedules",
         "adam", "float64"],
)
def test_raw_pixels_either_train_or_raise_non_finite_error(pixels, options):
    model = make(**options)
    try:
        fit_strict(model, pixels, X_val=pixels[:50])
    except NonFiniteLossError as exc:
        assert re.search(r"epoch \d+, step \d+", str(exc))
        assert "Scale the inputs" in str(exc)
    else:
        losses = [h["loss"] for h in model.history_] + [h["val_loss"] for h in model.history_]
        assert len(model.history_) == 3 and np.isfinite(losses).all()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert np.isfinite(model.transform(pixels)).all()
            assert np.isfinite(model.reconstruct(pixels)).all()
    assert_finite_model(model)


def test_adam_trains_on_raw_pixels(pixels):
    # Adam's step size does not grow with the gradient, so it copes with 0–255.
    model = fit_strict(make(optimizer="adam"), pixels)
    losses = [h["loss"] for h in model.history_]
    assert np.isfinite(losses).all() and losses[-1] < losses[0]


def test_scaling_as_suggested_fixes_the_default_run(pixels):
    model = fit_strict(make(), pixels / np.float32(255.0), X_val=pixels[:50] / np.float32(255.0))
    assert model.W_.dtype == np.float32
    losses = [h["loss"] for h in model.history_]
    assert np.isfinite(losses).all() and losses[-1] < losses[0]
    assert_finite_model(model)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("tied", [True, False])
def test_normal_fit_emits_no_warnings(rng, dtype, tied):
    X = rng.standard_normal((120, 16)).astype(dtype)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = make(n_hidden=24, k=4, tied=tied, epochs=2).fit(X, X_val=X[:30])
        model.transform(X)
        model.reconstruct(X)
    assert caught == []
    assert model.W_.dtype == dtype


def test_non_finite_error_is_exported():
    assert ksparse.NonFiniteLossError is NonFiniteLossError
    assert issubclass(NonFiniteLossError, FloatingPointError)


def test_held_out_overflow_that_turns_invalid_is_recorded_without_warnings(rng):
    # TopK's held-out FVU multiplies the overflowed infinities by zero (an
    # invalid operation, not only an overflow): still no warning.
    X = rng.standard_normal((60, 16)).astype(np.float32)
    X_val = np.full((10, 16), 3e38, dtype=np.float32)
    model = fit_strict(ksparse.TopKAutoencoder(n_hidden=24, k=4, epochs=2, random_state=0),
                       X, X_val=X_val)
    assert not np.isfinite([h["val_loss"] for h in model.history_]).any()


def test_overflowing_validation_loss_is_recorded_without_warnings(rng):
    # Held-out data far outside the training range overflows float32 in the
    # validation loss; that is recorded as a non-finite val_loss, not warned about.
    X = rng.standard_normal((60, 16)).astype(np.float32)
    X_val = np.full((10, 16), 3e38, dtype=np.float32)
    model = fit_strict(make(n_hidden=24, k=4, epochs=2), X, X_val=X_val)
    val_losses = [h["val_loss"] for h in model.history_]
    assert len(val_losses) == 2
    assert not np.isfinite(val_losses).any()
    assert np.isfinite([h["loss"] for h in model.history_]).all()
