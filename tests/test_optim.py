import numpy as np

from ksparse.optim import MomentumSGD


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
    from ksparse.optim import Adam

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
