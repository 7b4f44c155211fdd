"""Shared numerical helpers of the tests: central finite differences, random autoencoder
parameters, and top-k by a full sort.

Finite differences are the independent reference for every hand-written gradient.
"""
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


def autoencoder_params(rng, n_features, n_hidden, tied=True, dtype=np.float64, order="C",
                       scale=0.5):
    """Random ``W``, ``b``, ``b_prime`` (and ``P`` when untied) of a k-sparse autoencoder.

    The weights are standard normal times ``scale``, the biases times 0.1; they
    are drawn in float64 in the order W, b, b_prime, P and then cast to ``dtype``.
    """
    params = {
        "W": np.asarray(rng.standard_normal((n_features, n_hidden)) * scale, dtype, order=order),
        "b": (rng.standard_normal(n_hidden) * 0.1).astype(dtype),
        "b_prime": (rng.standard_normal(n_features) * 0.1).astype(dtype),
    }
    if not tied:
        params["P"] = (rng.standard_normal((n_hidden, n_features)) * scale).astype(dtype)
    return params


def sort_reference_mask(z, k):
    """supp_k by a full stable sort: larger value first, lower index on ties."""
    order = np.argsort(-z, axis=1, kind="stable")[:, :k]  # (n_rows, k)
    mask = np.zeros(z.shape, dtype=bool)
    np.put_along_axis(mask, order, True, axis=1)
    return mask


def flat_sort_reference(z, k):
    """BatchTopK's selection: the B·k largest of ReLU(z) over the flat batch, by a stable sort."""
    a = np.maximum(z, 0).reshape(1, -1)  # (1, B·n_hidden)
    return sort_reference_mask(a, min(z.shape[0] * k, a.size)).reshape(z.shape)


class RecordingGenerator(np.random.Generator):
    """A seeded generator that remembers every permutation it drew (fit's minibatch orders)."""

    def __init__(self, seed):
        super().__init__(np.random.PCG64(seed))
        self.orders = []

    def permutation(self, x, axis=0):
        out = super().permutation(x, axis)
        self.orders.append(np.array(out))
        return out
