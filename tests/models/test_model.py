import numpy as np
import pytest

from ksparse import KSparseAutoencoder, NonFiniteLossError, NotFittedError


def small_model(**kwargs):
    settings = dict(n_hidden=30, k=4, epochs=3, batch_size=16, random_state=0)
    settings.update(kwargs)
    return KSparseAutoencoder(**settings)


@pytest.fixture
def X(rng):
    return rng.standard_normal((120, 10))


def test_fit_returns_self_with_fitted_attributes(X):
    model = small_model(tied=False)
    assert model.fit(X) is model
    assert model.W_.shape == (10, 30)
    assert model.P_.shape == (30, 10)
    assert model.b_.shape == (30,)
    assert model.b_prime_.shape == (10,)
    assert np.array_equal(model.components_, model.W_.T)
    assert model.n_features_in_ == 10
    assert model.backend_ == "numpy"
    assert [h["epoch"] for h in model.history_] == [0, 1, 2]


def test_tied_model_has_no_encoder_matrix(X):
    assert small_model().fit(X).P_ is None


@pytest.mark.parametrize(
    "input_dtype, dtype, expected",
    [
        (np.float32, None, np.float32),
        (np.float64, None, np.float64),
        (np.int64, None, np.float64),
        (np.float64, "float32", np.float32),
        (np.float32, "float64", np.float64),
    ],
)
def test_dtype_follows_input_or_is_fixed(X, input_dtype, dtype, expected):
    model = small_model(dtype=dtype, epochs=1).fit((X * 2).round().astype(input_dtype))
    assert model.W_.dtype == expected
    assert model.transform(X).dtype == expected


def test_fit_is_deterministic_with_random_state(X):
    a, b = small_model().fit(X), small_model().fit(X)
    c = small_model(random_state=1).fit(X)
    assert np.array_equal(a.W_, b.W_) and np.array_equal(a.b_, b.b_)
    assert not np.array_equal(a.W_, c.W_)


def test_training_lowers_the_reconstruction_loss(rng):
    # Data that is exactly 3-sparse in a random dictionary of 20 atoms.
    D = rng.standard_normal((16, 20))
    Z = np.zeros((600, 20))
    for row in Z:
        row[rng.choice(20, 3, replace=False)] = rng.uniform(1, 2, 3)
    X = Z @ D.T
    model = small_model(n_hidden=40, k=3, k_start=10, epochs=30, learning_rate=0.001)
    model.fit(X, X_val=X[:100])
    energy = np.mean(np.sum(X**2, axis=1))
    assert model.history_[-1]["loss"] < 0.25 * energy
    assert model.history_[-1]["val_loss"] < 0.5 * model.history_[0]["val_loss"]
    error = np.mean(np.sum((model.reconstruct(X) - X) ** 2, axis=1))
    assert error < 0.25 * energy


@pytest.mark.parametrize("alpha, k", [(1.0, 4), (2.5, 4), (3, 5)])
def test_transform_keeps_alpha_k_units_and_reconstruct_k(X, alpha, k):
    model = small_model(alpha=alpha, k=k).fit(X)
    H = model.transform(X)
    assert H.shape == (120, 30)
    assert np.all((H != 0).sum(axis=1) <= round(alpha * k))
    z = X @ model.W_ + model.b_
    n_active = round(alpha * k)
    top = z >= np.sort(z, axis=1)[:, [-n_active]]  # no ties in random data
    np.testing.assert_allclose(H, np.where(top, z, 0))
    X_hat = model.reconstruct(X)
    z_k = np.where(z >= np.sort(z, axis=1)[:, [-k]], z, 0)
    np.testing.assert_allclose(X_hat, z_k @ model.W_.T + model.b_prime_)


def test_schedule_and_dead_units_are_recorded(X):
    model = small_model(k=2, k_start=9, epochs=4).fit(X)
    # 120 rows / 16 = 8 steps per epoch; k = 9 − 7·s/16 over the first 16 steps.
    # Last steps 7, 15, 23, 31: 9 − 3.06 = 5.94 -> 6, 9 − 6.56 = 2.44 -> 2, then 2.
    assert [h["k"] for h in model.history_] == [6, 2, 2, 2]
    # One row alone keeps k distinct units alive, so at most 30 − k are dead.
    assert all(h["dead_units"] <= 30 - h["k"] for h in model.history_)


