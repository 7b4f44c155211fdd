"""Discriminative fine-tuning of k-sparse networks (paper §4.5 and §4.6).

:class:`SparseMLPClassifier` is a network of linear hidden layers that keep
their α·k largest activities, with a softmax on top; it can be initialised
from trained :class:`ksparse.KSparseAutoencoder` encoders and can train only
its top layers. :func:`layerwise_finetune` runs the staged schedule of §4.6.
The forward and backward passes are in :mod:`ksparse.finetune.network`.
"""
from .classifier import SparseMLPClassifier
from .layerwise import LAYERWISE_STAGES, layerwise_finetune

__all__ = ["LAYERWISE_STAGES", "SparseMLPClassifier", "layerwise_finetune"]
