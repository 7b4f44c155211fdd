"""Tests for ITI, IHT, OMP and the batched least-squares inversion (paper §3.1, Eqs. 2–3)."""
import numpy as np
import pytest

from ksparse.backend import to_numpy
from ksparse.datasets.synthetic import make_sparse_signals
from ksparse.theory import iht, iti, normalize_columns, omp, solve_on_support, two_ortho_dictionary


def test_solve_on_support_matches_lstsq_per_signal(rng):
    X = rng.standard_normal((5, 12))
    W = rng.standard_normal((12, 20))
    idx = np.stack([rng.choice(20, 4, replace=False) for _ in range(5)])
    coef = solve_on_support(X, W, idx)
    for s in range(5):
        ref = np.linalg.lstsq(W[:, idx[s]], X[s], rcond=None)[0]
        np.testing.assert_allclose(coef[s], ref, atol=1e-12)


def test_solve_on_support_gives_minimum_norm_solution_for_repeated_atoms():
    W = np.array([[1.0, 0.0], [0.0, 1.0]])
    X = np.array([[2.0, 3.0]])
    coef = solve_on_support(X, W, np.array([[0, 0]]))  # W_Γ has two equal columns
    np.testing.assert_allclose(coef, [[1.0, 1.0]], atol=1e-12)


@pytest.mark.parametrize("signed", [False, True])
def test_iti_recovers_exact_sparse_signals_in_a_few_iterations(xp, signed):
    W = two_ortho_dictionary(64, xp=xp)  # μ = 1/8
    X, Z = make_sparse_signals(300, W, 4, ratio=(0.3, 1.0), signed=signed, random_state=1)
    result = iti(X, W, 4, signed=signed)
    assert bool(result.converged.all())
    assert int(result.n_iter.max()) <= 3
    np.testing.assert_array_equal(to_numpy(result.support), to_numpy(Z != 0))
    np.testing.assert_allclose(to_numpy(result.codes), to_numpy(Z), atol=1e-12)
    assert float(result.residual.max()) < 1e-10


def test_iti_first_step_is_thresholding_and_history_is_recorded(rng):
    W = two_ortho_dictionary(16, xp=np)
    X = rng.standard_normal((20, 16))
    result = iti(X, W, 3, max_iter=4, return_history=True)
    n_steps = result.history.supports.shape[0]
    assert result.history.supports.shape == (n_steps, 20, 3)
    assert result.history.residuals.shape == (n_steps, 20)
    first = np.sort(np.argsort(-np.abs(X @ W), axis=1, kind="stable")[:, :3], axis=1)
    np.testing.assert_array_equal(result.history.supports[0], first)
    # the last recorded step is the returned state
    np.testing.assert_array_equal(result.history.residuals[-1], result.residual)
    # each step's residual is the least-squares one on that step's support
    for s in range(20):
        A = W[:, result.history.supports[0, s]]
        ref = np.linalg.norm(X[s] - A @ np.linalg.lstsq(A, X[s], rcond=None)[0])
        assert result.history.residuals[0, s] == pytest.approx(ref, abs=1e-12)


def test_iti_stops_at_a_fixed_point(rng):
    W = normalize_columns(rng.standard_normal((10, 30)))
    X = rng.standard_normal((40, 10))  # not sparse: no exact fit, so ITI must stop on its support
    result = iti(X, W, 3, max_iter=100)
    assert result.converged.mean() > 0.5
    done = result.converged
    # a converged support is reproduced by one more support-estimation step
    G = result.codes[done] + (X[done] - result.codes[done] @ W.T) @ W
    top = np.sort(np.argsort(-np.abs(G), axis=1, kind="stable")[:, :3], axis=1)
    chosen = np.sort(np.nonzero(result.support[done])[1].reshape(-1, 3), axis=1)
    np.testing.assert_array_equal(top, chosen)


def test_iti_without_a_fixed_point_stops_at_max_iter(rng):
    # Unnormalized atoms make the support step compare incommensurate numbers.
    W = 3.0 * rng.standard_normal((10, 30))
    X = rng.standard_normal((5, 10))
    result = iti(X, W, 3, max_iter=7)
    assert not bool(result.converged.any())
    np.testing.assert_array_equal(result.n_iter, 7)


def test_iti_starts_from_a_given_support():
    W = np.eye(4)
    X = np.array([[5.0, 4.0, 0.1, 0.0]])
    start = np.array([[False, False, True, True]])
    result = iti(X, W, 2, support0=start, return_history=True)
    np.testing.assert_array_equal(result.history.supports[0], [[2, 3]])
    np.testing.assert_array_equal(result.support, [[True, True, False, False]])


@pytest.mark.parametrize("signed", [False, True])
def test_iti_iht_omp_agree_on_easy_cases(xp, signed):
    W = two_ortho_dictionary(64, xp=xp)
    X, Z = make_sparse_signals(100, W, 3, ratio=(0.5, 1.0), signed=signed, random_state=2)
    results = [f(X, W, 3, signed=signed) for f in (iti, iht, omp)]
    for result in results:
        np.testing.assert_array_equal(to_numpy(result.support), to_numpy(Z != 0))
        np.testing.assert_allclose(to_numpy(result.codes), to_numpy(Z), atol=1e-8)
    assert bool(results[1].converged.all())


def test_iht_hard_threshold_non_negative_projection():
    W = np.eye(3)
    X = np.array([[2.0, -5.0, 1.0]])
    signed = iht(X, W, 2, signed=True)
    unsigned = iht(X, W, 2, signed=False)
    np.testing.assert_allclose(signed.codes, [[2.0, -5.0, 0.0]], atol=1e-8)
    np.testing.assert_allclose(unsigned.codes, [[2.0, 0.0, 1.0]], atol=1e-8)


def test_omp_picks_each_atom_once_and_history_pads():
    W = np.eye(3)
    X = np.array([[3.0, -2.0, 1.0]])
    result = omp(X, W, 3, return_history=True)
    np.testing.assert_array_equal(result.history.supports[0], [[0, -1, -1]])
    np.testing.assert_array_equal(result.history.supports[2], [[0, 1, 2]])
    np.testing.assert_allclose(result.history.residuals[:, 0], [np.sqrt(5.0), 1.0, 0.0], atol=1e-12)


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: iti(np.ones((2, 3)), np.ones((4, 5)), 2), ValueError, "X has 3 features"),
        (lambda: iti(np.ones((2, 4)), np.ones((4, 5)), 6), ValueError, "k must be"),
        (lambda: iti(np.ones((2, 4)), np.ones((4, 5)), 2, max_iter=0), ValueError, "max_iter"),
        (lambda: iti(np.ones((2, 4)), np.ones((4, 5)), 2, tol=-1.0), ValueError, "tol"),
        (lambda: iti(np.ones((2, 4)), np.ones((4, 5)), 2, signed="yes"), TypeError, "signed"),
        (lambda: iti(np.ones((1, 4)), np.ones((4, 5)), 2, support0=np.ones((1, 5), bool)), ValueError, "support0"),
        (lambda: iht(np.ones((2, 4)), np.ones((4, 5)), 2, step=0.0), ValueError, "step"),
        (lambda: omp(np.ones((2, 4)), np.ones((4, 5)), 2.5), TypeError, "k must be"),
    ],
)
def test_bad_input_names_the_argument(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
