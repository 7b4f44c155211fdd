"""Property-based tests (hypothesis) of ITI's inversion step and of mutual coherence
(ksparse.theory).

The inversion step is checked against a per-signal ``numpy.linalg.lstsq``, the
coherence against a double loop over atom pairs. Example counts are kept small
so that the file runs in a few seconds.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ksparse.theory import iti, max_unique_sparsity, mutual_coherence

# Hypothesis examples per test, listed here so the total is easy to read off.
N_ITI = 150
N_COHERENCE = 150

FAST = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------------ ITI


def lstsq_residual(x, W, support):
    """‖x − W_Γ u‖ for the least-squares u, solved independently of ksparse."""
    A = W[:, support]  # (n_features, t)
    u = np.linalg.lstsq(A, x, rcond=None)[0]
    return float(np.linalg.norm(x - A @ u)), u


def residual_of(x, W, support, coef):
    return float(np.linalg.norm(x - W[:, support] @ coef))


@settings(max_examples=N_ITI, **FAST)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_signals=st.integers(1, 4),
    n_features=st.integers(2, 7),
    extra_atoms=st.integers(0, 6),
    k=st.integers(1, 3),
    signed=st.booleans(),
    duplicate=st.booleans(),
)
def test_iti_inversion_is_optimal_on_its_support(seed, n_signals, n_features, extra_atoms, k,
                                                 signed, duplicate):
    rng = np.random.default_rng(seed)
    n_atoms = n_features + extra_atoms
    k = min(k, n_features)
    W = rng.standard_normal((n_features, n_atoms))
    W /= np.linalg.norm(W, axis=0)
    if duplicate:
        W[:, 1] = W[:, 0]  # a rank-deficient W_Γ is possible
    X = rng.standard_normal((n_signals, n_features))
    result = iti(X, W, k, max_iter=8, signed=signed, return_history=True)
    tol = 1e-9 * (1.0 + np.linalg.norm(X, axis=1).max())
    supports = result.history.supports  # (n_steps, n_signals, k)
    np.testing.assert_array_equal(result.support.sum(axis=1), np.full(n_signals, k))
    assert not result.codes[~result.support].any()
    for s in range(n_signals):
        x, support = X[s], np.flatnonzero(result.support[s])
        best, _ = lstsq_residual(x, W, support)
        assert result.residual[s] == pytest.approx(best, abs=tol)
        assert residual_of(x, W, support, result.codes[s, support]) <= best + tol
        # Any other coefficients on the same support do no better: the first
        # support-estimation coefficients (Wᵀx)_Γ and random perturbations.
        assert best <= residual_of(x, W, support, (x @ W)[support]) + tol
        for delta in rng.standard_normal((3, k)):
            assert best <= residual_of(x, W, support, result.codes[s, support] + delta) + tol
        for step in range(1, supports.shape[0]):
            # zⁿ on the previous support, then the support-estimation vector
            # zⁿ + Wᵀ(x − W zⁿ) restricted to the new support: inversion beats it.
            prev = supports[step - 1, s]
            z_prev = np.zeros(n_atoms)
            z_prev[prev] = lstsq_residual(x, W, prev)[1]
            estimate = z_prev + (x - W @ z_prev) @ W  # (n_atoms,)
            new = supports[step, s]
            assert result.history.residuals[step, s] <= residual_of(x, W, new, estimate[new]) + tol


# ---------------------------------------------------------- mutual coherence


def brute_force_coherence(W):
    unit = W / np.linalg.norm(W, axis=0)
    n = W.shape[1]
    return max(abs(float(unit[:, i] @ unit[:, j])) for i in range(n) for j in range(n) if i != j)


@settings(max_examples=N_COHERENCE, **FAST)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_features=st.integers(1, 6),
    n_atoms=st.integers(2, 8),
    scales=st.lists(st.floats(1e-3, 1e3), min_size=8, max_size=8),
    signs=st.lists(st.sampled_from([-1.0, 1.0]), min_size=8, max_size=8),
    block_size=st.integers(1, 9),
)
def test_mutual_coherence_range_scale_and_order_invariance(seed, n_features, n_atoms, scales,
                                                           signs, block_size):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((n_features, n_atoms))
    mu = mutual_coherence(W)
    assert 0.0 <= mu <= 1.0
    assert mu == pytest.approx(brute_force_coherence(W), abs=1e-12)
    D = np.array(scales[:n_atoms]) * np.array(signs[:n_atoms])  # (n_atoms,)
    assert mutual_coherence(W * D, block_size=block_size) == pytest.approx(mu, abs=1e-12)
    assert mutual_coherence(W[:, rng.permutation(n_atoms)]) == pytest.approx(mu, abs=1e-12)


def test_mutual_coherence_of_parallel_atoms_is_at_most_one():
    w = np.array([3.0, 4.0])
    W = np.stack([w, 0.1 * w], axis=1)  # (2, 2), two parallel atoms
    mu = mutual_coherence(W)
    assert mu <= 1.0
    assert max_unique_sparsity(mu) == 0


@pytest.mark.parametrize("scale", [1e-200, 1e200])
def test_mutual_coherence_is_scale_invariant_at_extreme_scales(scale):
    W = np.random.default_rng(0).standard_normal((5, 4))
    scaled = W.copy()
    scaled[:, 0] *= scale
    assert mutual_coherence(scaled) == pytest.approx(mutual_coherence(W), abs=1e-12)
