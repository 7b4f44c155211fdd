"""Supervised learning on top of k-sparse features (paper §4.4).

:class:`SoftmaxRegression` is the multinomial logistic regression used to
judge fixed features, :func:`select_l2` chooses its penalty on a validation
split, and :mod:`ksparse.classify.loss` holds the softmax and cross-entropy
functions (forward next to backward) that the fine-tuned networks of
:mod:`ksparse.finetune` reuse for their output layer.
"""
from ._lbfgs import ConvergenceWarning
from .loss import softmax_loss_and_grads
from .select import DEFAULT_L2_GRID, select_l2
from .softmax import SoftmaxRegression

__all__ = [
    "ConvergenceWarning",
    "DEFAULT_L2_GRID",
    "SoftmaxRegression",
    "select_l2",
    "softmax_loss_and_grads",
]
