"""Softmax regression: gradients against finite differences, solvers, L2 selection, input checks."""
import numpy as np
import pytest
from _numerical import numerical_gradient
import scipy.sparse

from ksparse.classify import ConvergenceWarning, SoftmaxRegression, select_l2
from ksparse.classify import loss as L
from ksparse.nn import log_softmax, softmax
from ksparse.classify._lbfgs import _objective


def separable(rng, n=120, n_features=4, n_classes=3, margin=1.0):
    """Points labelled by a random linear rule, keeping only those away from every boundary."""
    W = rng.standard_normal((n_features, n_classes))
    X = rng.standard_normal((4 * n, n_features)) * 2
    S = np.sort(X @ W, axis=1)
    keep = (S[:, -1] - S[:, -2]) > margin
    X = X[keep][:n]
    return X, (X @ W).argmax(axis=1)


@pytest.mark.parametrize("l2", [0.0, 0.3])
@pytest.mark.parametrize("targets", ["labels", "one-hot", "soft"])
def test_softmax_gradients_match_finite_differences(rng, l2, targets):
    X = rng.standard_normal((7, 5))
    labels = rng.integers(0, 4, 7)
    y = {
        "labels": labels,
        "one-hot": np.eye(4)[labels],
        "soft": rng.dirichlet(np.ones(4), size=7),
    }[targets]
    params = {"W": rng.standard_normal((5, 4)), "b": rng.standard_normal(4)}
    _, grads = L.softmax_loss_and_grads(params, X, y, l2)
    for name in params:
        expected = numerical_gradient(
            lambda: L.softmax_loss_and_grads(params, X, y, l2)[0], params[name]
        )
        np.testing.assert_allclose(grads[name], expected, rtol=1e-6, atol=1e-9)


def test_loss_matches_a_direct_formula(rng):
    X, y = rng.standard_normal((6, 3)), rng.integers(0, 3, 6)
    params = {"W": rng.standard_normal((3, 3)), "b": rng.standard_normal(3)}
    loss, _ = L.softmax_loss_and_grads(params, X, y, l2=0.5)
    S = X @ params["W"] + params["b"]
    P = np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)
    expected = -np.mean(np.log(P[np.arange(6), y])) + 0.25 * np.sum(params["W"] ** 2)
    assert np.isclose(float(loss), expected, rtol=1e-12)


def test_log_softmax_is_stable_for_huge_logits():
    S = np.array([[1000.0, 0.0, -1000.0], [-5000.0, -5000.0, -5000.0]])
    log_p = log_softmax(S)
    assert np.all(np.isfinite(log_p))
    np.testing.assert_allclose(log_p[0], [0.0, -1000.0, -2000.0], atol=1e-12)
    np.testing.assert_allclose(softmax(S)[1], np.full(3, 1 / 3))


def test_lbfgs_objective_matches_the_pure_function_on_sparse_input(rng):
    X = scipy.sparse.random(20, 6, density=0.3, format="csr", random_state=1)
    y = rng.integers(0, 3, 20)
    params = {"W": rng.standard_normal((6, 3)), "b": rng.standard_normal(3)}
    theta = np.concatenate([params["W"].ravel(), params["b"]])
    loss, flat = _objective(theta, X, y, 0.2)
    expected_loss, grads = L.softmax_loss_and_grads(params, X.toarray(), y, 0.2)
    assert np.isclose(loss, float(expected_loss), rtol=1e-12)
    np.testing.assert_allclose(flat, np.concatenate([grads["W"].ravel(), grads["b"]]), rtol=1e-10)


@pytest.mark.parametrize("solver", ["lbfgs", "sgd"])
def test_separates_a_linearly_separable_problem(rng, solver):
    X, y = separable(rng)
    model = SoftmaxRegression(l2=0.0, solver=solver, epochs=40, batch_size=16, random_state=0)
    assert model.fit(X, y) is model
    assert model.score(X, y) == 1.0
    assert model.coef_.shape == (4, 3) and model.intercept_.shape == (3,)
    assert np.array_equal(model.classes_, [0, 1, 2]) and model.n_features_in_ == 4
    P = model.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    assert np.array_equal(P.argmax(axis=1), y)


