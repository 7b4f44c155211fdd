"""KL-sparse fits with the bounded penalty: unchanged below the bound, no unit killed above it.

Above u = 1 − δ(1 − ρ) the penalty continues as its tangent line at u
(:mod:`ksparse.nn.kl`). A fit whose units keep ρ̂ below u must be bit for
bit the fit with the plain divergence, clipped to [1e-6, 1 − 1e-6] as it
was; ReLU units above 1 used to get a gradient of about λ·1e6/B, which one
momentum step turned into a bias of hundreds below zero, killing the unit.
"""
import numpy as np
import pytest

from ksparse.models import KLSparseAutoencoder


def clipped_divergence(H, rho, weight):
    """The penalty and its gradient before the bound: ρ̂ clipped to [1e-6, 1 − 1e-6]."""
    r = np.clip(H.mean(axis=0), 1e-6, 1.0 - 1e-6)
    kl = rho * np.log(rho / r) + (1.0 - rho) * np.log((1.0 - rho) / (1.0 - r))
    d_r = weight * (-rho / r + (1.0 - rho) / (1.0 - r))
    return weight * kl.sum(), np.broadcast_to(d_r / H.shape[0], H.shape).astype(H.dtype)


class ClippedKL(KLSparseAutoencoder):
    """The KL-sparse autoencoder with the penalty as it was before the bound."""

    def _penalty(self):
        rho, weight = self.sparsity_target, self.sparsity_weight
        return (lambda H: clipped_divergence(H, rho, weight)[0],
                lambda H: clipped_divergence(H, rho, weight)[1])


def fitted_arrays(model):
    return [model.W_, model.P_, model.b_, model.b_prime_]


@pytest.mark.parametrize("settings, below_u", [
    (dict(activation="sigmoid"), True),  # sigmoid units: ρ̂ < 1 always, here far below u
    (dict(activation="relu"), True),  # small weights: ReLU activities well below 1
    (dict(activation="relu", decoder="linear", init_std=0.5, scale=30.0), False),
])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fits_change_only_where_a_unit_goes_beyond_u(settings, below_u, dtype):
    settings = dict(settings)
    X = np.random.default_rng(1).random((64, 6)) * settings.pop("scale", 1.0)
    kw = dict(settings, n_hidden=5, epochs=3, batch_size=16, random_state=0, dtype=dtype)
    bounded, clipped = KLSparseAutoencoder(**kw).fit(X), ClippedKL(**kw).fit(X)
    same = all(a.tobytes() == b.tobytes()
               for a, b in zip(fitted_arrays(bounded), fitted_arrays(clipped)))
    assert same == below_u
    if below_u:
        assert bounded.history_ == clipped.history_


def test_an_over_active_relu_unit_is_pushed_down_without_being_killed():
    # Inputs up to 4 and σ = 0.3: several ReLU units start with mean activity above 1.
    X = np.random.default_rng(0).random((512, 20)) * 4
    kw = dict(n_hidden=16, decoder="linear", optimizer="momentum", learning_rate=0.001,
              init_std=0.3, epochs=3, random_state=0)
    start = KLSparseAutoencoder(**dict(kw, learning_rate=1e-300)).fit(X)  # weights unmoved
    assert (start.transform(X).mean(axis=0) > 1).any()  # the case the bound is for
    model = KLSparseAutoencoder(**kw, sparsity_weight=0.1).fit(X)
    # The penalty's push on b is below λ/δ = 10 per step: six steps cannot take it far.
    # The unbounded one (≈ λ·1e6/B per entry) drove b to about −445 and killed 9 units.
    assert model.b_.min() > -1.0
    assert model.history_[-1]["dead_units"] < 16 // 2
