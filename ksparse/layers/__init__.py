"""The layer library: small pure functions, each forward next to its backward.

Every model of ksparse is written with these pieces (paper §2.2 for the
affine and top-k layers; the ReLU, sigmoid and dropout layers serve the
baselines the paper compares with). A forward function returns its output
and whatever its backward needs; a backward function takes the gradient of
the loss with respect to the output and returns the gradients with respect
to the inputs and parameters. Examples are rows: ``X`` is (n_samples,
n_features).

* affine: z = X @ W + b; dW = Xᵀ dz, db = Σ dz, dX = dz Wᵀ;
* top-k: z_Γ with Γ = supp_k(z); dz = dz_Γ ⊙ Γ;
* ReLU: h = max(z, 0); dz = dh ⊙ [z > 0];
* sigmoid: h = 1 / (1 + e^{−z}); dz = dh ⊙ h (1 − h);
* dropout: h = X ⊙ M with M = keep / (1 − p); dX = dh ⊙ M.
"""
from .activations import relu, relu_backward, sigmoid, sigmoid_backward
from .affine import affine, affine_backward
from .dropout import dropout, dropout_backward, dropout_mask
from .topk import topk, topk_backward

__all__ = [
    "affine",
    "affine_backward",
    "dropout",
    "dropout_backward",
    "dropout_mask",
    "relu",
    "relu_backward",
    "sigmoid",
    "sigmoid_backward",
    "topk",
    "topk_backward",
]
