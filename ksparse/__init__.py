"""ksparse: k-sparse autoencoders (Makhzani & Frey, 2013) in NumPy and CuPy.

The main entry points are :class:`KSparseAutoencoder` and :func:`load`; the
baselines of the paper, the KL-penalty sparse autoencoder and the TopK
recipe (:mod:`ksparse.models`) share its API;
:mod:`ksparse.backend` chooses between NumPy (CPU) and CuPy (GPU).

Every sub-package is an attribute of the package: ``import ksparse`` loads
only what the estimators need, and the others (``ksparse.datasets``,
``ksparse.plotting``, ``ksparse.theory``, ``ksparse.lab``, ...) are imported on first access,
so that matplotlib or dask load only when asked for.
"""
import importlib as _importlib

from ._version import __version__  # noqa: F401 (re-exported: ksparse.__version__)
from .backend import get_backend, set_backend, use_backend
from .classify import SoftmaxRegression
from .finetune import SparseMLPClassifier
from .io import load
from .models import (
    RBM,
    BatchTopKAutoencoder,
    DenoisingAutoencoder,
    DropoutAutoencoder,
    JumpReLUAutoencoder,
    KLSparseAutoencoder,
    KSparseAutoencoder,
    ReLUAutoencoder,
    TopKAutoencoder,
)
from .training import NonFiniteLossError
from .validation import NotFittedError

__all__ = [
    "BatchTopKAutoencoder",
    "DenoisingAutoencoder",
    "DropoutAutoencoder",
    "JumpReLUAutoencoder",
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

# Every sub-package and module (loaded or not) that __getattr__ imports on first access.
_SUBMODULES = (
    "backend", "base", "classify", "classroom", "cli", "datasets", "exercises", "fast",
    "finetune", "hyperparameters", "inputs", "io", "lab", "models", "nn", "plotting",
    "reproduce", "theory", "training", "validation",
)


def __getattr__(name):
    """``ksparse.<sub-package>`` for one not imported yet: import it now (PEP 562)."""
    if name in _SUBMODULES:
        return _importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES))
