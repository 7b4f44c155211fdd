"""The estimator works with scikit-learn without depending on it."""
import warnings

import numpy as np
import pytest

from ksparse import (
    RBM,
    BatchTopKAutoencoder,
    DenoisingAutoencoder,
    DropoutAutoencoder,
    JumpReLUAutoencoder,
    KLSparseAutoencoder,
    KSparseAutoencoder,
    ReLUAutoencoder,
    SoftmaxRegression,
    SparseMLPClassifier,
    TopKAutoencoder,
)

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone, is_classifier  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.utils import get_tags  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402
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


class RBMOnAnyData(RBM):
    """The RBM without its [0, 1] data rule, for scikit-learn's checks alone.

    Those checks fit on standard-normal data, which the RBM refuses (its
    visible units are probabilities; tests/models/test_unit_interval_data.py
    tests the rule); with the rule off, every check runs on the RBM's own
    fit, transform and score.
    """

    def _unit_interval(self):
        return None


# Small and fast: every check fits a few times on a few hundred rows at most.
FAST = {"epochs": 2, "batch_size": 16, "random_state": 0, "verbose": False}
ESTIMATORS = [
    KSparseAutoencoder(n_hidden=8, k=2, learning_rate=1e-4, **FAST),
    ReLUAutoencoder(n_hidden=8, **FAST),
    DenoisingAutoencoder(n_hidden=8, learning_rate=1e-3, **FAST),
    DropoutAutoencoder(n_hidden=8, **FAST),
    # The default sigmoid decoder takes data in [0, 1] only, which most checks do not give.
    KLSparseAutoencoder(n_hidden=8, decoder="linear", **FAST),
    RBMOnAnyData(n_hidden=8, **FAST),
    TopKAutoencoder(n_hidden=8, k=2, **FAST),
    TopKAutoencoder(n_hidden=8, k=2, multi_k=4, **FAST),
    BatchTopKAutoencoder(n_hidden=8, k=2, **FAST),
    TopKAutoencoder(n_hidden=8, k=2, prefixes=(2, 4), **FAST),
    BatchTopKAutoencoder(n_hidden=8, k=2, prefixes=(3,), **FAST),
    JumpReLUAutoencoder(n_hidden=8, l0_weight=0.01, bandwidth=0.05, **FAST),
    SoftmaxRegression(random_state=0),
    SparseMLPClassifier(hidden_layers=(8,), k=2, alpha=1.0, learning_rate=0.1,
                        **{**FAST, "epochs": 5}),
]

# Checks that contradict a documented behaviour of the classifiers.
BINARY_LOGITS = ("decision_function returns one logit per class, two columns for two classes "
                 "(documented shape (n_samples, n_classes)); scikit-learn expects one column")
CLASSIFIER_EXCEPTIONS = {
    "check_estimators_unfitted": (
        "ksparse does not depend on scikit-learn: its NotFittedError is a ValueError and an "
        "AttributeError, as scikit-learn's is, but cannot be a subclass of it"),
    "check_classifiers_classes": BINARY_LOGITS,
    "check_classifiers_train": BINARY_LOGITS,
    "check_supervised_y_2d": ("y must be 1-D (documented): a column vector is refused with a "
                              "message, not flattened with a warning"),
}


def expected_failed_checks(estimator):
    return CLASSIFIER_EXCEPTIONS if is_classifier(estimator) else {}


with warnings.catch_warnings():  # ksparse works with scikit-learn without deriving from it
    warnings.filterwarnings("ignore", "Estimator .* does not inherit from `sklearn.base.BaseEstimator`")
    every_check = parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)


@every_check
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_tags_say_what_each_estimator_is(estimator):
    tags = get_tags(estimator)
    classifier = isinstance(estimator, (SoftmaxRegression, SparseMLPClassifier))
    assert tags.estimator_type == ("classifier" if classifier else None)
    assert (tags.classifier_tags is not None) == classifier
    assert (tags.transformer_tags is not None) == (not classifier)
    assert tags.target_tags.required == classifier
    # Every autoencoder and SoftmaxRegression read SciPy sparse X; the network's fit does not.
    assert tags.input_tags.sparse == (not isinstance(estimator, SparseMLPClassifier))
    assert not tags.input_tags.allow_nan and not tags.non_deterministic


def test_autoencoders_keep_the_input_dtype_unless_told(rng):
    tags = get_tags(model())
    assert tags.transformer_tags.preserves_dtype == ["float64", "float32"]
    assert get_tags(model(dtype="float32")).transformer_tags.preserves_dtype == ["float32"]
    X = rng.standard_normal((40, 6)).astype(np.float32)
    assert model().fit(X).transform(X).dtype == np.float32
    assert model(dtype="float64").fit(X).transform(X).dtype == np.float64


@pytest.mark.parametrize("cls", [SoftmaxRegression, SparseMLPClassifier])
def test_classifiers_use_scikit_learns_wording_for_bad_targets(rng, cls):
    X = rng.standard_normal((12, 3))
    with pytest.raises(ValueError, match="requires y to be passed, but the target y is None"):
        cls().fit(X, None)
    with pytest.raises(ValueError, match="continuous"):
        cls().fit(X, rng.standard_normal(12))
    with pytest.raises(ValueError, match="one class"):
        cls().fit(X, np.ones(12, dtype=int))
    with pytest.raises(ValueError, match="Unknown label type"):
        cls().fit(X, np.arange(12).astype(object))


def test_string_labels_held_as_objects_are_labels(rng):
    X, y = rng.standard_normal((12, 3)), np.array(["a", "b", "c"] * 4, dtype=object)
    model = SoftmaxRegression().fit(X, y)
    assert model.classes_.tolist() == ["a", "b", "c"]
    assert set(model.predict(X)) <= {"a", "b", "c"}
