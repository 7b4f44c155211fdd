"""Central finite differences: the independent reference for every hand-written gradient."""
import numpy as np


def numerical_gradient(f, array, eps=1e-6):
    """Central differences of the scalar ``f()`` in every entry of ``array``.

    ``array`` is perturbed in place, one entry at a time, and restored.
    """
    grad = np.zeros_like(array)
    for i in np.ndindex(array.shape):
        old = array[i]
        array[i] = old + eps
        plus = float(f())
        array[i] = old - eps
        minus = float(f())
        array[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad
