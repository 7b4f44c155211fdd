"""Tests for ksparse.theory.coherence and .dictionaries (paper §3.3, Eq. 8)."""
import math

import numpy as np
import pytest

from ksparse.backend import to_numpy
from ksparse.theory import (
    dct_basis,
    gaussian_dictionary,
    hadamard,
    max_unique_sparsity,
    mutual_coherence,
    normalize_columns,
    two_ortho_dictionary,
    uniqueness_bound,
)


def slow_coherence(W):
    """Reference: every pair, one at a time."""
    W = np.asarray(W, dtype=float)
    best = 0.0
    for i in range(W.shape[1]):
        for j in range(W.shape[1]):
            if i != j:
                c = abs(W[:, i] @ W[:, j]) / (np.linalg.norm(W[:, i]) * np.linalg.norm(W[:, j]))
                best = max(best, c)
    return best


@pytest.mark.parametrize("n", [16, 64])
def test_identity_hadamard_coherence_is_exactly_one_over_sqrt_n(xp, n):
    W = two_ortho_dictionary(n, "hadamard", xp=xp)
    assert W.shape == (n, 2 * n)
    assert mutual_coherence(W) == 1.0 / math.sqrt(n)


@pytest.mark.parametrize("block_size", [1, 3, 7, 1000])
def test_blocked_coherence_matches_pairwise_reference(rng, block_size):
    W = rng.standard_normal((6, 11))
    assert mutual_coherence(W, block_size=block_size) == pytest.approx(slow_coherence(W), abs=1e-14)


def test_coherence_invariant_to_column_scaling_and_permutation(xp, rng):
    W = rng.standard_normal((8, 20))
    scales = rng.uniform(0.01, 100.0, size=20) * rng.choice([-1.0, 1.0], size=20)
    perm = rng.permutation(20)
    mu = mutual_coherence(xp.asarray(W))
    assert mutual_coherence(xp.asarray(W * scales)) == pytest.approx(mu, abs=1e-14)
    assert mutual_coherence(xp.asarray(W[:, perm])) == pytest.approx(mu, abs=1e-14)


