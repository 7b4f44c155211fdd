"""Masking noise with the pre-encoder bias: the same rule in the k-sparse and the dense models.

Masking noise corrupts the data the model is given (after centring): a
dropped entry is 0, a kept one is scaled by 1/(1 − p), x̃ = M ⊙ x. With
``pre_bias`` the encoder then subtracts b′ from x̃ as from any input, so it
sees x̃ − b′ and a dropped entry reaches it as −b′. The dense models used
to mask x − b′ instead (a dropped entry reached the encoder as 0); fits
without input dropout or without the pre-bias must not have changed.
"""
import numpy as np
import pytest
from _numerical import autoencoder_params, numerical_gradient, sort_reference_mask

from ksparse.models import DenoisingAutoencoder, DropoutAutoencoder, KSparseAutoencoder
from ksparse.nn import (
    affine,
    affine_backward,
    dropout,
    dropout_backward,
    relu,
    relu_backward,
    squared_error,
    squared_error_backward,
)
from ksparse.nn import encoder_decoder as F
from ksparse.training.random_streams import step_generator

RATE = 0.3
MODELS = {
    "k-sparse, dense step": lambda: KSparseAutoencoder(n_hidden=6, k=3, step="dense",
                                                       input_dropout=RATE, pre_bias=True),
    "k-sparse, sparse step": lambda: KSparseAutoencoder(n_hidden=6, k=3, input_dropout=RATE,
                                                        pre_bias=True),
    "denoising": lambda: DenoisingAutoencoder(n_hidden=6, input_dropout=RATE, pre_bias=True),
}


def training_loss(model, params, X):
    """The loss of one training step, with the noise of step 3 of the run seeded 0."""
    return model._training_step(params, X, step=3, total_steps=10, rng=step_generator(0, 3))


@pytest.mark.parametrize("name", MODELS)
def test_a_dropped_entry_is_zero_in_the_data_and_the_encoder_subtracts_b_prime(rng, name):
    model, params = MODELS[name](), autoencoder_params(rng, 5, 6)
    X = rng.random((8, 5))
    keep = step_generator(0, 3).random(X.shape) >= RATE  # the step's mask, drawn first
    X_tilde = np.where(keep, X / (1 - RATE), 0.0)  # (8, 5): the corrupted data
    z = (X_tilde - params["b_prime"]) @ params["W"] + params["b"]  # (8, 6)
    if isinstance(model, KSparseAutoencoder):
        h = np.where(sort_reference_mask(z, 3), z, 0.0)
    else:
        h = np.maximum(z, 0.0)
    X_hat = h @ params["W"].T + params["b_prime"]  # (8, 5): compared with the clean X
    by_hand = ((X_hat - X) ** 2).sum(axis=1).mean()
    assert float(training_loss(model, params, X)[0]) == pytest.approx(by_hand, rel=1e-12)


@pytest.mark.parametrize("name", MODELS)
def test_training_step_gradients_match_finite_differences(rng, name):
    model, params = MODELS[name](), autoencoder_params(rng, 5, 6)
    X = rng.random((8, 5))
    grads = training_loss(model, params, X)[1]
    for key, array in params.items():  # b′ enters the encoder's input and the output
        numeric = numerical_gradient(lambda: training_loss(model, params, X)[0], array)
        np.testing.assert_allclose(grads[key], numeric, rtol=1e-6, atol=1e-9, err_msg=key)


def old_rule_pass(params, X, options, masks):
    """The dense pass before the fix (ReLU units, linear decoder, tied): M ⊙ (x − b′)."""
    W, (M_in, M_h) = params["W"], masks
    X_in = F.encoder_input(X, params, options["pre_bias"])
    X_c = X_in if M_in is None else dropout(X_in, M_in)  # a dropped entry reaches it as 0
    z = affine(X_c, W, params["b"])
    H = relu(z)
    H_d = H if M_h is None else dropout(H, M_h)
    X_hat = F.decode(H_d, W, params["b_prime"])
    loss = options["scale"] * squared_error(X_hat, X)
    dW, db_prime, dH_d = F.decode_backward(options["scale"] * squared_error_backward(X_hat, X),
                                           H_d, W)
    dH = dH_d if M_h is None else dropout_backward(dH_d, M_h)
    dW_enc, db, dX_c = affine_backward(relu_backward(dH, z), X_c, W)
    if options["pre_bias"]:
        db_prime = db_prime - (dX_c if M_in is None else dropout_backward(dX_c, M_in)).sum(axis=0)
    return loss, {"W": dW + dW_enc, "b": db, "b_prime": db_prime}, H


class OldRule(DropoutAutoencoder):
    def _training_step(self, params, X, *, step, total_steps, rng):
        masks = self._masks(X, params["b"].shape[0], rng, np)
        loss, grads, H = old_rule_pass(params, X, self._options(), masks)
        return loss, grads, {"active": (H > 0).any(axis=0)}


@pytest.mark.parametrize("input_dropout, pre_bias, center, changed", [
    (0.0, True, False, False),
    (0.0, True, True, False),
    (0.2, False, False, False),
    (0.2, False, True, False),
    (0.2, True, False, True),  # the only fits the fix changes
    (0.2, True, True, True),
])
def test_dense_fits_change_only_with_input_dropout_and_pre_bias(input_dropout, pre_bias, center,
                                                                changed):
    X = np.random.default_rng(2).random((48, 5)) + 1.0  # a shared mean: b′ starts far from 0
    kw = dict(n_hidden=6, input_dropout=input_dropout, pre_bias=pre_bias, center=center,
              epochs=2, batch_size=16, random_state=0)
    new, old = DropoutAutoencoder(**kw).fit(X), OldRule(**kw).fit(X)
    same = all(getattr(new, a).tobytes() == getattr(old, a).tobytes()
               for a in ("W_", "b_", "b_prime_"))
    assert same == (not changed)
    if not changed:
        assert new.history_ == old.history_
