"""The baselines the paper compares with, the classroom's sparse autoencoder, and the TopK recipe.

All of them are :class:`ksparse.models.autoencoder.Autoencoder` subclasses trained
by the same loop as :class:`ksparse.KSparseAutoencoder`, with the same
estimator API (fit / transform / reconstruct / score / save / load,
checkpoints and bitwise resume):

* :class:`ReLUAutoencoder` (Fig. 4), :class:`DenoisingAutoencoder` (20 %
  input dropout, Table 1), :class:`DropoutAutoencoder` (50 % hidden
  dropout, Table 1; with ``input_dropout=0.2`` the combination);
* :class:`KLSparseAutoencoder`, the KL-penalty sparse autoencoder most
  courses teach;
* :class:`RBM`, a binary restricted Boltzmann machine trained by CD-k (Table 1);
* :class:`TopKAutoencoder`, the modern TopK recipe (unit-norm decoder, AuxK,
  optionally Multi-TopK or Matryoshka prefixes), :class:`BatchTopKAutoencoder`,
  its BatchTopK variant, and :class:`JumpReLUAutoencoder` (learned
  thresholds and an L0 penalty).
"""
from .autoencoder import Autoencoder, EncoderLayer
from .batch_topk import BatchTopKAutoencoder
from .dense import DenoisingAutoencoder, DropoutAutoencoder, ReLUAutoencoder
from .jumprelu import JumpReLUAutoencoder
from .k_sparse import KSparseAutoencoder
from .kl import KLSparseAutoencoder
from .rbm import RBM
from .topk import TopKAutoencoder

__all__ = [
    "Autoencoder",
    "BatchTopKAutoencoder",
    "EncoderLayer",
    "JumpReLUAutoencoder",
    "KSparseAutoencoder",
    "DenoisingAutoencoder",
    "DropoutAutoencoder",
    "KLSparseAutoencoder",
    "RBM",
    "ReLUAutoencoder",
    "TopKAutoencoder",
]
