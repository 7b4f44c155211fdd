"""The JumpReLU model: learned thresholds, the L0 penalty and the straight-through θ gradient.

The smooth part (W, P, b, b′ with the kept set held fixed) against float64
finite differences; θ's pseudo-derivative against the numerical derivative
of the kernel-smoothed loss it stands for, and against values by hand;
the L0 falling as λ grows; bitwise resume, storage and partial_fit.
"""
import numpy as np
import pytest

import ksparse
from ksparse import JumpReLUAutoencoder
from ksparse.models.jumprelu import jump_kernel, jumprelu_loss_and_grads
from _numerical import RecordingGenerator, numerical_gradient


def jump_params(rng, n_features=5, n_hidden=6):
    W = rng.standard_normal((n_features, n_hidden))
    return {"W": W / np.linalg.norm(W, axis=0), "P": rng.standard_normal((n_hidden, n_features)),
            "b": rng.standard_normal(n_hidden) * 0.1, "b_prime": rng.standard_normal(n_features),
            "theta": rng.uniform(0.2, 0.6, n_hidden)}


def encoder_z(params, X):
    return (X - params["b_prime"]) @ params["P"].T + params["b"]  # (n_samples, n_hidden)


def smoothed_step(u, kernel):
    """S(u) = ∫_{−∞}^u K, by hand for each kernel (the step that K smooths)."""
    if kernel == "rectangle":
        return np.clip(u + 0.5, 0.0, 1.0)
    return np.where(u < 0, np.maximum(1 + u, 0) ** 2 / 2, 1 - np.maximum(1 - u, 0) ** 2 / 2)


@pytest.mark.parametrize("kernel", ["rectangle", "triangle"])
def test_kernels_by_hand_and_each_integrates_to_one(kernel):
    u = np.array([-1.5, -0.75, -0.5, -0.25, 0.0, 0.4999, 0.5, 0.9])
    expected = {"rectangle": [0, 0, 0, 1, 1, 1, 0, 0],
                "triangle": [0, 0.25, 0.5, 0.75, 1, 0.5001, 0.5, 0.1]}[kernel]
    np.testing.assert_allclose(jump_kernel(u, kernel), expected, rtol=1e-12)
    grid = np.linspace(-2, 2, 400001)
    assert np.trapezoid(jump_kernel(grid, kernel), grid) == pytest.approx(1.0, abs=1e-4)
    # S is the kernel's integral: its numerical derivative is K (away from the corners)
    inner = u[[0, 3, 4, 7]]  # away from the corners of either kernel
    slope = (smoothed_step(inner + 1e-7, kernel) - smoothed_step(inner - 1e-7, kernel)) / 2e-7
    np.testing.assert_allclose(slope, jump_kernel(inner, kernel), atol=1e-6)


@pytest.mark.parametrize("pre_bias", [True, False])
def test_smooth_gradients_match_finite_differences_with_the_kept_set_fixed(rng, pre_bias):
    params, X = jump_params(rng), rng.standard_normal((4, 5))
    loss, grads, active = jumprelu_loss_and_grads(params, X, 0.3, 0.5, "rectangle", pre_bias)
    def z_of():
        X_in = X - params["b_prime"] if pre_bias else X
        return X_in @ params["P"].T + params["b"]  # (n_samples, n_hidden)

    kept = z_of() > params["theta"]  # held fixed: the loss is smooth there
    np.testing.assert_array_equal(active, kept)

    def total():
        f = z_of() * kept
        X_hat = f @ params["W"].T + params["b_prime"]
        return ((X_hat - X) ** 2).sum() / 4 + 0.3 * kept.sum() / 4

    assert float(loss) == pytest.approx(total(), rel=1e-12)
    for name in ("W", "P", "b", "b_prime"):
        np.testing.assert_allclose(grads[name], numerical_gradient(total, params[name]),
                                   rtol=1e-5, atol=1e-8, err_msg=name)


@pytest.mark.parametrize("kernel", ["rectangle", "triangle"])
def test_theta_gradient_is_the_derivative_of_the_kernel_smoothed_loss(rng, kernel):
    """E with each step H(z − θ) replaced by S((z − θ)/ε) and the jump's height held at θ₀.

    Its θ-derivative at θ₀ is the paper's −Σ (g θ + λ/B) K((z − θ)/ε)/ε.
    """
    params, X = jump_params(rng), rng.standard_normal((16, 5))
    eps, lam = 1.0, 0.3
    _, grads, _ = jumprelu_loss_and_grads(params, X, lam, eps, kernel)
    z = encoder_z(params, X)
    theta0 = params["theta"].copy()
    assert (np.abs(z - theta0) < eps / 2).sum() >= 4  # rows inside the window: θ learns
    base = z * (z > theta0)

    def smoothed():
        theta = params["theta"]
        moved = smoothed_step((z - theta) / eps, kernel) - smoothed_step((z - theta0) / eps, kernel)
        X_hat = (base + theta0 * moved) @ params["W"].T + params["b_prime"]
        return ((X_hat - X) ** 2).sum() / 16 + lam * smoothed_step((z - theta) / eps, kernel).sum() / 16

    np.testing.assert_allclose(grads["theta"], numerical_gradient(smoothed, params["theta"]),
                               rtol=1e-6, atol=1e-9)
    assert np.any(grads["theta"] != 0)


