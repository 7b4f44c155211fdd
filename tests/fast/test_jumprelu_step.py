"""JumpReLU's sparse step against the readable pass (ksparse.models.jumprelu), in float64."""
import numpy as np
import pytest
from _numerical import autoencoder_params

from ksparse import JumpReLUAutoencoder
from ksparse.fast import jumprelu_step as J
from ksparse.models.jumprelu import jumprelu_loss_and_grads
from ksparse.nn.jump_kernel import jump_kernel

N_FEATURES, N_HIDDEN, N_SAMPLES = 9, 40, 23
L0_WEIGHT, BANDWIDTH = 0.3, 0.6


def jump_case(rng, dtype=np.float64):
    """Data, parameters and thresholds that keep a few latents per row, unevenly."""
    X = rng.standard_normal((N_SAMPLES, N_FEATURES)).astype(dtype)
    params = autoencoder_params(rng, N_FEATURES, N_HIDDEN, tied=False, dtype=dtype)
    z = (X - params["b_prime"]) @ params["P"].T + params["b"]  # (n_samples, n_hidden)
    params["theta"] = np.quantile(z, 0.85, axis=0).astype(dtype)  # ~6 kept per row
    return X, params, z


def support_parts(z, theta, kernel):
    """Per row: kept latents, and latents only in the kernel's window (not kept)."""
    active = z > theta
    window = jump_kernel((z - theta) / BANDWIDTH, kernel) != 0
    return active, window & ~active


@pytest.mark.parametrize("kernel", ["rectangle", "triangle"])
@pytest.mark.parametrize("pre_bias", [True, False])
def test_sparse_step_matches_the_readable_pass(rng, kernel, pre_bias):
    X, params, z = jump_case(rng)
    if not pre_bias:
        z = X @ params["P"].T + params["b"]
    theta = params["theta"] = np.maximum(params["theta"], z[0] + 1.01 * BANDWIDTH)  # row 0: none
    active, window_only = support_parts(z, theta, kernel)
    widths = (active | window_only).sum(axis=1)
    # The case exercises what the sparse step must get right: latents that θ learns
    # from without keeping them, rows of unequal width (padding), a row keeping none.
    assert window_only.any() and widths[0] == 0 and widths.max() > widths[1:].min() > 0
    dense = jumprelu_loss_and_grads(params, X, L0_WEIGHT, BANDWIDTH, kernel, pre_bias)
    sparse = J.sparse_jumprelu_loss_and_grads(params, X, L0_WEIGHT, BANDWIDTH, kernel, pre_bias)
    assert not dense[2][0].any()
    np.testing.assert_allclose(sparse[0], dense[0], rtol=1e-12)
    assert set(sparse[1]) == set(dense[1])
    for name, grad in dense[1].items():
        assert sparse[1][name].shape == grad.shape and sparse[1][name].dtype == grad.dtype
        np.testing.assert_allclose(sparse[1][name], grad, rtol=1e-11, atol=1e-12, err_msg=name)
    assert np.array_equal(sparse[2], dense[2])


def test_theta_learns_from_the_window_outside_the_kept_latents(rng):
    # Latents 0-4: θ just above every row's z (no row keeps them, the top row lies in the
    # window); latents 5-9: θ far above (in no row's support). Only the first learn.
    X, params, z = jump_case(rng)
    params["theta"][:5] = z[:, :5].max(axis=0) + 0.25 * BANDWIDTH
    params["theta"][5:10] = z[:, 5:10].max(axis=0) + 2 * BANDWIDTH
    dense = jumprelu_loss_and_grads(params, X, L0_WEIGHT, BANDWIDTH)[1]["theta"]
    dtheta = J.sparse_jumprelu_loss_and_grads(params, X, L0_WEIGHT, BANDWIDTH)[1]["theta"]
    assert np.all(dtheta[:5] != 0) and np.all(dtheta[5:10] == 0)
    np.testing.assert_allclose(dtheta[:10], dense[:10], rtol=1e-11, atol=1e-12)


def test_a_dense_code_goes_to_the_readable_pass(rng, monkeypatch):
    # The widest row's support against WIDEST_SHARE of the latents: at it, sparse; above, dense.
    X, params, z = jump_case(rng)
    active, window_only = support_parts(z, params["theta"], "rectangle")
    widest = int((active | window_only).sum(axis=1).max())
    calls = []

    def dense_pass(*args):
        calls.append(args)
        return jumprelu_loss_and_grads(*args)

    def step():
        return J.sparse_jumprelu_loss_and_grads(params, X, L0_WEIGHT, BANDWIDTH,
                                                dense_pass=dense_pass)

    monkeypatch.setattr(J, "WIDEST_SHARE", widest / N_HIDDEN)
    step()
    assert calls == []
    monkeypatch.setattr(J, "WIDEST_SHARE", (widest - 0.5) / N_HIDDEN)
    step()
    assert len(calls) == 1
    monkeypatch.undo()
    params["theta"][:] = -1e3  # every latent kept: wider than the default quarter
    assert step()[2].all() and len(calls) == 2


def test_models_train_alike_with_either_step(rng, monkeypatch):
    monkeypatch.setattr(J, "WIDEST_SHARE", 1.0)  # the sparse pass at every step, dense code or not
    X = rng.standard_normal((64, N_FEATURES)) + 0.2
    common = dict(n_hidden=N_HIDDEN, l0_weight=0.05, bandwidth=0.2, threshold_init=0.8, epochs=2,
                  batch_size=16, dtype=np.float64, random_state=3, verbose=False)
    fits = [JumpReLUAutoencoder(step=step, **common).fit(X) for step in ("sparse", "dense")]
    for name in ("W_", "P_", "b_", "b_prime_", "theta_"):
        np.testing.assert_allclose(getattr(fits[0], name), getattr(fits[1], name), rtol=1e-9,
                                   atol=1e-12, err_msg=name)
    assert fits[0].history_[-1]["loss"] == pytest.approx(fits[1].history_[-1]["loss"], rel=1e-10)


def test_step_is_checked_by_name():
    with pytest.raises(ValueError, match="step"):
        JumpReLUAutoencoder(step="fast").fit(np.ones((4, 3)))


def test_float32_in_float32_out(rng):
    X, params, _ = jump_case(rng, dtype=np.float32)
    dense = jumprelu_loss_and_grads(params, X, L0_WEIGHT, BANDWIDTH)
    sparse = J.sparse_jumprelu_loss_and_grads(params, X, L0_WEIGHT, BANDWIDTH)
    assert sparse[0].dtype == np.float32
    for name, grad in dense[1].items():
        assert sparse[1][name].dtype == grad.dtype == np.float32, name
        np.testing.assert_allclose(sparse[1][name], grad, rtol=1e-4, atol=1e-5, err_msg=name)
