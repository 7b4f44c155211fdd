"""Sparse-coding theory behind k-sparse autoencoders (paper §3).

* :mod:`~ksparse.theory.coherence` — mutual coherence μ(W) (Eq. 8)
  and the Donoho–Elad uniqueness bound.
* :mod:`~ksparse.theory.iti` — iterative thresholding with inversion
  (§3.1, Eqs. 2–3); :mod:`~ksparse.theory.pursuit` — iterative hard
  thresholding and orthogonal matching pursuit for comparison.
* :mod:`~ksparse.theory.theorem` — checker for Theorem 3.1.
* :mod:`~ksparse.theory.dictionaries` — dictionaries of known coherence.
* :mod:`~ksparse.theory.experiment` — Monte Carlo test of Theorem 3.1.
* :mod:`~ksparse.theory.encoder` — the encoder as the first step of ITI (§3.2).

Signals are rows, X of shape (n_signals, n_features); the dictionary W has
shape (n_features, n_atoms) with atoms as columns; codes Z have shape
(n_signals, n_atoms), so that x = W z is ``X = Z @ W.T``.
"""
from .coherence import (
    max_unique_sparsity,
    mutual_coherence,
    normalize_columns,
    uniqueness_bound,
)
from .dictionaries import dct_basis, gaussian_dictionary, hadamard, two_ortho_dictionary
from .encoder import EncoderITIComparison, encoder_vs_iti
from .experiment import (
    TheoremExperiment,
    format_table,
    recovery_curve,
    theorem_experiment,
)
from .iti import iti
from .lstsq import solve_on_support
from .pursuit import iht, omp
from .result import PursuitHistory, PursuitResult
from .theorem import TheoremCheck, check_theorem_3_1

__all__ = [
    "EncoderITIComparison",
    "PursuitHistory",
    "PursuitResult",
    "TheoremCheck",
    "TheoremExperiment",
    "check_theorem_3_1",
    "dct_basis",
    "encoder_vs_iti",
    "format_table",
    "gaussian_dictionary",
    "hadamard",
    "iht",
    "iti",
    "max_unique_sparsity",
    "mutual_coherence",
    "normalize_columns",
    "omp",
    "recovery_curve",
    "solve_on_support",
    "theorem_experiment",
    "two_ortho_dictionary",
    "uniqueness_bound",
]
