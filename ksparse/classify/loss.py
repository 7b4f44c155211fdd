"""The penalised softmax loss of the classifiers (§4.4–4.6), built from the libraries.

Softmax, cross-entropy, the L2 penalty and the affine layer live in
:mod:`ksparse.nn`.

The loss is a mean over the batch, so its size, its gradient and a sensible
learning rate do not depend on the batch size. ``X`` may also be a SciPy
sparse matrix on the CPU.
"""
__all__ = ["softmax_loss_and_grads"]

from ..nn.affine import affine, affine_backward
from ..nn.cross_entropy import (
    cross_entropy,
    cross_entropy_backward,
    log_softmax,
)
from ..nn.l2 import l2_penalty, l2_penalty_backward


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
    S = affine(X, W, b)  # (n_samples, n_classes)
    log_p = log_softmax(S)  # (n_samples, n_classes)
    loss = cross_entropy(log_p, y) + l2_penalty(W, l2)
    dS = cross_entropy_backward(log_p, y)  # (n_samples, n_classes)
    dW, db = affine_backward(dS, X)  # (n_features, n_classes), (n_classes,)
    return loss, {"W": dW + l2_penalty_backward(W, l2), "b": db}
