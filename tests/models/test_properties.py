"""Property-based tests (hypothesis) of top-k selection, the masked backward,
transform sparsity, ITI's inversion step and mutual coherence.

Every property is checked against an independent reference: a stable sort for
supp_k, central finite differences in float64 for the gradients, a per-signal
``numpy.linalg.lstsq`` for the inversion step and a double loop over atom
pairs for the coherence. Example counts are kept small so that the whole file
runs in a few seconds.
"""
import numpy as np
import pytest
from _numerical import numerical_gradient
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ksparse import KSparseAutoencoder
from ksparse.models import k_sparse as F
from ksparse.theory import iti, max_unique_sparsity, mutual_coherence
from ksparse.nn.supp_k import kth_largest, topk_mask

# Hypothesis examples per test, listed here so the total is easy to read off.
N_TOPK = 300
N_TOPK_TIES = 300
N_GRADS = 150
N_TRANSFORM = 40
N_ITI = 150
N_COHERENCE = 150

FAST = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------- top-k


def sort_reference_mask(z, k):
    """supp_k by a full stable sort: larger value first, lower index on ties."""
    order = np.argsort(-z, axis=1, kind="stable")[:, :k]  # (n_rows, k)
    mask = np.zeros(z.shape, dtype=bool)
    np.put_along_axis(mask, order, True, axis=1)
    return mask


def _matrix_and_k(elements, dtype):
    shapes = st.tuples(st.integers(1, 6), st.integers(1, 9))
    matrices = shapes.flatmap(lambda s: hnp.arrays(dtype, s, elements=elements))
    return matrices.flatmap(lambda z: st.tuples(st.just(z), st.integers(1, z.shape[1])))


def _any_floats(width):
    return st.floats(allow_nan=False, allow_infinity=True, width=width)


def _tie_values(width):
    big = 1e308 if width == 64 else 3e38
    return st.sampled_from([-np.inf, -big, -1.0, -0.0, 0.0, 1.0, 2.0, big, np.inf])


def check_topk(z, k):
    mask = topk_mask(z, k)
    assert mask.dtype == bool and mask.shape == z.shape
    np.testing.assert_array_equal(mask.sum(axis=1), np.full(z.shape[0], k))
    np.testing.assert_array_equal(mask, sort_reference_mask(z, k))
    # The k-th largest value is the smallest selected one.
    kth = kth_largest(z, k)[:, 0]  # (n_rows,)
    smallest = np.array([row[m].min() for row, m in zip(z, mask)])
    np.testing.assert_array_equal(kth, smallest)


@settings(max_examples=N_TOPK, **FAST)
@given(st.one_of(_matrix_and_k(_any_floats(64), np.float64),
                 _matrix_and_k(_any_floats(32), np.float32)))
def test_topk_mask_matches_sort_on_any_floats(case):
    check_topk(*case)


@settings(max_examples=N_TOPK_TIES, **FAST)
@given(st.one_of(_matrix_and_k(_tie_values(64), np.float64),
                 _matrix_and_k(_tie_values(32), np.float32)))
def test_topk_mask_with_heavy_ties_zeros_and_infinities(case):
    # Few distinct values, ±0 and ±inf: most rows have ties at the threshold.
    check_topk(*case)


# ---------------------------------------------------- gradients, float64 FD

GAP = 1e-3  # least distance between the k-th and (k+1)-th activity of a row
EPS = 1e-6  # finite-difference step; moves any activity by far less than GAP


def make_problem(seed, n, n_features, n_hidden, tied, duplicate):
    rng = np.random.default_rng(seed)
    params = {
        "W": rng.standard_normal((n_features, n_hidden)) * 0.5,
        "b": rng.standard_normal(n_hidden) * 0.1,
        "b_prime": rng.standard_normal(n_features) * 0.1,
    }
    if not tied:
        params["P"] = rng.standard_normal((n_hidden, n_features)) * 0.5
    if duplicate:
        # Units 0 and 1 are copies, so their activities tie in every row.
        params["W"][:, 1] = params["W"][:, 0]
        params["b"][1] = params["b"][0]
        if not tied:
            params["P"][1] = params["P"][0]
    return params, rng.standard_normal((n, n_features))


def activities(params, X, pre_bias):
    W_enc = params["W"] if "P" not in params else params["P"].T
    X_in = X - params["b_prime"] if pre_bias else X
    return X_in @ W_enc + params["b"]  # (n, n_hidden)


def selection_margin(z, k):
    """Smallest gap between the k-th and (k+1)-th largest activity over rows."""
    if k == z.shape[1]:
        return np.inf
    ordered = -np.sort(-z, axis=1)  # (n, n_hidden), descending
    return float((ordered[:, k - 1] - ordered[:, k]).min())


def central_differences(params, X, k, pre_bias, name):
    return numerical_gradient(lambda: F.loss_and_grads(params, X, k, pre_bias)[0],
                              params[name], EPS)


@settings(max_examples=N_GRADS, **FAST)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 4),
    n_features=st.integers(1, 4),
    n_hidden=st.integers(2, 6),
    k_frac=st.floats(0.0, 1.0),
    tied=st.booleans(),
    pre_bias=st.booleans(),
    duplicate=st.booleans(),
)
def test_masked_backward_matches_finite_differences(seed, n, n_features, n_hidden, k_frac,
                                                    tied, pre_bias, duplicate):
    k = 1 + int(k_frac * (n_hidden - 1))
    params, X = make_problem(seed, n, n_features, n_hidden, tied, duplicate)
    z = activities(params, X, pre_bias)
    # Only where the selection cannot flip under a step of EPS is the loss
    # differentiable; a tie across the k-th place is rejected here.
    assume(selection_margin(z, k) > GAP)
    loss, grads, mask = F.loss_and_grads(params, X, k, pre_bias)
    np.testing.assert_array_equal(mask, sort_reference_mask(z, k))
    assert sorted(grads) == sorted(params)
    for name in params:
        expected = central_differences(params, X, k, pre_bias, name)
        np.testing.assert_allclose(grads[name], expected, rtol=1e-5, atol=1e-7, err_msg=name)


# ------------------------------------------------------------------ transform


@settings(max_examples=N_TRANSFORM, **FAST)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_hidden=st.integers(1, 12),
    k_frac=st.floats(0.0, 1.0),
    alpha=st.floats(1.0, 4.0),
    zero_rows=st.booleans(),
)
def test_transform_keeps_at_most_round_alpha_k_units(seed, n_hidden, k_frac, alpha, zero_rows):
    k = 1 + int(k_frac * (n_hidden - 1))
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((30, 5))
    model = KSparseAutoencoder(n_hidden=n_hidden, k=k, alpha=alpha, epochs=1, batch_size=10,
                               random_state=seed)
    n_active = int(round(alpha * k))
    if n_active > n_hidden:
        with pytest.raises(ValueError, match="alpha"):
            model.fit(X)
        return
    model.fit(X)
    X_new = rng.standard_normal((7, 5)) * 3
    if zero_rows:
        X_new[::2] = 0.0  # every unit of such a row sees only its bias: ties
    H = model.transform(X_new)
    assert H.shape == (7, n_hidden)
    assert ((H != 0).sum(axis=1) <= n_active).all()
    # The kept entries are the n_active largest activities, unchanged.
    z = X_new @ model.W_ + model.b_
    keep = sort_reference_mask(z, n_active)
    np.testing.assert_array_equal(H, np.where(keep, z, 0.0))


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
