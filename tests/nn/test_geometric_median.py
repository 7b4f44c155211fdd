"""geometric_median: Weiszfeld's iteration, with Vardi & Zhang's step where the iterate is a data row.

Started at the mean, plain Weiszfeld stopped at once when the mean was a
data row (that row's weight swamped the others), median or not. The
references here are a direct minimisation of the sum of distances in
float64 (scipy's Nelder-Mead) and, where no row coincides with the
iterate, the plain iteration itself, which must be reproduced bit for bit.
"""
import numpy as np
import pytest
import scipy.optimize

from ksparse.nn.encoder_decoder import geometric_median


def cost(X, c):
    return np.sqrt(((X - c) ** 2).sum(axis=1)).sum()


def minimised(X):
    """argmin_c Σ‖x_i − c‖ by Nelder-Mead from the coordinate-wise median and the mean."""
    runs = [scipy.optimize.minimize(lambda c: cost(X, c), start, method="Nelder-Mead",
                                    options=dict(xatol=1e-12, fatol=1e-14, maxiter=40000,
                                                 maxfev=40000))
            for start in (np.median(X, axis=0), X.mean(axis=0))]
    return min(runs, key=lambda r: r.fun).x


def plain_weiszfeld(X, n_iter=100, tol=1e-7):
    """The iteration as it was before Vardi & Zhang's step."""
    m = X.mean(axis=0)
    for _ in range(n_iter):
        w = 1.0 / np.maximum(np.sqrt(((X - m) ** 2).sum(axis=1)), 1e-12)
        new = (w @ X) / w.sum()
        if np.abs(new - m).max() < tol:
            return new
        m = new
    return m


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_mean_that_is_a_data_row_is_left_for_the_median(dtype):
    # The mean (0, 0) is the 2nd row; the median is (1, 0), three rows' point
    # (sum of distances 5 there, 6 at the mean).
    X = np.array([[-3.0, 0.0], [0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0]], dtype=dtype)
    m = geometric_median(X)
    assert m.dtype == dtype
    np.testing.assert_allclose(m, [1.0, 0.0], atol=1e-6)
    assert cost(X.astype(np.float64), m) == pytest.approx(5.0, abs=1e-6)


def _clouds():
    rng = np.random.default_rng(3)
    heavy = rng.standard_normal((40, 3)) ** 3 * 4
    return {
        "gaussian": rng.standard_normal((30, 3)),
        # One row equal to the mean (a blank row of centred data): the start is that row.
        "heavy-tailed, a row at the mean": np.vstack([heavy, heavy.mean(axis=0)]),
        # 10 of 19 rows at one point: more than half, so that point is the median.
        "a majority point": np.vstack([np.tile([2.0, -1.0, 0.5], (10, 1)),
                                       rng.standard_normal((9, 3)) * 3]),
        "outlier": np.vstack([rng.standard_normal((30, 3)), [[50.0, 50.0, 50.0]]]),
    }


@pytest.mark.parametrize("name", list(_clouds()))
def test_matches_a_direct_minimisation_of_the_sum_of_distances(name):
    X = _clouds()[name]
    m, ref = geometric_median(X), minimised(X)
    # tol = 1e-7 stops the steps, not the error: 2e-7 from the majority point,
    # where the sum grows linearly.
    assert cost(X, m) == pytest.approx(cost(X, ref), rel=1e-7)
    np.testing.assert_allclose(m, ref, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_without_a_coinciding_row_the_steps_are_weiszfeld_bit_for_bit(rng, dtype):
    X = rng.standard_normal((50, 4)).astype(dtype) ** 3
    for n_iter in (1, 3, 100):
        assert geometric_median(X, n_iter=n_iter).tobytes() == plain_weiszfeld(X, n_iter).tobytes()


@pytest.mark.parametrize("X", [np.zeros((3, 2)), np.ones((4, 3), dtype=np.float32)])
def test_identical_rows_are_their_own_median(X):
    m = geometric_median(X)
    assert m.dtype == X.dtype and np.array_equal(m, X[0])