@pytest.mark.parametrize("solver", ["lbfgs", "sgd"])
def test_sparse_float32_input_gives_the_dense_result(rng, solver):
    X, y = separable(rng)
    X = X.astype(np.float32)
    X[np.abs(X) < 1.0] = 0  # mostly zero, like k-sparse codes
    kwargs = dict(l2=1e-2, solver=solver, epochs=5, batch_size=16, random_state=0)
    dense = SoftmaxRegression(**kwargs).fit(X, y)
    sparse = SoftmaxRegression(**kwargs).fit(scipy.sparse.csr_matrix(X), y)
    assert sparse.coef_.dtype == np.float32
    # The two runs differ only in the order float32 products are summed.
    if solver == "sgd":
        # 40 steps of the same updates: rounding differences of a few float32 eps
        # relative to the weights' size. Measured max |Δ| / (eps · max|coef|) = 0.9
        # here and at most 1.6 over 15 data seeds; 16 leaves a margin of 10.
        atol = 16 * np.finfo(np.float32).eps * np.abs(dense.coef_).max()
    else:
        # L-BFGS stops once the gradient is below tol = 1e-6 (or progress stalls), and
        # where it stops moves with the rounding: measured |Δ| = 7.6e-5 here and up to
        # 2200 eps · max|coef| (5e-4) over 15 data seeds, so the solver's own scale.
        atol = 1e-3
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=0, atol=atol)
    np.testing.assert_allclose(sparse.intercept_, dense.intercept_, rtol=0, atol=atol)
    assert np.array_equal(sparse.predict(scipy.sparse.csr_matrix(X)), dense.predict(X))


def test_lbfgs_reaches_the_penalised_optimum(rng):
    """At the solution the gradient of the penalised loss vanishes."""
    X, y = rng.standard_normal((80, 5)), rng.integers(0, 3, 80)
    model = SoftmaxRegression(l2=0.1).fit(X, y)
    y_index = np.searchsorted(model.classes_, y)
    _, grads = L.softmax_loss_and_grads(model._parameters(), X, y_index, 0.1)
    assert np.abs(grads["W"]).max() < 1e-5 and np.abs(grads["b"]).max() < 1e-5


def test_stronger_penalty_gives_smaller_weights(rng):
    X, y = separable(rng)
    norms = [np.linalg.norm(SoftmaxRegression(l2=l2).fit(X, y).coef_) for l2 in (1e-3, 1e-1, 10.0)]
    assert norms[0] > norms[1] > norms[2]


def test_string_labels_and_warm_start(rng):
    X, y = separable(rng)
    names = np.array(["cat", "dog", "eel"])[y]
    model = SoftmaxRegression(l2=1e-2, warm_start=True).fit(X, names)
    first = model.n_iter_
    assert np.array_equal(model.classes_, ["cat", "dog", "eel"])
    assert np.array_equal(model.predict(X), names)
    model.fit(X, names)  # from the optimum: almost nothing left to do
    assert model.n_iter_ < first


def test_iteration_limit_warns(rng):
    X, y = separable(rng)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        SoftmaxRegression(max_iter=1).fit(X, y)


def test_sgd_records_history_and_validation_loss(rng):
    X, y = separable(rng)
    model = SoftmaxRegression(solver="sgd", epochs=3, batch_size=32, random_state=0)
    seen = []
    model.fit(X, y, X_val=X[:20], y_val=y[:20], callbacks=[lambda m, e, logs: seen.append(e)])
    assert seen == [0, 1, 2]
    assert [h["epoch"] for h in model.history_] == [0, 1, 2]
    assert model.history_[-1]["val_loss"] < model.history_[0]["val_loss"]


def test_select_l2_picks_the_lowest_validation_error(rng):
    # Validation points sit near the true boundary: a huge penalty squashes
    # the weights until the bias dominates and many of them are misclassified.
    X, y = separable(rng, n=200)
    X_train, y_train, X_val, y_val = X[:120], y[:120], X[120:], y[120:]
    grid = [30.0, 1e-3, 1.0]
    model, errors = select_l2(X_train, y_train, X_val, y_val, grid=grid, refit=False)
    independent = [
        1 - SoftmaxRegression(l2=g).fit(X_train, y_train).score(X_val, y_val) for g in grid
    ]
    np.testing.assert_allclose(errors, independent)
    assert errors[1] < errors[2] < errors[0]  # the case really discriminates
    assert model.l2 == 1e-3
    assert model.score(X_val, y_val) == 1 - errors.min()


def test_select_l2_breaks_ties_towards_the_larger_penalty_and_refits(rng):
    X, y = separable(rng, n=160)
    model, errors = select_l2(X[:100], y[:100], X[100:], y[100:], grid=[1e-6, 1e-5])
    assert errors[0] == errors[1] == 0.0
    assert model.l2 == 1e-5 and not model.warm_start
    reference = SoftmaxRegression(l2=1e-5).fit(X, y)
    assert np.array_equal(model.predict(X), reference.predict(X))


