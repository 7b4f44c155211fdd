"""Softmax, cross-entropy and the L2 penalty, each forward next to its backward (§4.4–4.6).

The classifier on top of k-sparse features (§4.4) and the output layer of
the fine-tuned networks (§4.5, §4.6) are the same multinomial logistic
model. With examples as rows and classes as columns,

    s = Vᵀh + c          ->  S = H @ V + c                      (logits)
    p = softmax(s)       ->  log_p = S − logsumexp(S)           (stable)
    E = −log p_y         ->  mean over the rows of the batch    (loss)
    ∂E/∂s = p − e_y      ->  (P − Y) / n_samples

The loss is a mean over the batch, so its size, its gradient and a sensible
learning rate do not depend on the batch size. Targets are either integer
class indices (n_samples,) or rows of class probabilities (n_samples,
n_classes), e.g. one-hot. ``X`` may also be a SciPy sparse matrix on the CPU.
"""
__all__ = [
    "log_softmax",
    "softmax",
    "cross_entropy",
    "cross_entropy_backward",
    "l2_penalty",
    "l2_penalty_backward",
    "softmax_loss_and_grads",
]

from ..backend import get_array_module
from ..functional import encode, encode_backward


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
        Class indices in [0, n_classes), or target probabilities per row.

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


def l2_penalty(W, l2):
    """The penalty (l2 / 2) ‖W‖²_F; biases are never penalised.

    Returns
    -------
    penalty : 0-d array
    """
    return 0.5 * l2 * (W * W).sum()


def l2_penalty_backward(W, l2):
    """Gradient l2 · W of :func:`l2_penalty`.

    Returns
    -------
    dW : array, same shape as ``W``
    """
    return l2 * W


def softmax_loss_and_grads(params, X, y, l2=0.0):
    """Penalised multinomial logistic loss and its gradients.

    Parameters
    ----------
    params : dict of arrays
        ``W`` (n_features, n_classes) and ``b`` (n_classes,).
    X : array or scipy.sparse matrix, shape (n_samples, n_features)
    y : int array, shape (n_samples,), or float array, shape (n_samples, n_classes)
        Class indices, or target probabilities (e.g. one-hot rows).
    l2 : float, default=0.0
        Strength of the penalty on ``W``.

    Returns
    -------
    loss : 0-d array
        Mean cross-entropy over the rows plus the penalty.
    grads : dict of arrays
        ``W`` (n_features, n_classes) and ``b`` (n_classes,).

    Notes
    -----
    .. math::

        E(W, b) = -\\frac{1}{n}\\sum_{i=1}^{n} \\log p_{y_i}(x_i)
            + \\frac{\\lambda}{2}\\lVert W\\rVert_F^2,
        \\qquad p(x) = \\operatorname{softmax}(W^\\top x + b)

        \\frac{\\partial E}{\\partial W} = \\frac{1}{n} X^\\top (P - Y) + \\lambda W,
        \\qquad \\frac{\\partial E}{\\partial b} = \\frac{1}{n} \\mathbf 1^\\top (P - Y)
    """
    W, b = params["W"], params["b"]
    S = encode(X, W, b)  # (n_samples, n_classes)
    log_p = log_softmax(S)  # (n_samples, n_classes)
    loss = cross_entropy(log_p, y) + l2_penalty(W, l2)
    dS = cross_entropy_backward(log_p, y)  # (n_samples, n_classes)
    dW, db = encode_backward(dS, X)  # (n_features, n_classes), (n_classes,)
    return loss, {"W": dW + l2_penalty_backward(W, l2), "b": db}
