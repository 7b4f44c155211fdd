"""The blocked optimizer update, kept for ``benchmarks/step.py`` only (not part of ksparse).

:class:`ksparse.nn.optim.MomentumSGD` and :class:`~ksparse.nn.optim.Adam`
update each parameter with a few whole-array in-place operations, each one
a pass over the parameter in main memory. The variants here run the same
operations, in the same order, as ``out=`` ufuncs through scratch arrays
kept between steps, over one cache-sized block of the parameter at a time,
so that all the passes of an update run while the block sits in a core's
cache. Every entry sees the same operations, so the result is bitwise that
of the plain update; ``benchmarks/step.py`` checks this before it times
both. The blocked update would come back into ksparse only if it saved at
least 10 % of the whole training step.

Imported by ``step.py`` after it has capped the thread count (it imports NumPy).
"""
import numpy as np

from ksparse.backend import get_array_module
from ksparse.nn.optim import Adam, MomentumSGD

# Entries per block on the CPU: the block of the parameter, its gradient, its
# optimizer state and scratch (six arrays for Adam, 768 KiB in float32) stays
# within a core's L2 cache while every pass of the update runs over it.
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


class BlockedMomentumSGD(MomentumSGD):
    """Eq. (11) as ``out=`` ufuncs over cache-sized blocks; bitwise :class:`MomentumSGD`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._buffers = {}  # scratch arrays per parameter, kept between steps

    def step(self, grads, learning_rate):
        for name, grad in grads.items():
            xp = get_array_module(grad)
            w, v = self.params[name], self.velocity[name]
            (step,) = _scratch(self._buffers, name, w, 1)
            for w_, v_, g_, step_ in _blocks(w, v, grad, step):
                xp.multiply(v_, self.momentum, out=v_)  # m v
                xp.multiply(g_, learning_rate, out=step_)  # η ∇f
                xp.subtract(v_, step_, out=v_)  # v ← m v − η ∇f
                xp.add(w_, v_, out=w_)  # w ← w + v


class BlockedAdam(Adam):
    """Adam as ``out=`` ufuncs over cache-sized blocks; bitwise :class:`Adam`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._buffers = {}  # scratch arrays per parameter, kept between steps

    def step(self, grads, learning_rate):
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
