import numpy as np
import pytest

from ksparse.nn.supp_k import kth_largest, n_kept, topk, topk_indices, topk_mask, topk_support


def reference_mask(z, k):
    """Sort-based reference: largest values first, lower index first among equals."""
    mask = np.zeros(z.shape, dtype=bool)
    for i, row in enumerate(z):
        order = sorted(range(row.size), key=lambda j: (-row[j], j))
        mask[i, order[:k]] = True
    return mask


@pytest.mark.parametrize("k", [1, 3, 7, 20])
def test_topk_matches_sort_reference_on_random_rows(rng, k):
    z = rng.standard_normal((50, 20))
    mask = topk_mask(z, k)
    assert np.array_equal(mask.sum(axis=1), np.full(50, k))
    assert np.array_equal(mask, reference_mask(z, k))


@pytest.mark.parametrize("k", [1, 2, 4, 5])
def test_ties_go_to_the_lower_index(k):
    z = np.array(
        [
            [1.0, 3.0, 3.0, 3.0, 0.0],
            [0.0, 0.0, 0.0, 0.0, 0.0],
            [-0.0, 0.0, -1.0, 2.0, 2.0],
            [5.0, 5.0, 5.0, 5.0, 5.0],
        ]
    )
    mask = topk_mask(z, k)
    assert np.array_equal(mask.sum(axis=1), np.full(4, k))
    assert np.array_equal(mask, reference_mask(z, k))


def test_quantized_rows_with_many_ties(rng):
    z = rng.integers(0, 3, size=(200, 30)).astype(np.float32)
    for k in (1, 5, 29):
        assert np.array_equal(topk_mask(z, k), reference_mask(z, k))


def test_infinite_values_are_ordered():
    z = np.array([[-np.inf, 1.0, np.inf, np.inf, 0.0]])
    assert np.array_equal(topk_mask(z, 3), [[False, True, True, True, False]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_topk_zeroes_unselected_infinities(dtype):
    z = np.array([[-np.inf, 1.0, np.inf, 0.5], [np.inf, np.inf, 2.0, -np.inf]], dtype=dtype)
    z_sparse, _ = topk(z, 1)
    expected = np.array([[0.0, 0.0, np.inf, 0.0], [np.inf, 0.0, 0.0, 0.0]], dtype=dtype)
    assert z_sparse.dtype == dtype
    assert np.array_equal(z_sparse, expected)  # 0, not NaN (−inf · 0) where units were dropped


def test_kth_largest_and_indices(rng):
    z = rng.standard_normal((10, 8))
    k = 3
    assert np.array_equal(kth_largest(z, k)[:, 0], np.sort(z, axis=1)[:, -k])
    idx = topk_indices(z, k)
    assert idx.shape == (10, k)
    expected = np.sort(np.argsort(-z, axis=1)[:, :k], axis=1)
    assert np.array_equal(idx, expected)


def test_topk_zeroes_the_rest(rng):
    z = rng.standard_normal((6, 9)).astype(np.float32)
    z_sparse, mask = topk(z, 4)
    assert z_sparse.dtype == np.float32
    assert np.array_equal(z_sparse[mask], z[mask])
    assert np.all(z_sparse[~mask] == 0)


def test_topk_support_gives_the_mask_and_its_sorted_indices(rng):
    z = rng.integers(0, 4, size=(40, 12)).astype(np.float32)  # many ties
    for k in (1, 5, 12):
        idx, mask = topk_support(z, k)
        assert np.array_equal(mask, reference_mask(z, k))
        assert idx.shape == (40, k) and np.all(np.diff(idx, axis=1) > 0)
        assert np.array_equal(np.take_along_axis(mask, idx, axis=1), np.ones((40, k), bool))
        assert np.array_equal(topk_indices(z, k), idx)


def test_topk_support_of_nan_activities_is_a_floating_point_error():
    # NaN compares false with every threshold, so a row would keep fewer than k units;
    # the training loop reports a FloatingPointError as a diverged run.
    z = np.array([[1.0, 2.0, 3.0], [np.nan, 1.0, np.nan]])
    with pytest.raises(FloatingPointError, match="hold NaN"):
        topk_support(z, 2)


# --------------------------------------------------------------- n_kept: round(α·k)
@pytest.mark.parametrize("k, alpha, expected", [
    (25, 1.0, 25),
    (5, 0.5, 2),  # 2.5: ties go to the even neighbour, as Python's round
    (7, 0.5, 4),  # 3.5 -> 4
    (3, 1.5, 4),  # 4.5 -> 4
    (10, 1.25, 12),  # 12.5 -> 12
    (2, 2.75, 6),  # 5.5 -> 6
    (3, 1.1, 3),  # 3.3000000000000003
    (2, 2.7, 5),  # 5.4
    (4, 1.6, 6),  # 6.4
    (1, np.float64(2.5), 2),  # a NumPy scalar alpha
])
def test_n_kept_rounds_alpha_k_half_to_even(k, alpha, expected):
    n = n_kept(k, alpha)
    assert n == expected and type(n) is int


@pytest.mark.parametrize("k, alpha, n_hidden, expected", [
    (4, 2.0, 8, 8),  # every unit kept
    (2, 4.25, 8, 8),  # 8.5 rounds down to 8: allowed
    (3, 1.0, 3, 3),
])
def test_n_kept_allows_up_to_n_hidden_after_rounding(k, alpha, n_hidden, expected):
    assert n_kept(k, alpha, n_hidden) == expected


@pytest.mark.parametrize("k, alpha, n_hidden, kwargs, match", [
    (4, 2.2, 8, {}, r"^alpha \* k = 2\.2 \* 4 = 8\.8 exceeds n_hidden=8; lower alpha or k\.$"),
    (2, 4.75, 9, {}, r"= 9\.5 exceeds n_hidden=9"),  # 9.5 rounds up to 10
    (3, 1e308, 10, {}, r"alpha \* k = 1e\+308 \* 3 = inf exceeds n_hidden=10"),
    (3, 2.0, 4, {"name": "min(hidden_layers)"}, r"6 exceeds min\(hidden_layers\)=4;"),
    (3, 1e308, None, {}, r"1e\+308 \* 3 = inf is not a finite number of units"),
    (3, -1e308, 10, {}, r"= -inf is not a finite number of units"),  # not "exceeds"
    (3, float("nan"), 10, {}, r"nan \* 3 = nan is not a finite number of units"),
])
def test_n_kept_refuses_a_width_that_is_not_finite_or_exceeds_n_hidden(
        k, alpha, n_hidden, kwargs, match):
    with pytest.raises(ValueError, match=match):
        n_kept(k, alpha, n_hidden, **kwargs)
