"""Property-based tests (hypothesis) of top-k selection, supp_k (ksparse.nn.supp_k).

Every selection is checked against an independent reference, a stable sort
(``_numerical.sort_reference_mask``). Example counts are kept small so that
the file runs in a few seconds.
"""
import numpy as np
import pytest
from _numerical import flat_sort_reference, sort_reference_mask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ksparse.nn import supp_k
from ksparse.nn.supp_k import batch_topk_mask, kth_largest, topk_indices, topk_mask

# Hypothesis examples per test, listed here so the total is easy to read off.
N_TOPK = 300
N_TOPK_TIES = 300
N_BATCH = 200
N_CANDIDATES = 300
N_WIDE = 100

FAST = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])


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


@settings(max_examples=N_BATCH, **FAST)
@given(st.one_of(_matrix_and_k(_any_floats(64), np.float64),
                 _matrix_and_k(_tie_values(64), np.float64),
                 _matrix_and_k(_tie_values(32), np.float32)))
def test_batch_topk_mask_matches_a_sort_of_the_flattened_batch(case):
    # The B·k largest of max(z, 0), the batch read as one row; it selects among
    # the positive entries only, so batches with fewer, as many and more
    # positive entries than B·k (and ±0) are all drawn here.
    z, k = case
    np.testing.assert_array_equal(batch_topk_mask(z, k), flat_sort_reference(z, k))


@pytest.mark.parametrize("shape", [(0, 16), (3, 0), (0, 0)])
def test_batch_topk_mask_of_an_empty_batch_keeps_nothing(shape):
    # As topk_mask does: an empty selection of the right shape, not an error.
    kept = batch_topk_mask(np.zeros(shape, dtype=np.float32), 2)
    assert kept.shape == shape and kept.dtype == bool


def _sorted_kth(z, k):
    """The k-th largest of each row by a full sort, shape (n_rows, 1)."""
    return np.sort(z, axis=1)[:, z.shape[1] - k : z.shape[1] - k + 1]


@settings(max_examples=N_CANDIDATES, **FAST)
@given(st.one_of(_matrix_and_k(_any_floats(64), np.float64),
                 _matrix_and_k(_tie_values(64), np.float64),
                 _matrix_and_k(_tie_values(32), np.float32)),
       st.integers(1, 4))
def test_kth_largest_among_candidates_matches_a_sort(case, group):
    # Groups of 1 to 4 entries on rows of up to 9: the bound L from the group
    # maxima, rows with few and with many candidates (ties at L), and rows with
    # too few groups (the whole-row introselect) are all drawn.
    z, k = case
    np.testing.assert_array_equal(supp_k._kth_largest_among_candidates(z, k, group),
                                  _sorted_kth(z, k))


def _wide_matrix_and_k(elements, dtype, per_k=24, widths=(24, 120), rows=5):
    # Rows at least ``per_k`` times k wide: 24 k, so that kth_largest selects
    # among candidates; 8 k, so that the flat batch has as many groups of 8 as
    # BatchTopK keeps entries, and its selection may read the maxima's bound.
    shapes = st.tuples(st.integers(1, rows), st.integers(*widths))
    matrices = shapes.flatmap(lambda s: hnp.arrays(dtype, s, elements=elements))
    return matrices.flatmap(lambda z: st.tuples(st.just(z), st.integers(1, z.shape[1] // per_k)))


@settings(max_examples=N_WIDE, **FAST)
@given(st.one_of(_wide_matrix_and_k(_any_floats(32), np.float32),
                 _wide_matrix_and_k(_tie_values(64), np.float64)))
def test_topk_mask_on_rows_wide_enough_for_candidates(case):
    z, k = case
    assert z.shape[1] >= supp_k._CANDIDATES_FROM * k  # the candidates' path
    np.testing.assert_array_equal(kth_largest(z, k), _sorted_kth(z, k))
    check_topk(z, k)


def _sorted_indices(z, k):
    """The k units of each row by a stable sort, increasing, shape (n_rows, k)."""
    return np.nonzero(sort_reference_mask(z, k))[1].reshape(z.shape[0], k)


@settings(max_examples=N_WIDE, **FAST)
@given(st.one_of(_wide_matrix_and_k(_any_floats(32), np.float32),
                 _wide_matrix_and_k(_any_floats(64), np.float64),
                 _wide_matrix_and_k(_tie_values(64), np.float64)))
def test_topk_indices_on_wide_rows_match_a_sort(case):
    # Read off the candidates when no row has a tie at its k-th largest value,
    # by the exact rule otherwise: both in increasing unit order.
    z, k = case
    np.testing.assert_array_equal(topk_indices(z, k), _sorted_indices(z, k))


@pytest.mark.parametrize("shape, k", [((64, 320), 5), ((16, 1000), 25), ((3, 48), 2)])
def test_topk_indices_reads_rows_without_ties_off_their_candidates(monkeypatch, shape, k):
    # Distinct values: the candidates' path answers on its own, never the
    # whole-row mask (which would cost the passes over z it exists to save).
    z = np.random.default_rng(0).standard_normal(shape)
    expected = _sorted_indices(z, k)

    def whole_row_mask(*args):
        raise AssertionError("the candidates' path fell back to topk_support")

    monkeypatch.setattr(supp_k, "topk_support", whole_row_mask)
    np.testing.assert_array_equal(topk_indices(z, k), expected)


def _wide_batch_and_k(elements, dtype):
    return _wide_matrix_and_k(elements, dtype, per_k=8, widths=(16, 90), rows=4)


@settings(max_examples=N_BATCH, **FAST)
@given(st.one_of(_wide_batch_and_k(_any_floats(32), np.float32),
                 _wide_batch_and_k(_tie_values(64), np.float64),
                 _wide_batch_and_k(st.sampled_from([-1.0, 0.0, 0.5, 1.0, 2.0]), np.float64)))
def test_batch_topk_mask_on_wide_batches_matches_a_sort(case):
    z, k = case
    np.testing.assert_array_equal(batch_topk_mask(z, k), flat_sort_reference(z, k))


@pytest.mark.parametrize("positive_share", [0.02, 0.2, 0.5, 1.0])
@pytest.mark.parametrize("shape, k", [((64, 320), 5), ((32, 1000), 25)])
def test_batch_topk_mask_of_sparse_and_dense_batches(shape, k, positive_share):
    # Both of BatchTopK's paths at sizes where they differ: among the positives
    # (few of them) and among the group maxima's candidates (many).
    rng = np.random.default_rng(1)
    z = np.where(rng.random(shape) < positive_share, rng.random(shape), -rng.random(shape))
    z[0, :3] = z[0, 3]  # a tie, somewhere near the top for the dense batches
    np.testing.assert_array_equal(batch_topk_mask(z, k), flat_sort_reference(z, k))
