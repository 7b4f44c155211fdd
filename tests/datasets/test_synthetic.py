"""Tests for ksparse.datasets.synthetic.make_sparse_signals."""
import numpy as np
import pytest

from ksparse.backend import to_numpy
from ksparse.datasets.synthetic import make_sparse_signals


@pytest.mark.parametrize("k", [1, 2, 5, 12])
def test_codes_have_k_nonzeros_max_one_and_signals_match(xp, rng, k):
    W = xp.asarray(rng.standard_normal((7, 12)))
    X, Z = make_sparse_signals(50, W, k, random_state=0)
    assert X.shape == (50, 7) and Z.shape == (50, 12)
    Zn = to_numpy(Z)
    np.testing.assert_array_equal((Zn != 0).sum(axis=1), k)
    np.testing.assert_allclose(np.abs(Zn).max(axis=1), 1.0)
    assert (Zn >= 0).all()
    np.testing.assert_allclose(to_numpy(X), Zn @ to_numpy(W).T, atol=1e-12)


def test_fixed_ratio_sets_smallest_over_largest_magnitude():
    X, Z = make_sparse_signals(100, np.eye(10), 4, ratio=0.25, random_state=1)
    mags = np.where(Z != 0, np.abs(Z), np.inf)
    np.testing.assert_allclose(mags.min(axis=1), 0.25)
    inner = np.sort(np.abs(Z), axis=1)[:, -3:-1]
    assert ((inner >= 0.25) & (inner <= 1.0)).all()


def test_per_signal_ratio_and_equal_magnitudes():
    rho = np.array([1.0, 0.5, 0.1])
    _, Z = make_sparse_signals(3, np.eye(6), 3, ratio=rho, random_state=2)
    np.testing.assert_allclose(np.where(Z != 0, Z, np.inf).min(axis=1), rho)
    np.testing.assert_array_equal(np.sort(Z[0])[-3:], [1.0, 1.0, 1.0])


def test_signed_codes_have_both_signs_and_supports_are_uniform():
    _, Z = make_sparse_signals(4000, np.eye(8), 2, signed=True, random_state=3)
    assert (Z < 0).any() and (Z > 0).any()
    freq = (Z != 0).mean(axis=0)
    np.testing.assert_allclose(freq, 2 / 8, atol=0.03)


def test_seed_reproduces_signals():
    W = np.eye(5)
    a = make_sparse_signals(10, W, 2, random_state=7)[1]
    b = make_sparse_signals(10, W, 2, random_state=7)[1]
    c = make_sparse_signals(10, W, 2, random_state=8)[1]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((0, np.eye(3), 1), {}, "n_signals"),
        ((5, np.ones(3), 1), {}, "W must be"),
        ((5, np.eye(3), 4), {}, "k must be"),
        ((5, np.eye(3), 2), dict(ratio=0.0), "ratio"),
        ((5, np.eye(3), 2), dict(ratio=(0.8, 0.2)), "ratio"),
        ((5, np.eye(3), 2), dict(ratio=np.ones(4)), "ratio"),
    ],
)
def test_bad_input_names_the_argument(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_sparse_signals(*args, **kwargs)
