"""The denoising k-sparse autoencoder: corrupted rows in, clean rows as the target.

The gradient with a separate target is checked against central finite
differences of a loss written here in plain NumPy (float64); the model's
step against that gradient with the corruption mask pinned by the test.
"""
import numpy as np
import pytest
import scipy.sparse

import ksparse.models.k_sparse
from ksparse import KSparseAutoencoder
from ksparse.models import k_sparse as F
from ksparse.fast import sparse_step as S

from _numerical import autoencoder_params, numerical_gradient


def loss_by_hand(params, X_in, T, k, pre_bias):
    """mean_i ‖t_i − (W z_Γ + b′)‖², z = W_encᵀ x̃ + b, Γ the k largest (by sorting)."""
    W_enc = params["W"] if "P" not in params else params["P"].T
    source = X_in - params["b_prime"] if pre_bias else X_in
    z = source @ W_enc + params["b"]
    keep = np.argsort(-z, axis=1)[:, :k]
    z_k = np.zeros_like(z)
    np.put_along_axis(z_k, keep, np.take_along_axis(z, keep, axis=1), axis=1)
    X_hat = z_k @ params["W"].T + params["b_prime"]
    return ((T - X_hat) ** 2).sum(axis=1).mean()


@pytest.mark.parametrize("pass_", [F.loss_and_grads, S.sparse_loss_and_grads],
                         ids=["dense", "sparse"])
@pytest.mark.parametrize("tied", [True, False])
@pytest.mark.parametrize("pre_bias", [False, True])
def test_gradient_with_a_separate_target_matches_finite_differences(rng, pass_, tied, pre_bias):
    params = autoencoder_params(rng, 6, 9, tied=tied)
    T = rng.standard_normal((5, 6))
    X_in = T * (rng.random(T.shape) > 0.3)  # corrupted copy of the target
    loss, grads, _ = pass_(params, X_in, 3, pre_bias, target=T)
    assert float(loss) == pytest.approx(loss_by_hand(params, X_in, T, 3, pre_bias), rel=1e-12)
    for name, array in params.items():
        expected = numerical_gradient(lambda: loss_by_hand(params, X_in, T, 3, pre_bias), array)
        np.testing.assert_allclose(grads[name], expected, rtol=1e-6, atol=1e-8, err_msg=name)


def test_the_target_changes_the_gradient_only_through_the_decoder(rng):
    params = autoencoder_params(rng, 6, 9)
    X = rng.standard_normal((5, 6))
    _, same, mask = S.sparse_loss_and_grads(params, X, 3)
    _, other, other_mask = S.sparse_loss_and_grads(params, X, 3, target=X + 1.0)
    np.testing.assert_array_equal(mask, other_mask)  # the selection depends on the input only
    assert not np.allclose(same["b_prime"], other["b_prime"])


def pinned_mask(monkeypatch):
    """Make the model's corruption mask a known one: columns 0 and 3 of every row dropped.

    The same for every row, so the minibatch order does not matter. Returns
    the list of masks handed out.
    """
    handed = []

    def mask(shape, rate, rng, dtype):
        keep = np.broadcast_to(np.arange(shape[1]) % 3 != 0, shape).astype(dtype) / (1 - rate)
        handed.append(keep)
        return keep

    monkeypatch.setattr(ksparse.models.k_sparse, "dropout_mask", mask)
    return handed


@pytest.mark.parametrize("step", ["sparse", "dense"])
def test_one_step_encodes_the_corrupted_rows_and_reconstructs_the_clean_ones(
        rng, monkeypatch, step):
    handed = pinned_mask(monkeypatch)
    X = rng.standard_normal((8, 6))
    settings = dict(n_hidden=9, k=3, epochs=1, batch_size=8, momentum=0.0, learning_rate=0.1,
                    random_state=0, step=step)
    # The initial parameters: the same seed, and a step far below one ulp of them.
    initial = KSparseAutoencoder(**dict(settings, learning_rate=1e-300)).fit(X)
    model = KSparseAutoencoder(**settings, input_dropout=0.25).fit(X)
    (keep,) = handed[-1:]
    assert keep.shape == (8, 6) and set(np.unique(keep)) == {0.0, 1 / 0.75}
    params = {"W": np.array(initial.W_), "b": np.array(initial.b_),
              "b_prime": np.array(initial.b_prime_)}
    W_grad = numerical_gradient(lambda: loss_by_hand(params, X * keep, X, 3, False),
                                params["W"])
    np.testing.assert_allclose(model.W_, initial.W_ - 0.1 * W_grad, rtol=1e-6, atol=1e-8)


def test_denoising_takes_sparse_input_densified_with_the_same_result(rng):
    X = rng.random((20, 6)) * (rng.random((20, 6)) < 0.4)
    settings = dict(n_hidden=9, k=3, epochs=2, batch_size=5, random_state=1,
                    input_dropout=0.2)
    dense = KSparseAutoencoder(**settings).fit(X)
    sparse = KSparseAutoencoder(**settings).fit(scipy.sparse.csr_matrix(X))
    np.testing.assert_allclose(sparse.W_, dense.W_, rtol=1e-12)
    plain = KSparseAutoencoder(**dict(settings, input_dropout=0.0)).fit(X)
    assert not np.allclose(plain.W_, dense.W_)  # the corruption did change training


@pytest.mark.parametrize("rate", [1.0, -0.1, 2])
def test_input_dropout_is_validated_before_training(rng, rate):
    model = KSparseAutoencoder(n_hidden=4, k=2, input_dropout=rate)
    with pytest.raises((TypeError, ValueError), match="input_dropout"):
        model.fit(rng.random((6, 3)))
    assert not hasattr(model, "W_")
