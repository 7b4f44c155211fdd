"""Every loss of the library: values by hand, gradients against finite differences."""
import numpy as np
import pytest

from ksparse import nn as losses
from _numerical import numerical_gradient


def test_squared_error_value_and_gradient(rng):
    X_hat, X = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    assert float(losses.squared_error(X_hat, X)) == pytest.approx(((X_hat - X) ** 2).sum() / 4)
    numeric = numerical_gradient(lambda: losses.squared_error(X_hat, X), X_hat)
    np.testing.assert_allclose(losses.squared_error_backward(X_hat, X), numeric, rtol=1e-7)


@pytest.mark.parametrize("targets", ["labels", "probabilities"])
def test_cross_entropy_value_and_gradient(rng, targets):
    S = rng.standard_normal((5, 3))
    y = np.array([0, 2, 1, 1, 0])
    if targets == "probabilities":
        y = np.eye(3)[y] * 0.8 + 0.2 / 3
    by_hand = -(np.log(np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)) *
                (np.eye(3)[y] if y.ndim == 1 else y)).sum() / 5
    assert float(losses.cross_entropy(losses.log_softmax(S), y)) == pytest.approx(by_hand)
    numeric = numerical_gradient(lambda: losses.cross_entropy(losses.log_softmax(S), y), S)
    dS = losses.cross_entropy_backward(losses.log_softmax(S), y)
    np.testing.assert_allclose(dS, numeric, rtol=1e-6, atol=1e-9)


def test_kl_penalty_by_hand():
    # Two examples, two units: ρ̂ = (0.25, 0.5), ρ = 0.1, λ = 2.
    H = np.array([[0.1, 0.6], [0.4, 0.4]])
    rho, lam = 0.1, 2.0
    kl = [rho * np.log(rho / r) + (1 - rho) * np.log((1 - rho) / (1 - r)) for r in (0.25, 0.5)]
    assert float(losses.kl_penalty(H, rho, lam)) == pytest.approx(lam * sum(kl), rel=1e-12)
    # ∂/∂h_ij = λ/B (−ρ/ρ̂_j + (1−ρ)/(1−ρ̂_j)) for every row i.
    col = [lam / 2 * (-rho / r + (1 - rho) / (1 - r)) for r in (0.25, 0.5)]
    np.testing.assert_allclose(losses.kl_penalty_backward(H, rho, lam), [col, col], rtol=1e-12)


def test_kl_penalty_gradient_matches_finite_differences(rng):
    H = rng.uniform(0.05, 0.9, (6, 4))
    numeric = numerical_gradient(lambda: losses.kl_penalty(H, 0.05, 0.1), H)
    np.testing.assert_allclose(losses.kl_penalty_backward(H, 0.05, 0.1), numeric, rtol=1e-6)


def test_kl_penalty_stays_finite_for_relu_activities_above_one():
    H = np.array([[3.0, 0.0], [5.0, 0.0]])  # ρ̂ = (4, 0): outside (0, 1) on both sides
    with np.errstate(all="raise"):
        value = float(losses.kl_penalty(H, 0.05, 0.1))
        grad = losses.kl_penalty_backward(H, 0.05, 0.1)
    assert np.isfinite(value) and np.isfinite(grad).all()
    assert (grad[:, 0] > 0).all()  # pushes the over-active unit down
    assert (grad[:, 1] < 0).all()  # and the silent one up


def test_l2_penalty_value_and_gradient(rng):
    W = rng.standard_normal((3, 2))
    assert float(losses.l2_penalty(W, 0.3)) == pytest.approx(0.15 * (W ** 2).sum())
    numeric = numerical_gradient(lambda: losses.l2_penalty(W, 0.3), W)
    np.testing.assert_allclose(losses.l2_penalty_backward(W, 0.3), numeric, rtol=1e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kl_penalty_backward_keeps_the_activities_dtype(dtype):
    H = np.random.default_rng(0).random((6, 4)).astype(dtype)
    assert losses.kl_penalty_backward(H, 0.05, 0.1).dtype == dtype