def test_coherence_of_parallel_atoms_is_one():
    W = np.array([[1.0, 0.0, -2.0], [0.0, 1.0, 0.0]])
    assert mutual_coherence(W) == pytest.approx(1.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_duplicate_atoms_have_coherence_exactly_one(rng, dtype):
    # Their normalised inner product often rounds just below 1 (0.9999999999999998
    # for (1, 1) twice), which gave max_unique_sparsity 1 instead of 0.
    for _ in range(50):
        w = rng.standard_normal(5)
        W = np.stack([w, w * rng.uniform(0.1, 10.0) * rng.choice([-1.0, 1.0])], axis=1)
        assert mutual_coherence(W.astype(dtype)) == 1.0
    assert max_unique_sparsity(mutual_coherence(np.ones((2, 2)))) == 0


def _orthonormal(kind, n):
    if kind == "dct":
        return dct_basis(n, xp=np)
    if kind == "hadamard":
        return hadamard(n, xp=np)
    return np.linalg.qr(np.random.default_rng(n).standard_normal((n, n)))[0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["dct", "hadamard", "qr"])
@pytest.mark.parametrize("n", [2, 16, 256])
def test_orthonormal_basis_has_coherence_exactly_zero(xp, kind, n, dtype):
    # Computed inner products of orthogonal atoms are of rounding size (1.4e-16 for the
    # 16-point DCT), which theorem_experiment took for a real μ > 0.
    W = _orthonormal(kind, n).astype(dtype)
    assert slow_coherence(W) < math.sqrt(n) * np.finfo(dtype).eps  # it is rounding, not 0
    assert mutual_coherence(xp.asarray(W)) == 0.0


@pytest.mark.parametrize("dtype, delta, mu", [
    (np.float64, 1e-16, 0.0), (np.float64, 1e-13, 1e-13),
    (np.float32, 1e-7, 0.0), (np.float32, 1e-5, 1e-5),
])
def test_coherence_is_snapped_to_zero_only_below_rounding_level(dtype, delta, mu):
    # The level is 8 sqrt(n_features) eps: 2.5e-15 (float64) and 1.3e-6 (float32) for n = 2.
    W = np.array([[1.0, delta], [0.0, 1.0]], dtype=dtype)
    assert mutual_coherence(W) == pytest.approx(mu, rel=1e-3, abs=0)


def test_dct_dictionary_coherence_close_to_sqrt_two_over_n():
    mu = mutual_coherence(two_ortho_dictionary(64, "dct", xp=np))
    assert 0.99 * math.sqrt(2 / 64) < mu <= math.sqrt(2 / 64)


@pytest.mark.parametrize("n", [1, 2, 8, 32])
def test_hadamard_is_orthogonal_and_matches_popcount_formula(n):
    H = hadamard(n, xp=np)
    np.testing.assert_allclose(H @ H.T, np.eye(n), atol=1e-12)
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    signs = (-1.0) ** np.vectorize(lambda a: bin(a).count("1"))(i & j)
    np.testing.assert_array_equal(hadamard(n, normalize=False, xp=np), signs)


def test_dct_basis_is_orthonormal_and_matches_scipy():
    import scipy.fft

    C = dct_basis(16, xp=np)
    np.testing.assert_allclose(C.T @ C, np.eye(16), atol=1e-12)
    x = np.arange(16.0)
    np.testing.assert_allclose(C.T @ x, scipy.fft.dct(x, norm="ortho"), atol=1e-12)


def test_gaussian_dictionary_is_seeded_and_unit_norm():
    A = gaussian_dictionary(10, 30, random_state=3, xp=np)
    np.testing.assert_allclose(np.linalg.norm(A, axis=0), 1.0)
    np.testing.assert_array_equal(A, gaussian_dictionary(10, 30, random_state=3, xp=np))


def test_normalize_columns(xp):
    W = xp.asarray([[3.0, 0.0], [4.0, -2.0]])
    np.testing.assert_allclose(to_numpy(normalize_columns(W)), [[0.6, 0.0], [0.8, -1.0]])


@pytest.mark.parametrize("mu, bound, kmax", [(1 / 16, 8.5, 8), (1 / 4, 2.5, 2), (1 / 3, 2.0, 1), (1.0, 1.0, 0)])
def test_uniqueness_bound_is_the_published_one(mu, bound, kmax):
    assert uniqueness_bound(mu) == pytest.approx(bound)
    assert max_unique_sparsity(mu) == kmax


def test_printed_bound_is_false_two_sparse_representations():
    """n = 16: the printed k <= 1 + 1/μ = 5 would promise uniqueness at k = 4."""
    W = two_ortho_dictionary(16, "hadamard", xp=np)
    mu = mutual_coherence(W)
    x = np.zeros(16)
    x[:4] = 1.0  # indicator of {0, 1, 2, 3}
    z_spikes = np.zeros(32)
    z_spikes[:4] = 1.0
    z_walsh = np.zeros(32)
    z_walsh[16 + np.array([0, 4, 8, 12])] = 1.0
    np.testing.assert_allclose(W @ z_spikes, x, atol=1e-12)
    np.testing.assert_allclose(W @ z_walsh, x, atol=1e-12)
    assert 4 <= 1 + 1 / mu  # the printed condition holds ...
    assert not 4 < uniqueness_bound(mu)  # ... the published one does not


def test_uniqueness_bound_of_zero_coherence_is_infinite():
    assert uniqueness_bound(0.0) == math.inf
    with pytest.raises(ValueError, match="mu"):
        max_unique_sparsity(0.0)


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: mutual_coherence(np.ones(3)), ValueError, "W must be 2-D"),
        (lambda: mutual_coherence(np.ones((3, 1))), ValueError, "W must have"),
        (lambda: mutual_coherence([[1.0, 0.0]]), TypeError, "W must be"),
        (lambda: mutual_coherence(np.array([[1.0, np.nan]])), ValueError, "W must not contain NaN"),
        (lambda: mutual_coherence(np.array([[1.0, 0.0], [0.0, 0.0]])), ValueError, "zero column"),
        (lambda: mutual_coherence(np.eye(3), block_size=0), ValueError, "block_size"),
        (lambda: uniqueness_bound(1.5), ValueError, "mu"),
        (lambda: hadamard(12), ValueError, "power of two"),
        (lambda: two_ortho_dictionary(8, "wavelet"), ValueError, "basis"),
    ],
)
def test_bad_input_names_the_argument(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
