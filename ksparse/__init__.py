"""ksparse: k-sparse autoencoders (Makhzani & Frey, 2013) in NumPy and CuPy.

The main entry points are :class:`KSparseAutoencoder` and :func:`load`;
:mod:`ksparse.backend` chooses between NumPy (CPU) and CuPy (GPU).
"""
from .backend import get_backend, set_backend, use_backend
from .classify import SoftmaxRegression
from .finetune import SparseMLPClassifier
from .io import load
from .model import KSparseAutoencoder
from .training import NonFiniteLossError
from .validation import NotFittedError

__version__ = "0.1.0"

__all__ = [
    "KSparseAutoencoder",
    "NonFiniteLossError",
    "NotFittedError",
    "SoftmaxRegression",
    "SparseMLPClassifier",
    "get_backend",
    "load",
    "set_backend",
    "use_backend",
]
