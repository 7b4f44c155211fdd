"""Softmax and cross-entropy, forward next to backward (the classifier of §4.4–4.6).

With examples as rows and classes as columns,

    s = Vᵀh + c          ->  S = H @ V + c                      (logits)
    p = softmax(s)       ->  log_p = S − logsumexp(S)           (stable)
    E = −log p_y         ->  mean over the rows of the batch    (loss)
    ∂E/∂s = p − e_y      ->  (P − Y) / n_samples

Targets are either integer class indices (n_samples,) or rows of class
probabilities (n_samples, n_classes), e.g. one-hot.
"""
__all__ = ["log_softmax", "softmax", "cross_entropy", "cross_entropy_backward"]

from ..backend import get_array_module


def log_softmax(S):
    """Log-probabilities log softmax(s) of each row, computed stably.

    Parameters
    ----------
    S : array, shape (n_samples, n_classes)
        Logits.

    Returns
    -------
    log_p : array, shape (n_samples, n_classes)

    Notes
    -----
    .. math::

        \\log p_j = s_j - m - \\log \\sum_i e^{s_i - m}, \\qquad m = \\max_i s_i

    Subtracting the row maximum keeps every exponent <= 0, so nothing overflows.
    """
    xp = get_array_module(S)
    shifted = S - S.max(axis=1, keepdims=True)  # (n_samples, n_classes), max 0
    return shifted - xp.log(xp.exp(shifted).sum(axis=1, keepdims=True))


def softmax(S):
    """Class probabilities p = softmax(s) of each row (rows sum to 1).

    Returns
    -------
    P : array, shape (n_samples, n_classes)
    """
    xp = get_array_module(S)
    return xp.exp(log_softmax(S))  # (n_samples, n_classes)


def _is_labels(y):
    return y.ndim == 1


def cross_entropy(log_p, y):
    """Mean over the batch of −log p_y (or −Σ_j t_j log p_j for target rows).

    Parameters
    ----------
    log_p : array, shape (n_samples, n_classes)
        From :func:`log_softmax`.
    y : int array, shape (n_samples,), or float array, shape (n_samples, n_classes)
        Class indices in [0, n_classes), or target probabilities per row
        (each row summing to 1, as :func:`cross_entropy_backward` assumes).

    Returns
    -------
    loss : 0-d array
    """
    xp = get_array_module(log_p)
    n_samples = log_p.shape[0]
    if _is_labels(y):
        picked = log_p[xp.arange(n_samples), y]  # (n_samples,)
        return -picked.sum() / n_samples
    return -(y * log_p).sum() / n_samples


def cross_entropy_backward(log_p, y):
    """Gradient of :func:`cross_entropy` of softmax logits, ∂E/∂s = (p − y) / n_samples.

    For target rows t the exact gradient is (p Σ_j t_j − t) / n_samples: the
    formula holds for rows of t that sum to 1, which :func:`cross_entropy`
    asks for.

    Returns
    -------
    dS : array, shape (n_samples, n_classes)
    """
    xp = get_array_module(log_p)
    n_samples = log_p.shape[0]
    dS = xp.exp(log_p)  # (n_samples, n_classes), p
    if _is_labels(y):
        dS[xp.arange(n_samples), y] -= 1.0
    else:
        dS -= y
    dS /= n_samples
    return dS
