"""Selection rules that must look at the validation split and never at the test split.

Each case is built so that the validation split and the test split disagree
about the best setting: a rule that peeks at the test split picks the other one.
"""
import numpy as np
import pytest

from ksparse import KSparseAutoencoder
from ksparse.classify import ConvergenceWarning, SoftmaxRegression, select_l2
from ksparse.reproduce import features
from ksparse.reproduce.features import FeatureScore, choose_alpha, score_features

STRONG, WEAK = 30.0, 1e-3


def one_feature_splits():
    """Train: class 0 at x < 0 (three times as many), class 1 at x > 0.

    A strong penalty flattens the weight until the intercept (class 0)
    decides every point; a weak one separates the classes by the sign of x.
    Validation: class-1 points at x > 0, right only under the weak penalty.
    Test: class-0 points at x > 0, right only under the strong penalty.
    """
    x0, x1 = -np.linspace(0.5, 2.0, 60), np.linspace(0.5, 2.0, 20)
    train = (np.concatenate([x0, x1])[:, None], np.repeat([0, 1], [60, 20]))
    val = (np.linspace(0.5, 2.0, 10)[:, None], np.ones(10, dtype=int))
    test = (np.linspace(0.5, 2.0, 10)[:, None], np.zeros(10, dtype=int))
    return train, val, test


def test_the_one_feature_splits_really_disagree():
    train, val, test = one_feature_splits()
    for split, best in ((val, WEAK), (test, STRONG)):
        errors = {g: 1 - SoftmaxRegression(l2=g).fit(*train).score(*split) for g in (STRONG, WEAK)}
        other = STRONG if best == WEAK else WEAK
        assert errors[best] == 0.0 and errors[other] == 1.0


def test_score_features_chooses_l2_on_validation_not_test():
    train, val, test = one_feature_splits()
    score = score_features(train, val, test, grid=(STRONG, WEAK), refit=False)
    assert score.l2 == WEAK
    assert score.val_errors == [1.0, 0.0]  # measured on validation, in grid order
    assert score.val_error == 0.0
    assert score.test_error == score.train_only_test_error == 1.0  # the honest price


@pytest.mark.parametrize("max_iter", [1, 3])
def test_score_features_gives_its_max_iter_to_the_l2_search(max_iter):
    # Stopped after one or three L-BFGS iterations, every fit of the search says
    # so, and the validation errors are those of select_l2 with the same limit.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((90, 4))
    y = (X @ [1.0, -2.0, 0.5, 0.0] + 0.3 * rng.standard_normal(90) > 0).astype(int)
    train, val = (X[:60], y[:60]), (X[60:], y[60:])
    grid = (1e-3, 1.0)
    with pytest.warns(ConvergenceWarning, match=f"max_iter={max_iter} iterations") as caught:
        score = score_features(train, val, val, grid=grid, max_iter=max_iter, refit=False)
        _, expected = select_l2(*train, *val, grid=grid, refit=False, max_iter=max_iter)
    assert len(caught) == 4  # two fits each
    assert score.val_errors == expected.tolist()


def test_select_l2_chooses_on_its_validation_arguments():
    train, val, test = one_feature_splits()
    model, errors = select_l2(*train, *val, grid=(STRONG, WEAK), refit=False)
    assert model.l2 == WEAK and errors.tolist() == [1.0, 0.0]
    model, errors = select_l2(*train, *test, grid=(STRONG, WEAK), refit=False)
    assert model.l2 == STRONG and errors.tolist() == [0.0, 1.0]


class _Data:
    def __init__(self, rng):
        X = rng.standard_normal((60, 6)).astype(np.float32)
        y = np.arange(60) % 2
        self.train, self.val, self.test = (X[:20], y[:20]), (X[20:40], y[20:40]), (X[40:], y[40:])


