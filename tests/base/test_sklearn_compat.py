"""The estimator works with scikit-learn without depending on it."""
import numpy as np
import pytest

from ksparse import KSparseAutoencoder

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.utils.validation import check_array as sk_check_array  # noqa: E402


def model(**kwargs):
    settings = dict(n_hidden=40, k=5, alpha=2.0, epochs=5, batch_size=32, random_state=0)
    settings.update(kwargs)
    return KSparseAutoencoder(**settings)


def test_pipeline_with_logistic_regression(rng):
    centers = rng.standard_normal((3, 12)) * 3
    y = np.repeat(np.arange(3), 60)
    X = centers[y] + rng.standard_normal((180, 12)) * 0.5
    pipe = make_pipeline(model(learning_rate=0.001), LogisticRegression(max_iter=500))
    pipe.fit(X, y)
    assert pipe.score(X, y) > 0.9
    assert pipe.named_steps["ksparseautoencoder"].W_.shape == (12, 40)


def test_clone_gives_an_unfitted_copy_with_equal_params(rng):
    original = model(k_start=20).fit(rng.standard_normal((50, 6)))
    copy = clone(original)
    assert copy.get_params() == original.get_params()
    assert not hasattr(copy, "W_")


def test_get_and_set_params():
    m = model()
    assert m.set_params(k=7, alpha=1.5) is m
    assert m.get_params()["k"] == 7 and m.k == 7
    with pytest.raises(ValueError, match="Invalid parameter 'kk' for estimator KSparseAutoencoder"):
        m.set_params(kk=3)


def test_repr_shows_changed_params():
    assert repr(KSparseAutoencoder(k=7)) == "KSparseAutoencoder(k=7)"


def sklearn_message(data):
    with pytest.raises(ValueError) as info:
        sk_check_array(data, input_name="X")
    return str(info.value)


def test_error_wording_matches_scikit_learn():
    data = np.ones(4)
    with pytest.raises(ValueError) as ours:
        model().fit(data)
    theirs = sklearn_message(data)
    assert theirs.startswith("Expected 2D array, got 1D array instead")
    assert str(ours.value).startswith("Expected 2D array, got 1D array instead")
    assert "Reshape your data either using array.reshape(-1, 1)" in theirs
    assert "Reshape your data either using array.reshape(-1, 1)" in str(ours.value)
    assert "Input X contains NaN" in sklearn_message(np.array([[np.nan, 1.0]]))
    with pytest.raises(ValueError, match="Input X contains NaN"):
        model().fit(np.array([[np.nan, 1.0]]))


def test_feature_count_message_matches_scikit_learn(rng):
    lr = LogisticRegression().fit(rng.standard_normal((10, 4)), np.arange(10) % 2)
    with pytest.raises(ValueError) as theirs:
        lr.predict(np.ones((2, 3)))
    fitted = model().fit(rng.standard_normal((20, 4)))
    with pytest.raises(ValueError) as ours:
        fitted.transform(np.ones((2, 3)))
    expected = str(theirs.value).replace("LogisticRegression", "KSparseAutoencoder")
    assert str(ours.value) == expected
