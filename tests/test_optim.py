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
