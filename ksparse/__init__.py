"""ksparse: k-sparse autoencoders (Makhzani & Frey, 2013) in NumPy and CuPy.

The main entry points are :class:`KSparseAutoencoder` and :func:`load`; the
baselines of the paper, the KL-penalty sparse autoencoder and the TopK
recipe (:mod:`ksparse.models`) share its API;
:mod:`ksparse.backend` chooses between NumPy (CPU) and CuPy (GPU).
"""
from .backend import get_backend, set_backend, use_backend
from .classify import SoftmaxRegression
from .finetune import SparseMLPClassifier
from .io import load
from .models import (
    RBM,
    DenoisingAutoencoder,
    DropoutAutoencoder,
    KLSparseAutoencoder,
    KSparseAutoencoder,
    ReLUAutoencoder,
    TopKAutoencoder,
)
from .training import NonFiniteLossError
from .validation import NotFittedError

__version__ = "0.1.0"

__all__ = [
    "DenoisingAutoencoder",
    "DropoutAutoencoder",
    "KLSparseAutoencoder",
    "KSparseAutoencoder",
    "RBM",
    "ReLUAutoencoder",
    "TopKAutoencoder",
    "NonFiniteLossError",
    "NotFittedError",
    "SoftmaxRegression",
    "SparseMLPClassifier",
    "get_backend",
    "load",
    "set_backend",
    "use_backend",
]