@pytest.mark.parametrize("kernel, expected", [("rectangle", 0.625),
                                              ("triangle", (0.2 * 0.75 + 0.55 * 0.875) / 1.2)])
def test_theta_gradient_on_a_case_by_hand(kernel, expected):
    # one latent, z = 0.6 x: rows z = 0.6 (kept, inside ε), 1.2 (kept, outside), 0.45 (not
    # kept, inside); θ = 0.5, ε = 0.4, λ = 0.2, x̂ = f, so g_i = 2 (f_i − x_i) / 3.
    params = {"W": np.ones((1, 1)), "P": np.full((1, 1), 0.6), "b": np.zeros(1),
              "b_prime": np.zeros(1), "theta": np.array([0.5])}
    X = np.array([[1.0], [2.0], [0.75]])
    loss, grads, active = jumprelu_loss_and_grads(params, X, 0.2, 0.4, kernel, pre_bias=False)
    assert float(loss) == pytest.approx((0.16 + 0.64 + 0.5625) / 3 + 0.2 * 2 / 3, rel=1e-12)
    np.testing.assert_array_equal(active[:, 0], [True, True, False])
    # rectangle: −2.5 [(−0.8/3 · 0.5 + 0.2/3) + (−1.5/3 · 0.5 + 0.2/3)] = 0.625
    assert float(grads["theta"][0]) == pytest.approx(expected, rel=1e-12)
    assert float(grads["b"][0]) == pytest.approx(2 * (-0.4 - 0.8) / 3, rel=1e-12)  # kept rows


def jump(**kw):
    settings = dict(n_hidden=12, l0_weight=0.1, bandwidth=0.1, threshold_init=0.1, epochs=4,
                    batch_size=16, learning_rate=1e-2, dead_steps=3, random_state=0,
                    verbose=False)
    return JumpReLUAutoencoder(**{**settings, **kw})


def sparse_data(n=200):
    rng = np.random.default_rng(0)
    sources = (rng.random((n, 12)) < 0.25) * rng.random((n, 12))
    return sources @ rng.standard_normal((12, 8)) + 0.05 * rng.standard_normal((n, 8))


def test_the_l0_falls_as_lambda_grows():
    X = sparse_data()
    l0, fvu = [], []
    for lam in (0.0, 0.1, 0.3, 1.0):
        model = jump(l0_weight=lam, epochs=10, batch_size=20).fit(X)
        l0.append(float((model.transform(X) != 0).sum(axis=1).mean()))
        fvu.append(model.fraction_of_variance_unexplained(X))
    assert all(a > b + 0.3 for a, b in zip(l0, l0[1:])), l0
    assert fvu == sorted(fvu), fvu  # sparser codes reconstruct worse


def test_transform_keeps_what_clears_each_threshold_and_theta_stays_positive(rng):
    X = sparse_data(64)
    model = jump().fit(X, X_val=X)
    layer = model.encoder_layer()
    z = (X - layer.centre) @ layer.W + layer.b
    np.testing.assert_array_equal(model.transform(X), np.where(z > model.theta_, z, 0.0))
    assert model.history_[-1]["val_l0"] == (model.transform(X) != 0).sum() / 64
    assert np.all(model.theta_ > 0) and not np.allclose(model.theta_, 0.1)  # θ learned
    params = model._parameters()
    params["theta"][:3] = -1.0
    model._after_step(params, {"active": np.ones(12, bool)})
    assert np.all(model.theta_[:3] == np.finfo(np.float64).eps)  # clipped, in place
    with pytest.raises(ValueError, match="reads at its thresholds theta_"):
        model.transform(X, k=3)
    with pytest.raises(ValueError, match="kernel must be 'rectangle' or 'triangle'"):
        jump(kernel="gaussian").fit(X)
    with pytest.raises(ValueError, match="bandwidth"):
        jump(bandwidth=0.0).fit(X)