@pytest.fixture
def alpha_case(rng, monkeypatch):
    """choose_alpha with score_features replaced: validation prefers α = 2, test α = 1."""
    data = _Data(rng)
    model = KSparseAutoencoder(n_hidden=12, k=2, epochs=1, batch_size=20, random_state=0).fit(data.train[0])
    # n_active: (validation error, test error)
    table = {2: (0.30, 0.10), 4: (0.20, 0.40), 6: (0.20, 0.05), 12: (0.25, 0.0)}
    seen = []

    def fake_score(train, val, test, **kwargs):
        n_active = train[0].getnnz(axis=1).max()
        seen.append((n_active, train, val, test, kwargs))
        val_error, test_error = table[n_active]
        return FeatureScore(test_error=test_error, val_error=val_error, l2=1e-3,
                            val_errors=[val_error])

    monkeypatch.setattr(features, "score_features", fake_score)
    return model, data, seen


def test_choose_alpha_keeps_the_lowest_validation_error_not_the_lowest_test_error(alpha_case):
    model, data, seen = alpha_case
    best, score, scores = choose_alpha(model, data, (1.0, 2.0))
    assert best == 2.0 and score is scores[2.0]
    assert score.test_error == 0.40  # worse on test than α = 1: chosen anyway
    for n_active, *splits, _ in seen:  # each split's codes and labels went where they belong
        scale = None
        for (H, y), (X, y_expected) in zip(splits, (data.train, data.val, data.test)):
            expected, scale = features.sparse_codes(model, X, n_active, scale)
            assert np.array_equal(H.toarray(), expected.toarray())
            assert np.array_equal(y, y_expected)


def test_choose_alpha_breaks_a_validation_tie_towards_the_smaller_alpha(alpha_case):
    model, data, _ = alpha_case
    best, _, scores = choose_alpha(model, data, (3.0, 2.0, 7.0))  # 7 · 2 > 12: skipped
    assert set(scores) == {2.0, 3.0}
    assert best == 2.0  # val 0.20 each; test would prefer α = 3


def test_choose_alpha_skips_only_an_alpha_k_above_n_hidden_and_goes_on(alpha_case):
    """α·k = n_hidden is allowed (every unit kept); a skipped α does not end the search."""
    model, data, _ = alpha_case
    _, _, scores = choose_alpha(model, data, (7.0, 1.0, 6.0))  # 14 > 12 skipped; 12 = 12 kept
    assert set(scores) == {1.0, 6.0}


@pytest.mark.parametrize("kwargs, expected", [
    ({}, {"refit": True, "max_iter": 500}),
    ({"refit": False, "max_iter": 7}, {"refit": False, "max_iter": 7}),
])
def test_choose_alpha_passes_refit_and_max_iter_on(alpha_case, kwargs, expected):
    model, data, seen = alpha_case
    choose_alpha(model, data, (1.0,), grid=(0.5,), **kwargs)
    assert seen[-1][-1] == {"grid": (0.5,), **expected}


@pytest.mark.parametrize("kwargs, expected", [
    ({}, {"refit": True, "max_iter": 500}),
    ({"refit": False, "max_iter": 9}, {"refit": False, "max_iter": 9}),
])
def test_score_model_scales_every_split_by_the_training_rms(rng, monkeypatch, kwargs, expected):
    data = _Data(rng)
    model = KSparseAutoencoder(n_hidden=12, k=2, epochs=1, batch_size=20,
                               random_state=0).fit(data.train[0])
    seen = {}

    def fake_score(train, val, test, **options):
        seen.update(splits=(train, val, test), options=options)
        return "score"

    monkeypatch.setattr(features, "score_features", fake_score)
    assert features.score_model(model, data, grid=(0.5,), **kwargs) == "score"
    assert seen["options"] == {"grid": (0.5,), **expected}
    _, scale = features.model_features(model, data.train[0])
    for (H, y), (X, y_expected) in zip(seen["splits"], (data.train, data.val, data.test)):
        H_expected, _ = features.model_features(model, X, scale)  # the training scale
        dense = H.toarray() if hasattr(H, "toarray") else H
        assert np.array_equal(dense, H_expected.toarray() if hasattr(H_expected, "toarray")
                              else H_expected)
        assert np.array_equal(y, y_expected)
