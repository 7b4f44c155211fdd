import numpy as np
import pytest

from ksparse.nn.optim import MomentumSGD


def test_two_momentum_steps_match_equation_11_by_hand():
    w = np.array([1.0, -2.0])
    opt = MomentumSGD({"w": w}, momentum=0.9)
    g1, g2 = np.array([0.5, 1.0]), np.array([-1.0, 2.0])
    opt.step({"w": g1}, 0.1)
    # v1 = 0.9*0 - 0.1*g1 = (-0.05, -0.1); w1 = (0.95, -2.1)
    np.testing.assert_allclose(opt.velocity["w"], [-0.05, -0.1])
    np.testing.assert_allclose(w, [0.95, -2.1])
    opt.step({"w": g2}, 0.2)
    # v2 = 0.9*v1 - 0.2*g2 = (-0.045 + 0.2, -0.09 - 0.4) = (0.155, -0.49)
    np.testing.assert_allclose(opt.velocity["w"], [0.155, -0.49])
    np.testing.assert_allclose(w, [1.105, -2.59])


def test_parameters_are_updated_in_place():
    w = np.zeros(3)
    opt = MomentumSGD({"w": w}, momentum=0.0)
    opt.step({"w": np.ones(3)}, 0.5)
    assert opt.params["w"] is w
    assert np.array_equal(w, [-0.5, -0.5, -0.5])


def test_two_adam_steps_match_a_hand_computation():
    from ksparse.nn.optim import Adam

    w = np.array([1.0, -1.0])
    opt = Adam({"w": w}, beta1=0.5, beta2=0.75, eps=0.0)
    g1, g2 = np.array([2.0, -4.0]), np.array([1.0, 1.0])
    opt.step({"w": g1}, 0.1)
    # m = g1/2, v = g1²/4; bias-corrected m̂ = g1, v̂ = g1²: step = sign(g1).
    np.testing.assert_allclose(w, [0.9, -0.9])
    opt.step({"w": g2}, 0.1)
    m = 0.5 * (0.5 * g1) + 0.5 * g2
    v = 0.75 * (0.25 * g1**2) + 0.25 * g2**2
    expected = np.array([0.9, -0.9]) - 0.1 * (m / (1 - 0.25)) / np.sqrt(v / (1 - 0.5625))
    np.testing.assert_allclose(w, expected)
    state = opt.get_state()
    assert int(state["adam_t"]) == 2
    fresh = Adam({"w": w.copy()}, beta1=0.5, beta2=0.75, eps=0.0)
    fresh.set_state(state)
    assert fresh.t == 2 and np.array_equal(fresh.m["w"], opt.m["w"])


def reference_momentum(w, grads, lrs, momentum):
    """Eq. (11) written out with fresh arrays: v ← m v − η g, w ← w + v."""
    v = np.zeros_like(w)
    for g, lr in zip(grads, lrs):
        v = momentum * v - lr * g
        w = w + v
    return w, v


def reference_adam(w, grads, lr, beta1, beta2, eps):
    """Adam as printed by Kingma & Ba: bias-corrected moments, ε outside the root."""
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    return w


@pytest.mark.parametrize("order", ["C", "F"])
def test_momentum_matches_equation_11_over_several_steps(rng, order):
    params = {"W": np.asarray(rng.standard_normal((5, 4)), order=order),
              "b": rng.standard_normal(4)}
    start = {n: p.copy() for n, p in params.items()}
    grads = [{n: rng.standard_normal(p.shape) for n, p in params.items()} for _ in range(6)]
    lrs = [0.1, 0.05, 0.2, 0.01, 0.3, 0.07]
    opt = MomentumSGD(params, momentum=0.8)
    for g, lr in zip(grads, lrs):
        opt.step(g, lr)
    for name in params:
        w, v = reference_momentum(start[name], [g[name] for g in grads], lrs, 0.8)
        np.testing.assert_allclose(params[name], w, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(opt.velocity[name], v, rtol=1e-13, atol=1e-15)


def test_adam_matches_the_paper_formula_where_eps_matters(rng):
    from ksparse.nn.optim import Adam

    w0 = rng.standard_normal((3, 7))
    # Gradients of the order of ε: √v̂ ≈ |g| ≈ ε, so ε changes the step.
    grads = [rng.standard_normal((3, 7)) * 1e-8 for _ in range(5)]
    results = {}
    for eps in (1e-8, 0.0):
        w = w0.copy()
        opt = Adam({"w": w}, beta1=0.8, beta2=0.95, eps=eps)
        for g in grads:
            opt.step({"w": g}, 0.01)
        np.testing.assert_allclose(w, reference_adam(w0, grads, 0.01, 0.8, 0.95, eps),
                                   rtol=1e-13, atol=1e-15)
        results[eps] = w - w0
    assert np.abs(results[1e-8] - results[0.0]).max() > 0.1 * np.abs(results[0.0]).max()


@pytest.mark.parametrize("name", ["momentum", "adam"])
def test_step_leaves_the_gradients_alone(rng, name):
    from ksparse.nn.optim import Adam

    params = {"w": rng.standard_normal((4, 3))}
    opt = MomentumSGD(params, 0.9) if name == "momentum" else Adam(params)
    g = rng.standard_normal((4, 3))
    before = g.copy()
    for _ in range(3):
        opt.step({"w": g}, 0.1)
    assert np.array_equal(g, before)


def textbook_adam(w, grads, lrs, beta1, beta2, eps):
    """Adam with fresh arrays, each product and quotient in the order the optimizer uses.

    Bitwise comparison needs the same operations in the same order:
    ``(1 − β₂)·g·g`` (not ``g**2``), m̂ = m·(1 / (1 − β₁ᵗ)), and η times the
    whole quotient.
    """
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t, (g, lr) in enumerate(zip(grads, lrs), start=1):
        m = beta1 * m + (1.0 - beta1) * g
        v = beta2 * v + (1.0 - beta2) * g * g
        m_hat, v_hat = m * (1.0 / (1.0 - beta1**t)), v * (1.0 / (1.0 - beta2**t))
        w = w - lr * (m_hat / (np.sqrt(v_hat) + eps))
    return w, m, v


def parameter(rng, layout, dtype):
    """A (9, 13) parameter in C or Fortran order, or a strided view into a larger array."""
    values = rng.standard_normal((9, 13)).astype(dtype)
    if layout == "strided":
        w = np.zeros((9, 26), dtype)[:, ::2]
        w[...] = values
        return w
    return np.asarray(values, order=layout)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["C", "F", "strided"])
