"""Stochastic gradient descent with momentum, exactly as Eq. (11) of the paper (§4.2.2).

    v_{k+1} = m_k v_k − η_k ∇f(x_k)
    x_{k+1} = x_k + v_{k+1}

The optimizer owns one velocity array per parameter and updates parameters
in place, so a model's fitted attributes always show the current weights.
Every update is a short sequence of in-place ufuncs (``out=``) through one
or two scratch arrays per parameter, kept between steps: no temporary array
is allocated per step, and each line is one pass over the parameter. The
operations and their order are those of the textbook formulas, so results
are bitwise those of the plain NumPy expressions.

On the CPU a large parameter is updated in blocks of :data:`BLOCK` entries:
all the passes of an update run over one block while it sits in the core's
cache, then over the next, instead of each pass streaming the whole array
through main memory. Every entry sees the same operations in the same
order, so the result is the same, bit for bit.
"""
__all__ = ["MomentumSGD", "Adam"]

import numpy as np

from ..backend import get_array_module

# Entries per block of an in-place update on the CPU: the block of the
# parameter, its gradient, its optimizer state and scratch (six arrays for
# Adam, 768 KiB in float32) stays within a core's L2 cache.
BLOCK = 32768


def _blocks(*arrays):
    """Matching 1-D views of same-shaped arrays, BLOCK entries at a time.

    One tuple of the whole arrays on a GPU, for small arrays, or when their
    memory layouts differ (their flat views would not line up).
    """
    first = arrays[0]
    order = ("C" if all(a.flags.c_contiguous for a in arrays) else
             "F" if all(a.flags.f_contiguous for a in arrays) else None)
    if get_array_module(first) is not np or order is None or first.size <= BLOCK:
        yield arrays
        return
    flat = [a.ravel(order=order) for a in arrays]  # views: the arrays are contiguous
    for start in range(0, first.size, BLOCK):
        yield tuple(f[start : start + BLOCK] for f in flat)


def _scratch(buffers, name, param, count):
    """``count`` work arrays shaped and ordered like ``param``, made on first use."""
    if name not in buffers:
        xp = get_array_module(param)
        buffers[name] = tuple(xp.empty_like(param) for _ in range(count))
    return buffers[name]


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
        self._buffers = {}  # scratch for η ∇f, one per parameter

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
        for name, grad in grads.items():
            xp = get_array_module(grad)
            w, v = self.params[name], self.velocity[name]
            (step,) = _scratch(self._buffers, name, w, 1)
            for w_, v_, g_, step_ in _blocks(w, v, grad, step):
                xp.multiply(v_, self.momentum, out=v_)  # m v
                xp.multiply(g_, learning_rate, out=step_)  # η ∇f
                xp.subtract(v_, step_, out=v_)  # v ← m v − η ∇f
                xp.add(w_, v_, out=w_)  # w ← w + v


class Adam:
    """Adam (Kingma & Ba, 2015), offered as an alternative to Eq. (11).

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
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.t = 0
        self.m = {name: get_array_module(p).zeros_like(p) for name, p in params.items()}
        self.v = {name: get_array_module(p).zeros_like(p) for name, p in params.items()}
        self._buffers = {}  # two scratch arrays per parameter

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
        self.t += 1
        scale_m = 1.0 / (1.0 - self.beta1**self.t)
        scale_v = 1.0 / (1.0 - self.beta2**self.t)
        for name, grad in grads.items():
            xp = get_array_module(grad)
            w, m, v = self.params[name], self.m[name], self.v[name]
            scratch = _scratch(self._buffers, name, w, 2)
            for w_, m_, v_, g, a, c in _blocks(w, m, v, grad, *scratch):
                xp.multiply(m_, self.beta1, out=m_)  # β₁ m
                xp.multiply(g, 1.0 - self.beta1, out=a)
                xp.add(m_, a, out=m_)  # m ← β₁ m + (1 − β₁) g
                xp.multiply(v_, self.beta2, out=v_)  # β₂ v
                xp.multiply(g, 1.0 - self.beta2, out=a)
                xp.multiply(a, g, out=a)
                xp.add(v_, a, out=v_)  # v ← β₂ v + (1 − β₂) g²
                xp.multiply(v_, scale_v, out=a)
                xp.sqrt(a, out=a)
                xp.add(a, self.eps, out=a)  # √v̂ + ε
                xp.multiply(m_, scale_m, out=c)  # m̂
                xp.divide(c, a, out=c)
                xp.multiply(c, learning_rate, out=c)
                xp.subtract(w_, c, out=w_)  # w ← w − η m̂ / (√v̂ + ε)