def test_dead_units_counts_units_never_selected(rng):
    """With a negligible learning rate the selection is that of the initial weights."""
    X = rng.standard_normal((200, 10))
    model = small_model(n_hidden=60, k=2, epochs=1, learning_rate=1e-12).fit(X)
    W0 = np.random.default_rng(0).standard_normal((10, 60)) * 0.01  # same draw as fit
    z = X @ W0
    winners = z >= np.sort(z, axis=1)[:, [-2]]
    expected_dead = int((~winners.any(axis=0)).sum())
    assert expected_dead > 0
    assert model.history_[0]["dead_units"] == expected_dead


def test_callbacks_receive_model_epoch_and_logs(X):
    seen = []
    model = small_model()
    model.fit(X, X_val=X[:10], callbacks=[lambda m, e, logs: seen.append((m, e, dict(logs)))])
    assert [e for _, e, _ in seen] == [0, 1, 2]
    assert all(m is model for m, _, _ in seen)
    assert {"loss", "val_loss", "dead_units", "k", "learning_rate"} <= set(seen[0][2])


def test_learning_rate_decays_to_lr_end(X):
    model = small_model(learning_rate=0.01, lr_end=0.001, epochs=4).fit(X)
    assert model.history_[-1]["learning_rate"] == pytest.approx(0.001)


def test_y_is_accepted_and_ignored(X):
    a = small_model().fit(X, np.arange(120))
    b = small_model().fit(X)
    assert np.array_equal(a.W_, b.W_)


def test_non_finite_loss_names_epoch_and_step_and_keeps_finite_parameters(X):
    snapshots = []
    model = small_model(learning_rate=50.0, momentum=0.9, epochs=50)
    with pytest.raises(NonFiniteLossError, match=r"epoch \d+, step \d+.*[Ss]cale"):
        model.fit(X * 1e3, callbacks=[lambda m, e, logs: snapshots.append(e)])
    assert np.isfinite(model.W_).all() and np.isfinite(model.b_).all()
    assert np.isfinite(model.b_prime_).all()


def test_not_fitted():
    with pytest.raises(NotFittedError, match="not fitted yet"):
        small_model().transform(np.ones((2, 3)))


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"k": 0}, ValueError, "k must be in"),
        ({"k": 31}, ValueError, "k must be in"),
        ({"k": 2.5}, TypeError, "k must be an integer"),
        ({"n_hidden": 0}, ValueError, "n_hidden must be in"),
        ({"alpha": 0.5}, ValueError, "alpha must be in"),
        ({"alpha": 8.0, "k": 4}, ValueError, "alpha \\* k = 8 \\* 4 = 32 exceeds n_hidden=30"),
        ({"learning_rate": 0.0}, ValueError, "learning_rate must be in"),
        ({"learning_rate": -1}, ValueError, "learning_rate must be in"),
        ({"batch_size": 0}, ValueError, "batch_size must be in"),
        ({"epochs": 0}, ValueError, "epochs must be in"),
        ({"k_start": 3}, ValueError, "k_start must be in \\[4"),
        ({"momentum": 1.0}, ValueError, "momentum must be in"),
        ({"init_std": 0}, ValueError, "init_std must be in"),
        ({"dtype": "int32"}, ValueError, "dtype must be None"),
        ({"tied": "yes"}, TypeError, "tied must be"),
        ({"random_state": "seed"}, TypeError, "random_state must be"),
    ],
)
def test_bad_hyperparameters_are_named(X, params, error, match):
    model = small_model(**params)
    with pytest.raises(error, match=match):
        model.fit(X)
    assert not hasattr(model, "W_")  # nothing was started


