"""A NumPy-scalar hyper-parameter trains exactly like the same Python number.

Under NumPy 2's promotion rules (NEP 50) np.float64(0.9) * a float32 array is
float64, so training that read the raw attribute would round differently.
"""
import numpy as np
import pytest

import ksparse

COMMON = dict(epochs=2, batch_size=16, random_state=0, verbose=False)
AE = dict(n_hidden=12, **COMMON)

# (class, fixed settings, setting under test, its value); supervised ones get y.
FLOAT_CASES = [
    (ksparse.KSparseAutoencoder, dict(k=3, **AE), "momentum", 0.9),
    (ksparse.KSparseAutoencoder, dict(k=3, **AE), "learning_rate", 0.01),
    (ksparse.KSparseAutoencoder, dict(k=3, **AE), "lr_end", 0.001),
    (ksparse.KSparseAutoencoder, dict(k=3, **AE), "input_dropout", 0.2),
    (ksparse.KSparseAutoencoder, dict(k=3, **AE), "init_std", 0.02),
    (ksparse.DropoutAutoencoder, dict(**AE), "hidden_dropout", 0.3),
    (ksparse.KLSparseAutoencoder, dict(**AE), "sparsity_target", 0.05),
    (ksparse.KLSparseAutoencoder, dict(**AE), "sparsity_weight", 0.2),
    (ksparse.RBM, dict(**AE), "weight_decay", 0.01),
    (ksparse.TopKAutoencoder, dict(k=3, **AE), "learning_rate", 0.003),
    (ksparse.TopKAutoencoder, dict(k=3, dead_steps=1, **AE), "aux_weight", 0.1),
    (ksparse.TopKAutoencoder, dict(k=3, multi_k=6, **AE), "multi_k_weight", 0.5),
    (ksparse.BatchTopKAutoencoder, dict(k=3, **AE), "threshold_rate", 0.1),
    (ksparse.JumpReLUAutoencoder, dict(**AE), "l0_weight", 0.01),
    (ksparse.JumpReLUAutoencoder, dict(**AE), "bandwidth", 0.05),
    (ksparse.JumpReLUAutoencoder, dict(**AE), "threshold_init", 0.05),
    (ksparse.SoftmaxRegression, dict(max_iter=20), "l2", 0.01),
    (ksparse.SparseMLPClassifier, dict(hidden_layers=(12,), k=3, **COMMON), "momentum", 0.9),
    (ksparse.SparseMLPClassifier, dict(hidden_layers=(12,), k=3, **COMMON), "learning_rate", 0.01),
]

INT_CASES = [
    (ksparse.KSparseAutoencoder, dict(k=3, **AE), "k_start", 8),
    (ksparse.KSparseAutoencoder, dict(k=3, lr_end=0.001, **AE), "epochs", 2),
    (ksparse.KSparseAutoencoder, dict(k=3, lr_end=0.001, **AE), "batch_size", 16),
    (ksparse.KSparseAutoencoder, dict(k=3, lr_end=0.001, **AE), "total_steps", 9),
    (ksparse.TopKAutoencoder, dict(k=3, dead_steps=1, **AE), "aux_k", 5),
    (ksparse.RBM, dict(**AE), "cd_steps", 2),
]


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(4)
    X = (rng.random((64, 10)) ** 2).astype(np.float32)  # (64, 10) in [0, 1]
    return X, (X[:, 0] > X[:, 1]).astype(np.int64)


def fitted_arrays(cls, settings, data):
    X, y = data
    model = cls(**settings)
    supervised = cls in (ksparse.SoftmaxRegression, ksparse.SparseMLPClassifier)
    model.fit(X, y) if supervised else model.fit(X)
    arrays = {name: value for name, value in vars(model).items()
              if name.endswith("_") and isinstance(value, np.ndarray)}
    return model, arrays


def assert_same_training(cls, fixed, name, python_value, numpy_value, data):
    _, expected = fitted_arrays(cls, {**fixed, name: python_value}, data)
    model, got = fitted_arrays(cls, {**fixed, name: numpy_value}, data)
    assert model.get_params()[name] is numpy_value  # fit leaves the setting as given
    assert expected.keys() == got.keys() and expected
    for key in expected:
        assert got[key].dtype == expected[key].dtype, key
        assert np.array_equal(got[key], expected[key], equal_nan=True), key


@pytest.mark.parametrize("scalar", [np.float64, np.float32])
@pytest.mark.parametrize("cls, fixed, name, value", FLOAT_CASES,
                         ids=[f"{c.__name__}-{n}" for c, _, n, _ in FLOAT_CASES])
def test_numpy_float_setting_trains_like_the_python_float(data, scalar, cls, fixed, name, value):
    numpy_value = scalar(value)
    assert_same_training(cls, fixed, name, float(numpy_value), numpy_value, data)


@pytest.mark.parametrize("cls, fixed, name, value", INT_CASES,
                         ids=[f"{c.__name__}-{n}" for c, _, n, _ in INT_CASES])
def test_numpy_int_setting_trains_like_the_python_int(data, cls, fixed, name, value):
    assert_same_training(cls, fixed, name, value, np.int64(value), data)


@pytest.mark.parametrize("cls", [ksparse.TopKAutoencoder, ksparse.BatchTopKAutoencoder])
def test_numpy_int_k_schedule_logs_and_validates_like_python_ints(data, cls):
    # 64 rows in batches of 16, 2 epochs: 8 steps, k falls from 8 to 2 over the first 4
    # (§4.2.1), so the epochs end (steps 3 and 7) at k = round(8 - 6 * 3/4) = 4 and 2.
    X, _ = data
    histories = []
    for k, k_start in ((2, 8), (np.int64(2), np.int64(8))):
        model = cls(k=k, k_start=k_start, **AE).fit(X, X_val=X[:20])
        histories.append(model.history_)
    assert [h["k"] for h in histories[0]] == [4, 2]
    assert all(type(h["k"]) is int for h in histories[1])  # logged as a Python int
    assert histories[1] == histories[0]  # the same k, losses and val_loss/val_fvu, bit for bit