@pytest.mark.parametrize("name", ["momentum", "adam"])
def test_the_in_place_update_is_bitwise_the_textbook_expression(rng, name, layout, dtype):
    from ksparse.nn.optim import Adam

    w = parameter(rng, layout, dtype)
    w0 = w.copy()
    grads = [rng.standard_normal((9, 13)).astype(dtype) for _ in range(5)]
    lrs = [0.01, 0.003, 0.02, 0.007, 0.011]  # a schedule: η changes every step
    if name == "momentum":
        opt = MomentumSGD({"w": w}, 0.9)
        expected = reference_momentum(w0, grads, lrs, 0.9)
        state = [opt.velocity["w"]]
    else:
        opt = Adam({"w": w}, beta1=0.8, beta2=0.95, eps=1e-6)
        expected = textbook_adam(w0, grads, lrs, 0.8, 0.95, 1e-6)
        state = [opt.m["w"], opt.v["w"]]
    for g, lr in zip(grads, lrs):
        opt.step({"w": g}, lr)
    assert opt.params["w"] is w and w.dtype == dtype  # in place, in the parameter's dtype
    for got, want in zip([w] + state, expected):
        assert want.dtype == dtype
        assert np.array_equal(got, want)


def test_adam_with_its_defaults_takes_two_textbook_steps():
    # β₁ = 0.9, β₂ = 0.999, ε = 1e-8, written here by hand (float64).
    rng = np.random.default_rng(3)
    w0 = rng.standard_normal(5)
    grads = [rng.standard_normal(5), rng.standard_normal(5)]
    from ksparse.nn.optim import Adam

    params = {"w": w0.copy()}
    opt = Adam(params)
    w, m, v = w0.copy(), np.zeros(5), np.zeros(5)
    for t, g in enumerate(grads, start=1):
        opt.step({"w": g}, 0.01)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w = w - 0.01 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    np.testing.assert_allclose(params["w"], w, rtol=1e-12, atol=0)


@pytest.mark.parametrize("t", [3, np.uint32(3), np.int64(3), np.array(3, dtype=np.uint8)])
def test_adam_restores_any_integer_step_count(t):
    from ksparse.nn.optim import Adam

    opt = Adam({"w": np.zeros(2)})
    state = dict(opt.get_state(), adam_t=t)
    opt.set_state(state)
    assert opt.t == 3 and isinstance(opt.t, int)


@pytest.mark.parametrize("t", [np.array(2.5), np.float64(2.0), 2.0, True, np.array([3]), -1])
def test_adam_refuses_a_step_count_that_is_not_a_whole_number_or_negative(t):
    from ksparse.nn.optim import Adam

    opt = Adam({"w": np.zeros(2)})
    with pytest.raises(ValueError, match="adam_t must be an integer >= 0"):
        opt.set_state(dict(opt.get_state(), adam_t=t))


def test_adam_with_numpy_scalar_settings_is_bitwise_adam_with_python_floats(rng):
    # np.float64(β₁) · a float32 array is float64 under NEP 50: the update would
    # be computed in float64 and rounded back, differing in the last bits.
    from ksparse.nn.optim import Adam

    w0 = rng.standard_normal(1000).astype(np.float32)
    grads = [rng.standard_normal(1000).astype(np.float32) for _ in range(20)]
    results = []
    for settings in [(0.9, 0.999, 1e-8), tuple(np.float64(s) for s in (0.9, 0.999, 1e-8))]:
        params = {"w": w0.copy()}
        opt = Adam(params, *settings)
        for g in grads:
            opt.step({"w": g}, 1e-3)
        results.append([params["w"], opt.m["w"], opt.v["w"]])
    for got, want in zip(results[1], results[0]):
        assert got.dtype == np.float32 and got.tobytes() == want.tobytes()
    assert all(type(s) is float for s in (opt.beta1, opt.beta2, opt.eps))
