"""Every layer's backward against central finite differences in float64."""
import numpy as np
import pytest

from ksparse import nn as L
from _numerical import numerical_gradient


def weighted_sum(out, G):
    """E = Σ G ⊙ out, so ∂E/∂out = G: a loss that tests every entry of a backward."""
    return float((out * G).sum())


@pytest.fixture
def G(rng):
    return rng.standard_normal((5, 4))


def test_affine_backward_matches_finite_differences(rng, G):
    X, W, b = rng.standard_normal((5, 3)), rng.standard_normal((3, 4)), rng.standard_normal(4)
    dW, db, dX = L.affine_backward(G, X, W)
    for array, grad in ((X, dX), (W, dW), (b, db)):
        numeric = numerical_gradient(lambda: weighted_sum(L.affine(X, W, b), G), array)
        np.testing.assert_allclose(grad, numeric, rtol=1e-7, atol=1e-9)
    assert len(L.affine_backward(G, X)) == 2  # without W no input gradient is formed


@pytest.mark.parametrize("layer, backward_from", [
    ("relu", "input"), ("sigmoid", "output"),
])
def test_activation_backward_matches_finite_differences(rng, G, layer, backward_from):
    z = rng.standard_normal((5, 4)) * 3
    z[np.abs(z) < 1e-3] = 0.5  # keep ReLU's kink away from the differences
    forward, backward = getattr(L, layer), getattr(L, f"{layer}_backward")
    out = forward(z)
    dz = backward(G, z if backward_from == "input" else out)
    numeric = numerical_gradient(lambda: weighted_sum(forward(z), G), z)
    np.testing.assert_allclose(dz, numeric, rtol=1e-6, atol=1e-8)


def test_relu_and_sigmoid_values_by_hand():
    z = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_array_equal(L.relu(z), [[0.0, 0.0, 3.0]])
    np.testing.assert_allclose(L.sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-15)
    big = np.array([[-800.0, 800.0]])  # e^800 overflows: the stable form does not
    with np.errstate(over="raise"):
        np.testing.assert_array_equal(L.sigmoid(big), [[0.0, 1.0]])
    assert L.sigmoid(z.astype(np.float32)).dtype == np.float32


def test_topk_backward_passes_only_the_selected_units(rng, G):
    z = rng.standard_normal((5, 4))
    z_sparse, mask = L.topk(z, 2)
    assert (mask.sum(axis=1) == 2).all()
    dz = L.topk_backward(G, mask)
    # Away from ties the selection is fixed under small moves, so FD sees the same mask.
    numeric = numerical_gradient(lambda: weighted_sum(L.topk(z, 2)[0], G), z)
    np.testing.assert_allclose(dz, numeric, rtol=1e-7, atol=1e-9)


def test_dropout_mask_rate_scale_and_backward(rng, G):
    mask = L.dropout_mask((2000, 50), 0.2, np.random.default_rng(0), np.float64)
    assert set(np.unique(mask)) == {0.0, 1.25}
    assert abs((mask == 0).mean() - 0.2) < 0.01
    X = rng.standard_normal((5, 4))
    small = L.dropout_mask((5, 4), 0.5, np.random.default_rng(1), np.float64)
    np.testing.assert_array_equal(L.dropout(X, small), X * small)
    numeric = numerical_gradient(lambda: weighted_sum(L.dropout(X, small), G), X)
    np.testing.assert_allclose(L.dropout_backward(G, small), numeric, rtol=1e-7, atol=1e-9)
    same = L.dropout_mask((5, 4), 0.5, np.random.default_rng(1), np.float64)
    np.testing.assert_array_equal(small, same)  # the generator alone decides the mask