@pytest.mark.parametrize(
    "data, error, match",
    [
        (np.ones(10), ValueError, "Expected 2D array.*Reshape your data"),
        (np.ones((2, 3, 4)), ValueError, "Expected 2D array, got 3D"),
        (np.ones((0, 10)), ValueError, r"0 sample\(s\) \(shape=\(0, 10\)\) while a minimum of 1"),
        (np.ones((3, 0)), ValueError, r"0 feature\(s\) \(shape=\(3, 0\)\) while a minimum of 1"),
        (np.array([[1.0, np.nan]]), ValueError, "Input X contains NaN"),
        (np.array([[1.0, np.inf]]), ValueError, "Input X contains infinity"),
        (np.ones((3, 2), dtype=complex), ValueError, "Complex data not supported for X"),
        (np.array([["a", "b"]]), ValueError, "X must contain real numbers"),
    ],
)
def test_bad_X_is_rejected_before_training(data, error, match):
    model = small_model()
    with pytest.raises(error, match=match):
        model.fit(data)
    assert not hasattr(model, "W_")


def test_wrong_feature_count_at_transform(X):
    model = small_model().fit(X)
    with pytest.raises(ValueError, match="X has 3 features, but KSparseAutoencoder is expecting 10"):
        model.transform(np.ones((2, 3)))
    with pytest.raises(ValueError, match="X has 3 features"):
        model.reconstruct(np.ones((2, 3)))


def test_bad_validation_data(X):
    with pytest.raises(ValueError, match="X_val has 3 features"):
        small_model().fit(X, X_val=np.ones((2, 3)))
    with pytest.raises(ValueError, match="Input X_val contains NaN"):
        small_model().fit(X, X_val=np.full((2, 10), np.nan))


def test_pre_bias_starts_at_the_mean_and_encodes_the_centred_input(rng):
    X = rng.standard_normal((150, 10)) + 5.0
    frozen = small_model(pre_bias=True, learning_rate=1e-12, epochs=1).fit(X)
    np.testing.assert_allclose(frozen.b_prime_, X.mean(axis=0), atol=1e-9)
    model = small_model(pre_bias=True, alpha=2.0, k=3).fit(X)
    z = (X - model.b_prime_) @ model.W_ + model.b_
    top = z >= np.sort(z, axis=1)[:, [-6]]
    np.testing.assert_allclose(model.transform(X), np.where(top, z, 0))


def test_pre_bias_keeps_units_alive_on_data_with_a_large_mean(rng):
    """The failure the option exists for: a shared mean lets a few units win everything."""
    X = rng.standard_normal((400, 20)) * 0.3 + 3.0
    plain = small_model(n_hidden=60, k=3, epochs=5, learning_rate=0.001).fit(X)
    centred = small_model(n_hidden=60, k=3, epochs=5, learning_rate=0.001, pre_bias=True).fit(X)
    assert centred.history_[-1]["dead_units"] < plain.history_[-1]["dead_units"]


def test_adam_option_trains(rng, X):
    model = small_model(optimizer="adam", learning_rate=0.001, epochs=5).fit(X)
    assert model.history_[-1]["loss"] < model.history_[0]["loss"]
    with pytest.raises(ValueError, match="optimizer must be 'momentum' or 'adam'"):
        small_model(optimizer="rmsprop").fit(X)


def test_center_is_a_plain_model_of_the_centred_data(rng):
    X = rng.standard_normal((150, 10)) + 5.0
    centred = small_model(center=True, alpha=2.0, k=3, learning_rate=0.001).fit(X)
    plain = small_model(alpha=2.0, k=3, learning_rate=0.001).fit(X - X.mean(axis=0))
    np.testing.assert_allclose(centred.mean_, X.mean(axis=0))
    np.testing.assert_allclose(centred.W_, plain.W_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(centred.transform(X), plain.transform(X - X.mean(axis=0)),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(centred.reconstruct(X),
                               plain.reconstruct(X - X.mean(axis=0)) + X.mean(axis=0),
                               rtol=1e-10, atol=1e-12)
    assert small_model(learning_rate=0.001).fit(X).mean_ is None
