"""The KL penalty outside [ε, u], u = 1 − δ(1 − ρ): its tangent lines, a bounded gradient above u.

ReLU units can have a mean activity ρ̂ ≥ 1, outside the divergence's domain.
The divergence's slope (1 − ρ)/(1 − ρ̂) grows without bound as ρ̂ → 1, so
above u the penalty continues as its tangent line at u; below ε = 1e-6 it
continues as its tangent line at ε. In [ε, u] the numbers must be those of
the plain divergence, bit for bit, and the gradient those of the divergence
clipped at ε everywhere below u. The target ρ is at most 1 − ε/δ, where u
can still be held above ρ in float32.
"""
import numpy as np
import pytest
from _numerical import numerical_gradient

from ksparse.models import KLSparseAutoencoder
from ksparse.nn import kl_penalty, kl_penalty_backward
from ksparse.nn.kl import RHO_DELTA, RHO_EPS, RHO_MAX


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
@pytest.mark.parametrize("rho", [0.05, 0.3, 0.9])
def test_below_u_the_penalty_is_bitwise_the_clipped_divergence(rng, dtype, rho):
    u = 1 - RHO_DELTA * (1 - rho)
    # Sigmoid-like activities and one just below u: the penalty, bit for bit.
    H = np.hstack([rng.random((16, 5)), np.full((16, 1), u - 1e-4)]).astype(dtype)
    value = clipped_divergence(H, rho, 0.1)[0]
    assert np.asarray(kl_penalty(H, rho, 0.1)).tobytes() == np.asarray(value).tobytes()
    # With a silent unit (ρ̂ = 0 < ε) too: the gradient, bit for bit (KL′ at ε).
    H = np.hstack([H, np.zeros((16, 1), dtype)])
    assert kl_penalty_backward(H, rho, 0.1).tobytes() == clipped_divergence(H, rho, 0.1)[1].tobytes()


@pytest.mark.parametrize("rho", [0.05, 0.3])
def test_below_eps_the_penalty_is_the_tangent_line_at_eps(rho):
    means = np.array([0.0, 3e-7, 9e-7])  # all below ε = 1e-6
    H, lam, eps = np.tile(means, (4, 1)), 0.1, RHO_EPS
    kl_eps = rho * np.log(rho / eps) + (1 - rho) * np.log((1 - rho) / (1 - eps))
    slope = (1 - rho) / (1 - eps) - rho / eps  # KL′ at ε, by hand
    assert float(kl_penalty(H, rho, lam)) == pytest.approx(
        lam * (kl_eps + slope * (means - eps)).sum(), rel=1e-12)


@pytest.mark.parametrize("rho", [0.05, 0.3])
def test_penalty_gradient_matches_finite_differences_below_eps(rho):
    # Columns with means 1e-8 and 5e-7, below ε; steps of 1e-10 keep them there.
    H = np.array([[1e-8, 2e-7], [1e-8, 8e-7]])
    numeric = numerical_gradient(lambda: kl_penalty(H, rho, 0.1), H, eps=1e-10)
    np.testing.assert_allclose(kl_penalty_backward(H, rho, 0.1), numeric, rtol=1e-6)


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
def test_the_largest_target_keeps_the_penalty_finite_and_rising_above_u(dtype):
    # ρ = 1 − ε/δ: u = 1 − ε (1 − δ(1 − ρ) may round to just above it), kept at
    # most 1 − ε so that 1 − u stays nonzero in float32, and above ρ there.
    means = np.array([0.5, 1.0, 1.5, 10.0])
    H = np.tile(means, (4, 1)).astype(dtype)
    with np.errstate(all="raise"):
        each = [float(kl_penalty(H[:, j:j + 1], RHO_MAX, 0.1)) for j in range(len(means))]
        grad = kl_penalty_backward(H, RHO_MAX, 0.1)
    assert np.isfinite(each).all() and np.isfinite(grad).all()
    assert each[1] < each[2] < each[3]  # the tangent line rises: over-activity costs
    assert (grad[:, 1:] > 0).all() and (grad < 0.1 / (RHO_DELTA * 4)).all()


@pytest.mark.parametrize("rho", [1 - 1e-7, 0.999999, 0.99995, 1.0, 0.0, -0.1, float("nan")])
def test_a_target_outside_0_to_rho_max_is_refused(rho):
    # ρ = 1 − 1e-7 made u = 1 − ε < ρ: a negative slope above u, a penalty
    # unbounded below (−8.1 at ρ̂ = 10 for λ = 1).
    H = np.full((4, 1), 2.0)
    for f in (kl_penalty, kl_penalty_backward):
        with pytest.raises(ValueError, match=r"rho must be"):
            f(H, rho, 1.0)


@pytest.mark.parametrize("rho", [1 - 1e-7, 0.99995, 1.0])
def test_the_model_refuses_a_target_above_rho_max(rho):
    model = KLSparseAutoencoder(sparsity_target=rho, n_hidden=2, epochs=1)
    with pytest.raises(ValueError, match=r"sparsity_target must be in \(0\.0, 0\.9999\]"):
        model.fit(np.full((8, 3), 0.5))
