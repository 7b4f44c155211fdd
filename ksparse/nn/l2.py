"""The L2 (weight-decay) penalty (λ/2)‖W‖²_F; biases are never penalised."""
__all__ = ["l2_penalty", "l2_penalty_backward"]


def l2_penalty(W, l2):
    """The penalty (l2 / 2) ‖W‖²_F.

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
