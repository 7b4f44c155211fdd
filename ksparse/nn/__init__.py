"""The network library: pure functions, each forward next to its backward (paper §2–§4).

Every model of ksparse is written with these pieces; none of them holds
state, so each can be read, tested and checked against finite differences
on its own. Examples are rows: ``X`` is (n_samples, n_features).

Layers (§2.2 for the affine and top-k layers; the others serve the
baselines the paper compares with):

* :mod:`~ksparse.nn.affine`: z = X @ W + b; dW = Xᵀ dz, db = Σ dz, dX = dz Wᵀ;
* :mod:`~ksparse.nn.supp_k`: Γ = supp_k(z), the k largest of each row, and the
  top-k layer z_Γ; dz = dz_Γ ⊙ Γ;
* :mod:`~ksparse.nn.activations`: ReLU h = max(z, 0), dz = dh ⊙ [z > 0];
  sigmoid h = 1 / (1 + e^{−z}), dz = dh ⊙ h (1 − h);
* :mod:`~ksparse.nn.dropout`: h = X ⊙ M with M = keep / (1 − p); dX = dh ⊙ M;
* :mod:`~ksparse.nn.encoder_decoder`: what the encoder sees (x or x − b′, through
  W or Pᵀ) and the linear decoder x̂ = W h + b′ with its backward.

Losses, each next to its gradient:

* :mod:`~ksparse.nn.squared_error`: (1/B) Σ_i ‖x_i − x̂_i‖², of every
  autoencoder, and the fraction of variance unexplained;
* :mod:`~ksparse.nn.cross_entropy`: −(1/B) Σ_i log softmax(s_i)_{y_i}, of the
  classifiers (§4.4);
* :mod:`~ksparse.nn.kl`: λ Σ_j KL(ρ ‖ ρ̂_j), of the KL sparse autoencoder;
* :mod:`~ksparse.nn.l2`: (λ/2) ‖W‖²_F, of softmax regression.

Training (§4.2): :mod:`~ksparse.nn.optim` (momentum SGD, Eq. 11, and Adam)
and :mod:`~ksparse.nn.schedules` (the sparsity level of §4.2.1, the learning
rate of §4.2.2); for the TopK recipe, :mod:`~ksparse.nn.unit_norm` (the
decoder's gradient projected onto the unit sphere, the columns renormalised);
for JumpReLU, :mod:`~ksparse.nn.jump_kernel` (the kernel of its straight-through
pseudo-derivatives).
"""
from .activations import relu, relu_backward, sigmoid, sigmoid_backward
from .affine import affine, affine_backward
from .cross_entropy import cross_entropy, cross_entropy_backward, log_softmax, softmax
from .dropout import dropout, dropout_backward, dropout_mask
from .kl import kl_penalty, kl_penalty_backward
from .l2 import l2_penalty, l2_penalty_backward
from .optim import Adam, MomentumSGD
from .schedules import learning_rate_at, linear_schedule, sparsity_level
from .squared_error import (
    fraction_of_variance_unexplained,
    squared_error,
    squared_error_backward,
)
from .supp_k import topk, topk_backward, topk_mask, topk_support
from .unit_norm import project_to_tangent, renormalize_columns

__all__ = [
    "Adam",
    "MomentumSGD",
    "affine",
    "affine_backward",
    "cross_entropy",
    "cross_entropy_backward",
    "dropout",
    "dropout_backward",
    "dropout_mask",
    "fraction_of_variance_unexplained",
    "kl_penalty",
    "kl_penalty_backward",
    "l2_penalty",
    "l2_penalty_backward",
    "learning_rate_at",
    "linear_schedule",
    "log_softmax",
    "project_to_tangent",
    "relu",
    "relu_backward",
    "renormalize_columns",
    "sigmoid",
    "sigmoid_backward",
    "softmax",
    "sparsity_level",
    "squared_error",
    "squared_error_backward",
    "topk",
    "topk_backward",
    "topk_mask",
    "topk_support",
]
