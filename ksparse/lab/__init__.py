"""The ground-truth laboratory: data made from known features, and measures of how far a model finds them.

On real data nobody knows the true features, so a sparse autoencoder is
judged by its reconstructions. Here the data are made from a known
dictionary (paper §3's model x = D z), and a model is judged by whether its
atoms are the true ones — which good reconstruction does not guarantee.

* :mod:`~ksparse.lab.truth` — :class:`GroundTruth`, the data with what made them;
* :mod:`~ksparse.lab.dictionary` — unit-norm atoms of a chosen coherence;
* :mod:`~ksparse.lab.codes` — sparse codes: how many atoms, how often, how correlated;
* :mod:`~ksparse.lab.data` — sparse data and superposition;
* :mod:`~ksparse.lab.hierarchy` — parent/child features (absorption);
* :mod:`~ksparse.lab.matching` — cosine matching, the Hungarian assignment, MCC;
* :mod:`~ksparse.lab.metrics` — firing precision/recall/F1, absorption,
  shrinkage, FVU, L0, dead latents;
* :mod:`~ksparse.lab.encoders` — matching pursuit or OMP on a learned dictionary;
* :mod:`~ksparse.lab.report` — :func:`evaluate`: every measure for one model;
* :mod:`~ksparse.lab.compare` — :func:`compare`: several models on the same data;
* :mod:`~ksparse.lab.presets` — the named models of ``ksparse lab``;
* :mod:`~ksparse.lab.plot` — the comparison's figure.
"""
from .codes import make_codes, power_law_frequencies
from .compare import Comparison, compare
from .data import make_sparse_data, make_superposition
from .dictionary import make_dictionary, welch_bound
from .encoders import ENCODERS, DictionaryEncoder
from .hierarchy import make_hierarchical_data
from .matching import (
    cosine_matrix,
    features_recovered,
    match,
    mean_matched_cosine,
    uniqueness,
)
from .metrics import absorption, dead_fraction, firing_scores, fvu, l0, shrinkage
from .presets import PRESETS, make_model
from .report import LabReport, evaluate, model_dictionary
from .truth import GroundTruth

__all__ = [
    "Comparison",
    "DictionaryEncoder",
    "ENCODERS",
    "GroundTruth",
    "LabReport",
    "PRESETS",
    "absorption",
    "compare",
    "cosine_matrix",
    "dead_fraction",
    "evaluate",
    "features_recovered",
    "firing_scores",
    "fvu",
    "l0",
    "make_codes",
    "make_dictionary",
    "make_hierarchical_data",
    "make_model",
    "make_sparse_data",
    "make_superposition",
    "match",
    "mean_matched_cosine",
    "model_dictionary",
    "power_law_frequencies",
    "shrinkage",
    "uniqueness",
    "welch_bound",
]
