"""The loss library: each loss next to its gradient.

* squared error (1/B) Σ_i ‖x_i − x̂_i‖², of every autoencoder (and the
  fraction of variance unexplained, its normalised form);
* cross-entropy −(1/B) Σ_i log softmax(s_i)_{y_i}, of the classifiers (§4.4);
* the KL penalty λ Σ_j KL(ρ ‖ ρ̂_j), ρ̂_j the batch-mean activity of unit j,
  of the KL sparse autoencoder;
* the L2 penalty (λ/2) ‖W‖²_F, of softmax regression.
"""
from .cross_entropy import cross_entropy, cross_entropy_backward, log_softmax, softmax
from .kl import kl_penalty, kl_penalty_backward
from .l2 import l2_penalty, l2_penalty_backward
from .squared_error import (
    fraction_of_variance_unexplained,
    squared_error,
    squared_error_backward,
)

__all__ = [
    "cross_entropy",
    "cross_entropy_backward",
    "fraction_of_variance_unexplained",
    "kl_penalty",
    "kl_penalty_backward",
    "l2_penalty",
    "l2_penalty_backward",
    "log_softmax",
    "softmax",
    "squared_error",
    "squared_error_backward",
]