def test_resume_mid_run_is_bitwise_identical(tmp_path):
    X = np.random.default_rng(0).random((70, 6))
    reference = jump(kernel="triangle").fit(X)

    def stop(model, epoch, logs):
        if epoch == 1:
            raise KeyboardInterrupt

    path = tmp_path / "run.ckpt"
    with pytest.raises(KeyboardInterrupt):
        jump(kernel="triangle").fit(X, checkpoint=path, callbacks=[stop])
    resumed = jump(kernel="triangle").fit(X, checkpoint=path, resume=True)
    for name in ("W_", "P_", "b_", "b_prime_", "steps_idle_", "theta_"):
        assert np.array_equal(getattr(resumed, name), getattr(reference, name)), name
    assert resumed.history_ == reference.history_


def test_save_load_round_trip_keeps_the_thresholds(tmp_path):
    X = np.random.default_rng(0).random((40, 6))
    model = jump(epochs=1).fit(X)
    model.save(tmp_path / "m.npz")
    loaded = ksparse.load(tmp_path / "m.npz")
    assert type(loaded) is JumpReLUAutoencoder and loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(loaded.theta_, model.theta_)
    np.testing.assert_array_equal(loaded.transform(X), model.transform(X))
    assert loaded.score(X) == model.score(X)


def test_partial_fit_continues_fit_like_a_longer_fit():
    X = np.random.default_rng(1).random((48, 6))
    longer = jump(epochs=3, random_state=RecordingGenerator(5)).fit(X)
    orders_longer = longer.random_state.orders
    shorter = jump(epochs=2, random_state=RecordingGenerator(5)).fit(X)
    theta_after_fit = shorter.theta_.copy()
    shorter.partial_fit(X[orders_longer[-1]])
    assert not np.array_equal(shorter.theta_, theta_after_fit)
    for name in ("W_", "P_", "b_", "b_prime_", "steps_idle_", "theta_"):
        np.testing.assert_array_equal(getattr(shorter, name), getattr(longer, name), err_msg=name)


def test_l0_warm_up_rises_linearly_over_the_first_half_by_hand():
    model = jump(l0_weight=0.1, l0_weight_start=0.02)
    total = 40  # the ramp: steps 0-20
    expected = {0: 0.02, 5: 0.04, 10: 0.06, 19: 0.096, 20: 0.1, 39: 0.1}
    for step, value in expected.items():
        assert model._l0_at(step, total) == pytest.approx(value, abs=1e-15), step
    assert jump(l0_weight=0.1)._l0_at(0, total) == 0.1  # no warm-up: λ from the start


def test_l0_warm_up_is_what_the_steps_use_and_is_logged(rng):
    X = np.random.default_rng(0).random((64, 6))  # 4 steps an epoch, 16 in all: ramp of 8
    fixed = jump().fit(X)
    same = jump(l0_weight_start=0.1).fit(X)  # a ramp from λ to λ: the same run, bit for bit
    warm = jump(l0_weight_start=0.0).fit(X)
    for name in ("W_", "P_", "theta_"):
        assert np.array_equal(getattr(same, name), getattr(fixed, name)), name
        assert not np.array_equal(getattr(warm, name), getattr(fixed, name)), name
    assert "l0_weight" not in fixed.history_[0]
    # λ at each epoch's last step (3, 7, 11, 15) of the ramp 0 -> 0.1 over 8 steps
    assert [h["l0_weight"] for h in warm.history_] == pytest.approx([0.0375, 0.0875, 0.1, 0.1])


def test_l0_warm_up_resumes_bitwise_and_partial_fit_asks_for_its_length(tmp_path):
    X = np.random.default_rng(0).random((70, 6))
    reference = jump(l0_weight_start=0.0).fit(X)

    def stop(model, epoch, logs):
        if epoch == 1:
            raise KeyboardInterrupt

    path = tmp_path / "run.ckpt"
    with pytest.raises(KeyboardInterrupt):
        jump(l0_weight_start=0.0).fit(X, checkpoint=path, callbacks=[stop])
    resumed = jump(l0_weight_start=0.0).fit(X, checkpoint=path, resume=True)
    for name in ("W_", "P_", "b_", "b_prime_", "steps_idle_", "theta_"):
        assert np.array_equal(getattr(resumed, name), getattr(reference, name)), name
    assert resumed.history_ == reference.history_
    with pytest.raises(ValueError, match="total_steps.*l0_weight_start"):
        jump(l0_weight_start=0.0).partial_fit(X)


@pytest.mark.parametrize("value", [-0.1, float("nan"), "0"])
def test_l0_weight_start_is_checked_by_name(value):
    with pytest.raises((ValueError, TypeError), match="l0_weight_start"):
        jump(l0_weight_start=value).fit(np.ones((8, 6)))
