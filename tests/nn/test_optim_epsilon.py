"""Adam's ε sits outside the square root (ksparse.nn.optim.Adam), checked by hand over two steps.

The existing hand check of Adam uses ε = 0, where the placement of ε cannot
show; here ε = 1e-2 is of the size of √v̂, so √v̂ + ε and √(v̂ + ε) differ
by tens of percent.
"""
import math

import numpy as np
import pytest

from ksparse.nn.optim import Adam


def hand_adam(w, grads, lr, beta1, beta2, eps):
    """Adam written out entry by entry with Python floats (Kingma & Ba, Algorithm 1)."""
    w, m, v = list(w), [0.0] * len(w), [0.0] * len(w)
    for t, g in enumerate(grads, start=1):
        for i, gi in enumerate(g):
            m[i] = beta1 * m[i] + (1 - beta1) * gi
            v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
            m_hat, v_hat = m[i] / (1 - beta1**t), v[i] / (1 - beta2**t)
            w[i] -= lr * m_hat / (math.sqrt(v_hat) + eps)
    return w


@pytest.mark.parametrize("beta1, beta2", [(0.9, 0.999), (0.5, 0.75)])
def test_two_adam_steps_with_epsilon_match_a_hand_computation(beta1, beta2):
    w0 = [0.5, -1.0, 2.0]
    g1, g2 = [0.1, -0.02, 3.0], [0.05, 0.01, -1.0]
    w = np.array(w0)
    opt = Adam({"w": w}, beta1=beta1, beta2=beta2, eps=1e-2)
    opt.step({"w": np.array(g1)}, 0.1)
    np.testing.assert_allclose(w, hand_adam(w0, [g1], 0.1, beta1, beta2, 1e-2), rtol=1e-14)
    opt.step({"w": np.array(g2)}, 0.1)
    np.testing.assert_allclose(w, hand_adam(w0, [g1, g2], 0.1, beta1, beta2, 1e-2), rtol=1e-14)


def test_first_adam_step_by_hand():
    # Step 1: m̂ = g, v̂ = g², so the step is η g / (|g| + ε) = 0.1 · 0.1 / 0.11.
    w = np.array([0.0])
    Adam({"w": w}, eps=1e-2).step({"w": np.array([0.1])}, 0.1)
    assert w[0] == pytest.approx(-0.01 / 0.11, rel=1e-14)
    # ε inside the root would give 0.1 · 0.1 / √0.02 = 0.0707: far outside the tolerance.
