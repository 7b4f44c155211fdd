"""Stochastic gradient descent with momentum, exactly as Eq. (11) of the paper (§4.2.2).

    v_{k+1} = m_k v_k − η_k ∇f(x_k)
    x_{k+1} = x_k + v_{k+1}

The optimizer owns one velocity array per parameter and updates parameters
in place, so a model's fitted attributes always show the current weights.
"""
__all__ = ["MomentumSGD"]

from .backend import get_array_module


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
        self.momentum = momentum
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
        """Apply one update with learning rate η to every parameter in ``grads``."""
        for name, grad in grads.items():
            v = self.velocity[name]
            v *= self.momentum
            v -= learning_rate * grad
            self.params[name] += v