@pytest.mark.parametrize(
    "grid, message", [([], "grid"), ([1e-3, -1.0], "grid"), ([[1.0]], "grid")]
)
def test_select_l2_rejects_a_bad_grid(rng, grid, message):
    X, y = separable(rng, n=30)
    with pytest.raises(ValueError, match=message):
        select_l2(X, y, X, y, grid=grid)


@pytest.mark.parametrize(
    "n_rows, y, message",
    [
        (10, np.zeros(10, dtype=int), "y must contain at least 2 classes"),
        (12, np.arange(9) % 2, "y has 9 labels"),
        (12, np.zeros((12, 2)), "y must be a 1-D"),
        (12, np.linspace(0, 1, 12), "y must hold class labels"),
        (12, np.r_[np.nan, np.arange(11.0)], "y must hold class labels; got NaN or infinity"),
        (12, np.r_[np.inf, np.arange(11.0)], "y must hold class labels; got NaN or infinity"),
        # 1e19 used to wrap to -2**63 in the cast to int64; 2**63 is the first value past it.
        (12, np.r_[1e19, np.arange(11.0)], r"y holds float labels beyond the int64 range: \[1e\+19\]"),
        (12, np.r_[2.0**63, np.arange(11.0)], "y holds float labels beyond the int64 range"),
        (12, np.r_[-1e30, np.arange(11.0)], r"y holds float labels beyond .*\[-1e\+30\]"),
        (12, np.r_[3e38, np.arange(11.0)].astype(np.float32), "beyond the int64 range"),
    ],
)
def test_bad_labels_raise_naming_y(rng, n_rows, y, message):
    X = rng.standard_normal((n_rows, 3))
    with pytest.raises(ValueError, match=message):
        SoftmaxRegression().fit(X, y)


def test_float_labels_out_of_range_in_y_val_are_refused_naming_y_val(rng):
    X, y = separable(rng, n=30)
    with pytest.raises(ValueError, match="y_val holds float labels beyond the int64 range"):
        SoftmaxRegression(max_iter=2).fit(X, y, X_val=X[:2], y_val=np.array([0.0, 1e19]))


def test_integral_float_labels_at_the_ends_of_int64_are_kept_exactly(rng):
    X = rng.standard_normal((6, 3))
    low, high = -(2**63), 2**63 - 1024  # the int64 ends that float64 holds exactly
    y = np.array([low, high, 0, low, high, 0], dtype=np.float64)
    model = SoftmaxRegression(l2=1.0).fit(X, y)
    assert model.classes_.dtype == np.int64
    assert model.classes_.tolist() == [low, 0, high]


@pytest.mark.parametrize(
    "params, error, message",
    [
        ({"solver": "newton"}, ValueError, "solver"),
        ({"l2": -1.0}, ValueError, "l2"),
        ({"max_iter": 0}, ValueError, "max_iter"),
        ({"warm_start": "yes"}, TypeError, "warm_start"),
    ],
)
def test_bad_hyperparameters_raise_before_work(rng, params, error, message):
    X, y = separable(rng, n=20)
    with pytest.raises(error, match=message):
        SoftmaxRegression(**params).fit(X, y)


def test_validation_labels_must_be_known_and_paired(rng):
    X, y = separable(rng, n=30)
    with pytest.raises(ValueError, match="y_val contains labels not seen"):
        SoftmaxRegression().fit(X, y, X_val=X[:3], y_val=np.array([0, 1, 7]))
    with pytest.raises(ValueError, match="X_val and y_val"):
        SoftmaxRegression().fit(X, y, X_val=X[:3])


def test_prediction_checks_feature_count(rng):
    X, y = separable(rng, n=30)
    model = SoftmaxRegression().fit(X, y)
    with pytest.raises(ValueError, match="expecting 4 features"):
        model.predict(X[:, :3])


@pytest.mark.parametrize("sparse_first", [True, False])
def test_stack_splits_keeps_row_order_and_labels_of_mixed_inputs(rng, sparse_first):
    from ksparse.classify._inputs import stack_splits

    A, B = rng.standard_normal((3, 4)), rng.standard_normal((2, 4))
    first = (scipy.sparse.csr_matrix(A) if sparse_first else A, np.array([0, 1, 2]))
    X, y = stack_splits(first, (B, [5, 6]))
    assert scipy.sparse.issparse(X) == sparse_first
    dense = X.toarray() if sparse_first else X
    np.testing.assert_array_equal(dense, np.vstack([A, B]))
    np.testing.assert_array_equal(y, [0, 1, 2, 5, 6])
