"""Top-k by the paper's refined threshold, and the branch-free forms a GPU takes (§2.2).

References are plain: ``np.sort`` for the k-th largest value, a stable
argsort for the selection with ties to the lower index, ``np.add.at`` for
the per-unit sums. The GPU forms (no ``any``, no ``nonzero``, no
``bincount``) are run here on NumPy by telling the modules that NumPy waits
for a device.
"""
import numpy as np
import pytest

import ksparse.fast.sparse_step as sparse_step
import ksparse.nn.supp_k as topk
from ksparse.nn.supp_k import kth_largest, topk_support
from ksparse.fast.topk_threshold import (
    float_keys,
    kth_largest_by_bisection,
    topk_mask_by_bisection,
)

from _numerical import autoencoder_params

DTYPES = [np.float32, np.float64]


def reference_mask(z, k):
    """k largest per row, ties to the lower index: a stable sort on −z."""
    order = np.argsort(-z, axis=1, kind="stable")[:, :k]
    mask = np.zeros(z.shape, dtype=bool)
    np.put_along_axis(mask, order, True, axis=1)
    return mask


def awkward_values(rng, dtype):
    """Rows mixing signs, zeros of both signs, infinities, denormals and near-equal values."""
    z = rng.standard_normal((40, 64)).astype(dtype)
    tiny = np.finfo(dtype).smallest_subnormal
    z[0, :6] = [np.inf, -np.inf, 0.0, -0.0, tiny, -tiny]
    z[1] = np.nextafter(dtype(1.0), dtype(2.0)) * np.ones(64, dtype)
    z[1, ::3] = dtype(1.0)  # many values one ulp apart
    z[2] = np.finfo(dtype).max * np.sign(z[2])
    z[3] = z[3] * np.finfo(dtype).tiny  # all subnormal or close
    return z


@pytest.mark.parametrize("dtype", DTYPES)
def test_float_keys_order_like_the_values(rng, dtype):
    z = awkward_values(rng, dtype).ravel()
    keys = float_keys(z)
    i, j = rng.integers(0, z.size, (2, 20000))
    differ = z[i] != z[j]
    np.testing.assert_array_equal((keys[i] < keys[j])[differ], (z[i] < z[j])[differ])
    same = (z[i] == z[j]) & (np.signbit(z[i]) == np.signbit(z[j]))
    assert (keys[i] == keys[j])[same].all()
    assert float_keys(np.array([-0.0, 0.0], dtype))[0] + 1 == float_keys(np.array([0.0], dtype))[0]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k", [1, 2, 25, 63, 64])
def test_bisection_finds_the_kth_largest_value_exactly(rng, dtype, k):
    z = awkward_values(rng, dtype)
    expected = np.sort(z, axis=1)[:, -k][:, None]
    got = kth_largest_by_bisection(z, k)
    assert got.dtype == z.dtype and got.shape == (40, 1)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(kth_largest(z, k), expected)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k", [1, 5, 25])
def test_threshold_top_k_equals_the_reference_without_ties(rng, dtype, k):
    z = rng.standard_normal((50, 100)).astype(dtype)
    assert np.unique(z).size == z.size  # tie-free
    np.testing.assert_array_equal(topk_mask_by_bisection(z, k), reference_mask(z, k))


@pytest.mark.parametrize("k", [1, 3, 7])
def test_threshold_top_k_keeps_the_tie_rule(rng, k):
    z = rng.integers(-2, 3, (60, 12)).astype(np.float32)  # five values: ties everywhere
    mask = topk_mask_by_bisection(z, k)
    np.testing.assert_array_equal(mask, reference_mask(z, k))
    assert (mask.sum(axis=1) == k).all()


def test_float_keys_refuse_other_dtypes():
    with pytest.raises(TypeError, match="float32 or float64"):
        float_keys(np.arange(4))


def take_device_forms(monkeypatch):
    """Make topk and sparse_step take the branch-free forms they take on a GPU."""
    for module in (topk, sparse_step):
        monkeypatch.setattr(module, "waits_for_device", lambda xp: True)


@pytest.fixture
def device_form(monkeypatch):
    take_device_forms(monkeypatch)


@pytest.mark.parametrize("k", [1, 4, 11])
@pytest.mark.parametrize("tied", [False, True])
def test_the_gpu_form_of_top_k_selects_the_same_units(rng, device_form, k, tied):
    z = rng.standard_normal((30, 12))
    if tied:
        z = np.round(z)  # mostly -1, 0, 1
    idx, mask = topk_support(z, k)
    expected = reference_mask(z, k)
    np.testing.assert_array_equal(mask, expected)
    np.testing.assert_array_equal(idx, np.nonzero(expected)[1].reshape(30, k))


def test_the_gpu_form_of_the_unit_sums_equals_add_at(rng, device_form):
    idx = np.argsort(rng.random((20, 9)), axis=1)[:, :4]  # 4 distinct units per row
    weights = rng.standard_normal((20, 4))
    expected = np.zeros(9)
    np.add.at(expected, idx.ravel(), weights.ravel())
    np.testing.assert_allclose(sparse_step.unit_sums(idx, weights, 9), expected, rtol=1e-12)


@pytest.mark.parametrize("pre_bias", [False, True])
def test_the_gpu_form_of_the_sparse_step_gives_the_same_gradients(rng, monkeypatch, pre_bias):
    params = autoencoder_params(rng, 7, 10)
    X = rng.standard_normal((16, 7))
    loss, grads, mask = sparse_step.sparse_loss_and_grads(params, X, 3, pre_bias)
    take_device_forms(monkeypatch)
    loss_d, grads_d, mask_d = sparse_step.sparse_loss_and_grads(params, X, 3, pre_bias)
    np.testing.assert_array_equal(mask_d, mask)
    assert float(loss_d) == pytest.approx(float(loss), rel=1e-12)
    for name in grads:
        np.testing.assert_allclose(grads_d[name], grads[name], rtol=1e-10, atol=1e-12)
