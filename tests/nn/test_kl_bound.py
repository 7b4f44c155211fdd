"""The KL penalty above u = 1 − δ(1 − ρ): its tangent line, a bounded gradient, nothing else changed.

ReLU units can have a mean activity ρ̂ ≥ 1, outside the divergence's domain.
The divergence's slope (1 − ρ)/(1 − ρ̂) grows without bound as ρ̂ → 1, so
above u the penalty continues as its tangent line at u. Below u the numbers
must be those of the plain divergence (clipped at ε = 1e-6), bit for bit.
"""
import numpy as np
import pytest
from _numerical import numerical_gradient

from ksparse.nn import kl_penalty, kl_penalty_backward
from ksparse.nn.kl import RHO_DELTA


def clipped_divergence(H, rho, weight):
    """The penalty and its gradient before the bound: ρ̂ clipped to [1e-6, 1 − 1e-6]."""
    r = np.clip(H.mean(axis=0), 1e-6, 1.0 - 1e-6)
    kl = rho * np.log(rho / r) + (1.0 - rho) * np.log((1.0 - rho) / (1.0 - r))
    d_r = weight * (-rho / r + (1.0 - rho) / (1.0 - r))
    return weight * kl.sum(), np.broadcast_to(d_r / H.shape[0], H.shape).astype(H.dtype)


def columns_with_means(means, n_rows, rng):
    """(n_rows, len(means)) non-negative activities whose column means are ``means``."""
    H = rng.random((n_rows, len(means))) + 0.5
    return H / H.mean(axis=0) * np.asarray(means)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rho", [0.05, 0.3])
def test_below_u_the_penalty_is_bitwise_the_clipped_divergence(rng, dtype, rho):
    u = 1 - RHO_DELTA * (1 - rho)
    # Sigmoid-like activities, a silent unit (ρ̂ = 0, clipped at ε) and one just below u.
    H = np.hstack([rng.random((16, 5)), np.zeros((16, 1)), np.full((16, 1), u - 1e-4)])
    H = H.astype(dtype)
    value, grad = clipped_divergence(H, rho, 0.1)
    assert np.asarray(kl_penalty(H, rho, 0.1)).tobytes() == np.asarray(value).tobytes()
    assert kl_penalty_backward(H, rho, 0.1).tobytes() == grad.tobytes()


@pytest.mark.parametrize("rho", [0.05, 0.3, 0.999])
def test_above_u_the_penalty_is_the_tangent_line_at_u(rng, rho):
    u = 1 - RHO_DELTA * (1 - rho)
    means = np.array([u + (1 - u) / 2, 1.0, 1.7, 40.0])  # all beyond u; ρ̂ ≥ 1 for three
    H, lam = columns_with_means(means, 8, rng), 0.1
    kl_u = rho * np.log(rho / u) + (1 - rho) * np.log((1 - rho) / (1 - u))
    slope = (1 - rho) / (1 - u) - rho / u  # KL′ at u, by hand
    assert float(kl_penalty(H, rho, lam)) == pytest.approx(
        lam * (kl_u + slope * (means - u)).sum(), rel=1e-12)
    grad = kl_penalty_backward(H, rho, lam)
    np.testing.assert_allclose(grad, np.full(H.shape, lam * slope / 8), rtol=1e-12)
    # A push down, but a bounded one: below λ/(δB) per entry whatever ρ̂ is.
    assert (grad > 0).all() and (grad < lam / (RHO_DELTA * 8)).all()


@pytest.mark.parametrize("rho", [0.05, 0.3])
def test_penalty_gradient_matches_finite_differences_inside_and_beyond_u(rng, rho):
    # Means inside (0.02, 0.4, 0.9) and beyond u (1.2, 5), none within reach of u or ε.
    H = columns_with_means([0.02, 0.4, 0.9, 1.2, 5.0], 6, rng)
    numeric = numerical_gradient(lambda: kl_penalty(H, rho, 0.1), H)
    np.testing.assert_allclose(kl_penalty_backward(H, rho, 0.1), numeric, rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_target_next_to_1_keeps_the_penalty_finite(dtype):
    # ρ = 0.999999: 1 − δ(1 − ρ) = 1 − 1e-8 rounds to 1 in float32, where 1 − u = 0
    # made the penalty and its gradient infinite; u is kept at most 1 − ε.
    H = np.full((4, 3), 1.5, dtype=dtype)  # every unit beyond u
    with np.errstate(all="raise"):
        value = kl_penalty(H, 0.999999, 0.1)
        grad = kl_penalty_backward(H, 0.999999, 0.1)
    assert np.isfinite(value) and np.isfinite(grad).all()
