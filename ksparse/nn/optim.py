"""Stochastic gradient descent with momentum, as equation 11 of the paper (§4.2.2).

    v_{k+1} = m_k v_k − η_k ∇f(x_k)
    x_{k+1} = x_k + v_{k+1}

The paper prints the second line as x_{k+1} = x_k + v_k, a misprint: read
literally, each gradient would move the parameters one step late and the
first step (v_0 = 0) not at all. The update here is the standard classical
momentum: the new velocity v_{k+1} first, then the parameters move by it
(the gradient taken at x_k, not at Nesterov's look-ahead point).

The optimizer owns one velocity array per parameter and updates parameters
in place, so a model's fitted attributes always show the current weights.
Each line of an update is one in-place NumPy (or CuPy) operation over the
whole parameter, in the order of the formulas. A Python float times a
float32 array stays float32 (NumPy 2, NEP 50), so float32 parameters are
updated in float32 throughout.
"""
__all__ = ["MomentumSGD", "Adam"]

import numpy as np

from ..backend import get_array_module


class MomentumSGD:
    """SGD with classical momentum on a dict of parameter arrays.

    Parameters
    ----------
    params : dict of arrays
        Updated in place by :meth:`step`.
    momentum : float, 0 <= momentum < 1
        m in Eq. (11).

    Attributes
    ----------
    velocity : dict of arrays
        v in Eq. (11), zero at the start; same keys and shapes as ``params``.

    Notes
    -----
    .. math::

        v \\leftarrow m\\, v - \\eta\\, \\nabla f, \\qquad w \\leftarrow w + v
    """

    def __init__(self, params, momentum):
        self.params = params
        # A Python float: a NumPy scalar would promote float32 updates to float64 (NEP 50).
        self.momentum = float(momentum)
        self.velocity = {
            name: get_array_module(p).zeros_like(p) for name, p in params.items()
        }

    def get_state(self):
        """Arrays that, with the parameters, determine all future updates."""
        return {f"velocity/{name}": v for name, v in self.velocity.items()}

    def set_state(self, state):
        """Restore what :meth:`get_state` returned (copied into the velocity arrays)."""
        for name, v in self.velocity.items():
            v[...] = state[f"velocity/{name}"]

    def step(self, grads, learning_rate):
        """Apply one update with learning rate η to every parameter in ``grads``.

        ``grads`` holds arrays of the parameters' dtype; it is not modified.
        """
        learning_rate = float(learning_rate)  # as the momentum: no NumPy-scalar promotion
        for name, grad in grads.items():
            w, v = self.params[name], self.velocity[name]
            v *= self.momentum  # v ← m·v − η·∇E
            v -= learning_rate * grad
            w += v  # w ← w + v


class Adam:
    """Adam (Kingma & Ba, 2015), offered as an alternative to the paper's equation 11.

    Not part of the paper's recipe; useful where momentum SGD leaves many
    hidden units dead (see the documentation's results page).

    Parameters
    ----------
    params : dict of arrays
        Updated in place by :meth:`step`.
    beta1, beta2 : float
        Decay rates of the first and second moment estimates.
    eps : float
        Added to the root of the second moment.

    Notes
    -----
    .. math::

        m \\leftarrow \\beta_1 m + (1-\\beta_1) g, \\quad
        v \\leftarrow \\beta_2 v + (1-\\beta_2) g^2, \\quad
        w \\leftarrow w - \\eta\\,
            \\frac{m / (1-\\beta_1^t)}{\\sqrt{v / (1-\\beta_2^t)} + \\epsilon}
    """

    def __init__(self, params, beta1=0.9, beta2=0.999, eps=1e-8):
        self.params = params
        # Python floats: NumPy scalars would promote float32 updates to float64 (NEP 50).
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self.t = 0
        self.m = {name: get_array_module(p).zeros_like(p) for name, p in params.items()}
        self.v = {name: get_array_module(p).zeros_like(p) for name, p in params.items()}

    def get_state(self):
        """Moment estimates and the step count, as arrays."""
        state = {f"adam_m/{name}": a for name, a in self.m.items()}
        state.update({f"adam_v/{name}": a for name, a in self.v.items()})
        state["adam_t"] = np.array(self.t)
        return state

    def set_state(self, state):
        """Restore what :meth:`get_state` returned.

        Raises
        ------
        ValueError
            When ``state["adam_t"]`` is not an integer >= 0 (a negative step
            count would divide by zero in the bias correction).
        """
        t = state["adam_t"]
        kind = getattr(getattr(t, "dtype", None), "kind", None)
        is_count = kind in ("i", "u") if kind is not None else isinstance(t, (int, np.integer))
        if isinstance(t, bool) or not is_count or getattr(t, "ndim", 0) != 0 or int(t) < 0:
            raise ValueError(f"adam_t must be an integer >= 0, got {t!r}.")
        for name in self.m:
            self.m[name][...] = state[f"adam_m/{name}"]
            self.v[name][...] = state[f"adam_v/{name}"]
        self.t = int(t)

    def step(self, grads, learning_rate):
        """Apply one Adam update to every parameter in ``grads``.

        ``grads`` holds arrays of the parameters' dtype; it is not modified.
        """
        learning_rate = float(learning_rate)  # no NumPy-scalar promotion of float32 updates
        self.t += 1
        scale_m = 1.0 / (1.0 - self.beta1**self.t)
        scale_v = 1.0 / (1.0 - self.beta2**self.t)
        for name, grad in grads.items():
            xp = get_array_module(grad)
            w, m, v = self.params[name], self.m[name], self.v[name]
            m *= self.beta1  # m ← β₁·m + (1 − β₁)·g
            m += (1.0 - self.beta1) * grad
            v *= self.beta2  # v ← β₂·v + (1 − β₂)·g²
            v += (1.0 - self.beta2) * grad * grad
            # w ← w − η · m̂ / (√v̂ + ε), with m̂ = m / (1 − β₁ᵗ) and v̂ = v / (1 − β₂ᵗ)
            w -= learning_rate * (m * scale_m / (xp.sqrt(v * scale_v) + self.eps))
