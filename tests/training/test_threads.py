"""The BLAS thread count of the training loop: one thread for small products, the user's override."""
import numpy as np
import pytest
from threadpoolctl import threadpool_info

import ksparse
from ksparse import KSparseAutoencoder, SoftmaxRegression, SparseMLPClassifier
from ksparse.training.threads import ENV_VAR, ONE_THREAD_BELOW, blas_threads


def params_of(n_features, n_hidden):
    return {"W": np.zeros((n_features, n_hidden), np.float32), "b": np.zeros(n_hidden)}


def blas_thread_counts():
    return [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]


@pytest.mark.parametrize("batch, n_features, n_hidden, expected", [
    (128, 64, 256, 1),  # the demo: 2.1 M multiply-adds a step
    (128, 784, 1000, None),  # MNIST: 100 M, every core
    (1, 1, ONE_THREAD_BELOW - 1, 1),
    (1, 1, ONE_THREAD_BELOW, None),
])
def test_small_products_get_one_thread(monkeypatch, batch, n_features, n_hidden, expected):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert blas_threads(batch, params_of(n_features, n_hidden)) == expected


@pytest.mark.parametrize("setting, expected", [("3", 3), ("1", 1), (" AUTO ", 1)])
def test_the_environment_overrides_the_rule(monkeypatch, setting, expected):
    monkeypatch.setenv(ENV_VAR, setting)
    assert blas_threads(128, params_of(64, 256)) == expected


@pytest.mark.parametrize("setting", ["0", "-2", "two", "1.5", "²"])
def test_a_bad_setting_names_the_variable(monkeypatch, setting):
    monkeypatch.setenv(ENV_VAR, setting)
    with pytest.raises(ValueError, match=f"{ENV_VAR} must be 'auto' or a positive integer"):
        blas_threads(128, params_of(64, 256))


@pytest.mark.parametrize("setting, inside", [(None, 1), ("2", 2)])
def test_fit_runs_its_steps_with_the_chosen_threads_and_restores_them(monkeypatch, setting,
                                                                      inside):
    if not blas_thread_counts():
        pytest.skip("NumPy's BLAS is not visible to threadpoolctl")
    if setting is None:
        monkeypatch.delenv(ENV_VAR, raising=False)
    else:
        monkeypatch.setenv(ENV_VAR, setting)
    before = blas_thread_counts()
    seen = []
    X = np.random.default_rng(0).random((64, 8)).astype(np.float32)
    model = KSparseAutoencoder(n_hidden=16, k=2, epochs=2, batch_size=16, random_state=0)
    model.fit(X, callbacks=[lambda m, epoch, logs: seen.append(blas_thread_counts())])
    assert seen == [[inside] * len(before)] * 2
    assert blas_thread_counts() == before


def autoencoder(X=None, y=None):
    return KSparseAutoencoder(n_hidden=16, k=2, center=True, epochs=1, batch_size=16,
                              random_state=0)


def dask_array(X):
    da = pytest.importorskip("dask.array")
    return da.from_array(X, chunks=(32, 8))


# (the model before the call, the call)
TRAININGS = {
    "fit": (autoencoder, lambda model, X, y: model.fit(X)),
    "partial_fit": (autoencoder, lambda model, X, y: model.partial_fit(X)),
    "fit of a dask array": (autoencoder, lambda model, X, y: model.fit(dask_array(X))),
    "partial_fit of a dask array": (autoencoder,
                                    lambda model, X, y: model.partial_fit(dask_array(X))),
    "partial_fit after fit": (lambda X, y: autoencoder().fit(X),
                              lambda model, X, y: model.partial_fit(X)),
    "softmax by SGD": (lambda X, y: SoftmaxRegression(solver="sgd", epochs=1),
                       lambda model, X, y: model.fit(X, y)),
    "fine-tuned network": (lambda X, y: SparseMLPClassifier(hidden_layers=(8,), k=2, epochs=1),
                           lambda model, X, y: model.fit(X, y)),
}


@pytest.mark.parametrize("name", sorted(TRAININGS))
def test_a_bad_setting_is_refused_before_the_model_changes(monkeypatch, name):
    X = np.random.default_rng(0).random((64, 8))
    y = np.arange(64) % 2
    make, call = TRAININGS[name]
    monkeypatch.delenv(ENV_VAR, raising=False)
    model = make(X, y)
    before = dict(vars(model))
    W = None if getattr(model, "W_", None) is None else model.W_.copy()
    monkeypatch.setenv(ENV_VAR, "zero")
    with pytest.raises(ValueError, match=f"{ENV_VAR} must be 'auto' or a positive integer, "
                                         "got 'zero'"):
        call(model, X, y)
    assert vars(model).keys() == before.keys()
    assert all(vars(model)[key] is value for key, value in before.items())
    if W is not None:  # nor were the weights of a fitted model updated in place
        np.testing.assert_array_equal(model.W_, W)
        assert model._run.state.position == 0 and len(model.history_) == 1


def test_loading_a_model_does_not_read_the_setting(monkeypatch, tmp_path):
    X = np.random.default_rng(0).random((64, 8))
    autoencoder().fit(X).save(tmp_path / "model.npz")
    monkeypatch.setenv(ENV_VAR, "zero")
    assert ksparse.load(tmp_path / "model.npz").n_features_in_ == 8
