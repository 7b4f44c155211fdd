"""Hand-written gradients against central finite differences in float64."""
import numpy as np
import pytest
from _numerical import autoencoder_params, numerical_gradient

from ksparse.models import k_sparse as F


def loss_gradient(params, X, k, name, pre_bias=False):
    """Central differences of the loss in every entry of ``params[name]``."""
    return numerical_gradient(lambda: F.loss_and_grads(params, X, k, pre_bias)[0], params[name])


@pytest.mark.parametrize("pre_bias", [False, True])
@pytest.mark.parametrize("tied", [True, False])
@pytest.mark.parametrize("k", [1, 3, 6])
def test_gradients_match_finite_differences(rng, tied, k, pre_bias):
    X = rng.standard_normal((5, 7))
    params = autoencoder_params(rng, 7, 9, tied)
    _, grads, mask = F.loss_and_grads(params, X, k, pre_bias)
    assert np.array_equal(mask.sum(axis=1), np.full(5, k))
    for name in params:
        expected = loss_gradient(params, X, k, name, pre_bias=pre_bias)
        np.testing.assert_allclose(grads[name], expected, rtol=1e-6, atol=1e-8)


def test_pre_bias_encodes_the_centred_input(rng):
    X = rng.standard_normal((4, 6))
    params = autoencoder_params(rng, 6, 8, tied=True)
    shifted = dict(params, b_prime=np.zeros(6))
    loss, _, mask = F.loss_and_grads(params, X, 3, pre_bias=True)
    # Same selection and error as a plain model on X − b′ whose output bias is 0.
    loss_ref, _, mask_ref = F.loss_and_grads(shifted, X - params["b_prime"], 3)
    assert np.array_equal(mask, mask_ref)
    assert np.isclose(float(loss), float(loss_ref))


def test_all_units_kept_is_a_linear_autoencoder(rng):
    """With k = n_hidden the loss is that of a plain linear tied autoencoder."""
    X = rng.standard_normal((4, 6))
    params = autoencoder_params(rng, 6, 5, tied=True)
    loss, _, mask = F.loss_and_grads(params, X, 5)
    W, b, bp = params["W"], params["b"], params["b_prime"]
    X_hat = np.stack([W @ (W.T @ x + b) + bp for x in X])
    assert mask.all()
    assert np.isclose(float(loss), np.mean(np.sum((X - X_hat) ** 2, axis=1)))


def test_loss_on_a_hand_computed_case():
    # One sample, two features, two hidden units, identity W: z = x + b.
    X = np.array([[3.0, 1.0]])
    params = {"W": np.eye(2), "b": np.zeros(2), "b_prime": np.zeros(2)}
    loss, grads, mask = F.loss_and_grads(params, X, 1)
    # Γ = {0}: x̂ = (3, 0), error (0, -1), loss 1.
    assert np.array_equal(mask, [[True, False]])
    assert float(loss) == 1.0
    assert np.array_equal(grads["b_prime"], [0.0, -2.0])


def test_unselected_units_get_no_encoder_gradient(rng):
    X = rng.standard_normal((3, 4))
    params = autoencoder_params(rng, 4, 8, tied=False)
    _, grads, mask = F.loss_and_grads(params, X, 2)
    never = ~mask.any(axis=0)
    assert never.any()
    assert np.all(grads["b"][never] == 0)
    assert np.all(grads["P"][never] == 0)
