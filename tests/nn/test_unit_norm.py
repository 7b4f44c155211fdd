"""The unit-norm decoder: the gradient projected onto the sphere's tangent, the columns renormalised."""
import numpy as np
import pytest

from ksparse.nn.unit_norm import project_to_tangent, renormalize_columns


def unit_columns(rng, shape, order):
    W = rng.standard_normal(shape)
    return np.asarray(W / np.linalg.norm(W, axis=0), order=order)


@pytest.mark.parametrize("order", ["C", "F"])
def test_projection_matches_a_loop_over_columns(rng, order):
    W = unit_columns(rng, (6, 4), order)
    dW = np.asarray(rng.standard_normal((6, 4)), order=order)
    before = dW.copy()
    got = project_to_tangent(W, dW)
    expected = np.empty_like(dW)
    for j in range(4):  # ∇_j − (w_jᵀ ∇_j) w_j, one column at a time
        expected[:, j] = dW[:, j] - (W[:, j] @ dW[:, j]) * W[:, j]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose((W * got).sum(axis=0), 0.0, atol=1e-14)  # tangent to every column
    assert np.array_equal(dW, before)  # the gradient itself is left alone
    np.testing.assert_allclose(project_to_tangent(W, got), got, atol=1e-14)  # a projection


def test_projection_keeps_float32(rng):
    W = unit_columns(rng, (5, 3), "F").astype(np.float32)
    dW = rng.standard_normal((5, 3)).astype(np.float32)
    got = project_to_tangent(W, dW)
    assert got.dtype == np.float32
    np.testing.assert_allclose((W * got).sum(axis=0), 0.0, atol=1e-6)


def test_renormalize_columns_in_place_keeps_directions(rng):
    W = rng.standard_normal((5, 3)) * np.array([0.1, 1.0, 30.0])
    directions = W / np.linalg.norm(W, axis=0)
    same = W
    assert renormalize_columns(W) is None
    assert W is same
    np.testing.assert_allclose(np.linalg.norm(W, axis=0), 1.0, rtol=1e-14)
    np.testing.assert_allclose(W, directions, rtol=1e-14)
