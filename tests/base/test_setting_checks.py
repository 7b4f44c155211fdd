"""dtype, real-valued settings, random_state and callbacks are refused, naming them, before any work."""
from fractions import Fraction

import numpy as np
import pytest

from ksparse import KSparseAutoencoder, SoftmaxRegression, SparseMLPClassifier
from ksparse.validation import check_callbacks, check_dtype, check_random_state, check_real

FIT = dict(n_hidden=6, k=2, epochs=2, batch_size=8, random_state=0)


@pytest.fixture
def X():
    return np.random.default_rng(0).random((40, 5)).astype(np.float32)


@pytest.mark.parametrize("dtype", ["flaot32", 0, "x", 1.5, True, "int32"])
def test_a_dtype_numpy_cannot_read_is_refused_naming_dtype(dtype, X):
    with pytest.raises(ValueError, match=r"dtype must be None, 'float32' or 'float64'"):
        check_dtype(dtype)
    with pytest.raises(ValueError, match="dtype must be"):
        KSparseAutoencoder(**FIT, dtype=dtype).fit(X)


@pytest.mark.parametrize("dtype, expected", [("float32", np.float32), (np.float64, np.float64),
                                             (np.dtype("float32"), np.float32)])
def test_the_float_dtypes_are_accepted(dtype, expected):
    assert check_dtype(dtype) == np.dtype(expected)


def test_a_fraction_is_a_real_number():
    assert check_real(Fraction(1, 100), "learning_rate", low=0) == 0.01


@pytest.mark.parametrize("value", [10**400, -(10**400), float("inf")])
def test_a_real_beyond_floats_range_is_refused_naming_it(value, X):
    with pytest.raises(ValueError, match="learning_rate must be finite"):
        check_real(value, "learning_rate")
    with pytest.raises(ValueError, match="learning_rate must be finite"):
        KSparseAutoencoder(**FIT, learning_rate=value).fit(X)


@pytest.mark.parametrize("seed", [True, False, np.True_, np.False_])
def test_a_bool_is_no_seed(seed, X):
    with pytest.raises(TypeError, match="random_state must be None, an int >= 0"):
        check_random_state(seed)
    with pytest.raises(TypeError, match="random_state"):
        KSparseAutoencoder(**dict(FIT, random_state=seed)).fit(X)


@pytest.mark.parametrize("callbacks, match", [
    ("log", r"callbacks must be None or a list of callables, got 'log'"),
    (print, r"callbacks must be None or a list of callables, got <built-in"),
    ([print, "log"], r"callbacks\[1\] is 'log'"),
    ((None,), r"callbacks\[0\] is None"),
])
def test_check_callbacks_refuses_what_cannot_be_called(callbacks, match):
    with pytest.raises(TypeError, match=match):
        check_callbacks(callbacks)


@pytest.mark.parametrize("callbacks", [None, [], (print,), [print, len]])
def test_check_callbacks_accepts_lists_of_callables(callbacks):
    assert check_callbacks(callbacks) is None


def _dask(X):
    da = pytest.importorskip("dask.array")
    return da.from_array(X, chunks=(16, -1))


# (model, how it is fitted, the fitted array that must survive a refused refit)
REFITS = [
    pytest.param(lambda: KSparseAutoencoder(**FIT),
                 lambda m, X, y, **kw: m.fit(X, **kw), "W_", id="autoencoder-fit"),
    pytest.param(lambda: KSparseAutoencoder(**FIT),
                 lambda m, X, y, **kw: m.partial_fit(X, **kw), "W_", id="autoencoder-partial_fit"),
    pytest.param(lambda: KSparseAutoencoder(**FIT),
                 lambda m, X, y, **kw: m.fit(_dask(X), **kw), "W_", id="autoencoder-dask-fit"),
    pytest.param(lambda: KSparseAutoencoder(**FIT),
                 lambda m, X, y, **kw: m.partial_fit(_dask(X), **kw), "W_",
                 id="autoencoder-dask-partial_fit"),
    pytest.param(lambda: SoftmaxRegression(solver="sgd", epochs=2, random_state=0),
                 lambda m, X, y, **kw: m.fit(X, y, **kw), "coef_", id="softmax-sgd"),
    pytest.param(lambda: SoftmaxRegression(solver="lbfgs", random_state=0),
                 lambda m, X, y, **kw: m.fit(X, y, **kw), "coef_", id="softmax-lbfgs"),
    pytest.param(lambda: SparseMLPClassifier(hidden_layers=(6,), k=2, alpha=1.0, epochs=2,
                                             random_state=0),
                 lambda m, X, y, **kw: m.fit(X, y, **kw), "W1_", id="mlp"),
]


@pytest.mark.parametrize("make, fit, fitted", REFITS)
def test_a_refit_with_bad_callbacks_keeps_the_first_fit(make, fit, fitted, X):
    y = (X[:, 0] > 0.5).astype(int)
    model = fit(make(), X, y)
    before = getattr(model, fitted).copy()
    history = list(model.history_)
    model.set_params(random_state=1)
    with pytest.raises(TypeError, match=r"callbacks\[1\] is 'log'"):
        fit(model, X[::-1], y[::-1], callbacks=[print, "log"])
    after = getattr(model, fitted)
    assert after.dtype == before.dtype and after.tobytes() == before.tobytes()
    assert model.history_ == history
