"""One report for any model, and the comparison of several: perfect models score 1, tables and figures come out."""
import numpy as np
import pytest
from matplotlib.figure import Figure

from ksparse import KSparseAutoencoder
from ksparse.lab import (
    absorption,
    compare,
    cosine_matrix,
    evaluate,
    make_hierarchical_data,
    make_model,
    make_sparse_data,
    match,
    mean_matched_cosine,
)


class Oracle:
    """A 'model' that knows the truth: its atoms are the true ones (permuted, scaled, flipped)."""

    def __init__(self, truth, order, scale, sklearn_style=False):
        self.truth, self.order, self.scale, self.sklearn_style = truth, order, scale, sklearn_style

    def fit(self, X):
        self.fit_rows = X.shape[0]
        W = self.truth.dictionary[:, self.order] * self.scale  # (n_features, n_atoms)
        if self.sklearn_style:
            self.components_ = W.T
        else:
            self.W_ = W
        return self

    def transform(self, X):
        # The rows of X are the truth's last rows (the held-out ones) or all of them.
        C = self.truth.codes[-X.shape[0]:].toarray()
        return C[:, self.order] / self.scale

    def reconstruct(self, X):
        return self.transform(X) @ (self.truth.dictionary[:, self.order] * self.scale).T

    def inverse_transform(self, H):
        return H @ self.components_


@pytest.mark.parametrize("sklearn_style", [False, True])
def test_a_model_that_knows_the_truth_scores_one_everywhere(sklearn_style):
    truth = make_hierarchical_data(600, 16, n_parents=3, n_children=2, noise=0.0, random_state=0)
    rng = np.random.default_rng(0)
    n = truth.n_atoms
    model = Oracle(truth, rng.permutation(n), rng.uniform(0.5, 2, n) * rng.choice([-1, 1], n),
                   sklearn_style).fit(truth.X)
    report = evaluate(model, truth)
    for name in ("features_recovered", "mcc", "precision", "recall", "f1", "uniqueness",
                 "shrinkage"):
        assert getattr(report, name) == pytest.approx(1.0), name
    assert report.absorption == 0.0
    assert report.fvu == pytest.approx(0.0, abs=1e-20)
    assert report.dead_fraction == 0.0
    assert report.l0 == pytest.approx((truth.codes.toarray() != 0).sum(axis=1).mean())


def test_compare_trains_each_model_and_tabulates_it():
    truth = make_sparse_data(600, 8, 12, active=2, random_state=0)
    n = truth.n_atoms
    models = {"oracle": Oracle(truth, np.arange(n), np.ones(n)),
              "ksparse-schedule": make_model("ksparse-schedule", n_latents=n, k=2, epochs=1)}
    result = compare(models, truth, holdout=0.25)
    assert result.names == ["oracle", "ksparse-schedule"]
    assert result.reports[0].features_recovered == 1.0
    assert result.models[0].fit_rows == 450  # trained on the first 75 % only
    assert result.models[1].W_.shape == (8, 12)  # fitted on the same data
    lines = result.format().splitlines()
    assert lines[0].split() == ["model", "recovered", "MCC", "FVU", "L0", "dead", "seconds"]
    assert lines[2].split()[:3] == ["oracle", "100.0%", "1.0000"]
    fig = result.plot()
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert len(fig.axes[0].lines) == 3  # two models and the threshold
    given = Figure()
    assert result.plot(fig=given) is given and len(given.axes) == 2  # drawn into the one given


def test_compare_names_a_list_by_class():
    truth = make_sparse_data(200, 6, 8, active=2, random_state=0)
    models = [KSparseAutoencoder(n_hidden=8, k=2, epochs=1) for _ in range(2)]
    assert compare(models, truth).names == ["KSparseAutoencoder", "KSparseAutoencoder-2"]
    with pytest.raises(ValueError, match="at least one model"):
        compare([], truth)


@pytest.mark.parametrize("threshold", [0.0, 1.5, float("nan")])
def test_compare_refuses_a_bad_threshold_before_any_fit(threshold):
    truth = make_sparse_data(50, 4, 6, active=1, random_state=0)
    oracle = Oracle(truth, np.arange(6), np.ones(6))
    with pytest.raises(ValueError, match="threshold"):
        compare({"oracle": oracle}, truth, threshold=threshold)
    assert not hasattr(oracle, "fit_rows")  # refused before the first fit


def test_a_model_without_a_dictionary_is_refused():
    truth = make_sparse_data(50, 4, 6, active=1, random_state=0)
    with pytest.raises(TypeError, match="neither W_ nor components_"):
        evaluate(object(), truth)


class Untouchable(Oracle):
    """An oracle that fails the test if evaluate starts any work on it."""

    def transform(self, X):
        raise AssertionError("evaluate encoded the rows before checking its arguments")


@pytest.mark.parametrize("kwargs, error, match", [
    ({"threshold": 99}, ValueError, r"threshold must be in \(0.0, 1.0\], got 99"),
    ({"threshold": -1}, ValueError, r"threshold must be in \(0.0, 1.0\]"),
    ({"threshold": 0}, ValueError, r"threshold must be in \(0.0, 1.0\]"),
    ({"threshold": float("nan")}, ValueError, "threshold must be finite"),
    ({"threshold": float("inf")}, ValueError, "threshold must be finite"),
    ({"threshold": "0.9"}, TypeError, "threshold must be a real number"),
    ({"threshold": True}, TypeError, "threshold must be a real number"),
    ({"k": 2}, ValueError, "k=2 is only for encoder='mp' or 'omp'"),
    ({"k": 2, "encoder": "model"}, ValueError, "k=2 is only for encoder='mp' or 'omp'"),
])
def test_evaluate_refuses_bad_arguments_before_any_work(kwargs, error, match):
    truth = make_sparse_data(50, 4, 6, active=1, random_state=0)
    model = Untouchable(truth, np.arange(6), np.ones(6)).fit(truth.X)
    with pytest.raises(error, match=match):
        evaluate(model, truth, **kwargs)


@pytest.mark.parametrize("threshold", [1e-9, 0.5, 1.0])
def test_evaluate_takes_a_threshold_in_the_half_open_unit_interval(threshold):
    truth = make_sparse_data(50, 4, 6, active=1, random_state=0)
    model = Oracle(truth, np.arange(6), np.ones(6)).fit(truth.X)
    report = evaluate(model, truth, threshold=threshold)
    assert report.threshold == threshold
    assert report.features_recovered == np.mean(report.best_cosine >= threshold)
    assert report.best_cosine == pytest.approx(np.ones(6))  # the oracle's atoms are the true ones


def test_the_report_of_a_trained_model_is_the_metrics_applied_to_it():
    truth = make_hierarchical_data(800, 12, n_parents=3, n_children=2, random_state=1)
    model = KSparseAutoencoder(n_hidden=9, k=2, epochs=2, random_state=0).fit(truth.X)
    report = evaluate(model, truth)
    cos = cosine_matrix(truth.dictionary, model.W_)
    atoms, latents = match(cos)
    H = model.transform(truth.X)
    assert report.mcc == mean_matched_cosine(cos) < 1
    assert report.absorption == absorption(H, truth.codes, truth.parents, atoms, latents)
    assert np.array_equal(report.best_cosine, cos.max(axis=1))
    assert set(report.as_dict()) >= {"features_recovered", "mcc", "fvu", "l0", "dead_fraction"}
