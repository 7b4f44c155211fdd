"""Settings given as NumPy scalars or dtypes are saved as the Python values they hold, never as None."""
import numpy as np
import pytest

import ksparse
from ksparse import KSparseAutoencoder, SparseMLPClassifier, TopKAutoencoder
from ksparse.io.model_files import _json_safe

FIT = dict(n_hidden=6, k=2, epochs=2, batch_size=8, random_state=0)


@pytest.fixture
def X():
    return np.random.default_rng(0).random((40, 5)).astype(np.float32)


# (model class, its settings, the Python value each NumPy one must load back as)
CASES = [
    (KSparseAutoencoder, dict(k=np.int64(3)), dict(k=3)),
    (KSparseAutoencoder, dict(n_hidden=np.int32(7), epochs=np.int64(1)), dict(n_hidden=7, epochs=1)),
    (KSparseAutoencoder, dict(random_state=np.int64(4)), dict(random_state=4)),
    (KSparseAutoencoder, dict(learning_rate=np.float64(0.05)), dict(learning_rate=0.05)),
    (KSparseAutoencoder, dict(learning_rate=np.float32(0.25)), dict(learning_rate=0.25)),
    (KSparseAutoencoder, dict(dtype=np.float32), dict(dtype="float32")),
    (KSparseAutoencoder, dict(dtype=np.dtype("float64")), dict(dtype="float64")),
    (KSparseAutoencoder, dict(tied=np.bool_(False)), dict(tied=False)),
    (TopKAutoencoder, dict(prefixes=(np.int64(2), np.int64(6))), dict(prefixes=(2, 6))),
]


@pytest.mark.parametrize("cls, settings, expected", CASES)
def test_numpy_scalar_settings_load_back_equal(cls, settings, expected, tmp_path, X):
    model = cls(**dict(FIT, **settings)).fit(X)
    model.save(tmp_path / "m.npz")
    loaded = ksparse.load(tmp_path / "m.npz")
    got = loaded.get_params()
    for name, value in expected.items():
        assert got[name] == value and type(got[name]) is type(value), name
    assert {n: v for n, v in got.items() if n not in expected} == \
        {n: v for n, v in model.get_params().items() if n not in expected}
    np.testing.assert_array_equal(loaded.transform(X), model.transform(X))


def test_numpy_layer_sizes_load_back_as_ints(tmp_path, X):
    y = (X[:, 0] > 0.5).astype(int)
    model = SparseMLPClassifier(hidden_layers=np.array([6, 4]), k=2, alpha=1.0, epochs=1,
                                random_state=0).fit(X, y)
    model.save(tmp_path / "m.npz")
    loaded = ksparse.load(tmp_path / "m.npz")
    assert list(loaded.hidden_layers) == [6, 4]
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


@pytest.mark.parametrize("value", [object(), np.datetime64("2020-01-01"), {1j}])
def test_a_setting_json_cannot_hold_is_refused_naming_it(value, tmp_path, X):
    with pytest.raises(TypeError, match=r"The setting when=.* cannot be saved"):
        _json_safe(value, "when")
    model = KSparseAutoencoder(**FIT).fit(X)
    model.random_state = value  # past set_params, as a subclass or a careless script could
    with pytest.raises(TypeError, match="random_state"):
        model.save(tmp_path / "m.npz")
    assert list(tmp_path.iterdir()) == []


def test_a_generator_is_still_saved_as_none():
    assert _json_safe(np.random.default_rng(0), "random_state") is None
