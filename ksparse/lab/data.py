"""Synthetic data made from a known dictionary: sparse codes, and superposition.

* :func:`make_sparse_data` — x = D c + ε with D of controlled coherence
  (:mod:`ksparse.lab.dictionary`) and codes c with a controlled number,
  frequency and correlation of active atoms (:mod:`ksparse.lab.codes`): the
  data of dictionary learning, on which a k-sparse autoencoder should learn
  the atoms of D as its filters (paper §3).
* :func:`make_superposition` — the same with more features than dimensions
  and every feature present independently, with probability 1 − S for a
  sparsity S and a value uniform in [0, 1], seen through a random projection,
  as in "Toy Models of Superposition" (Elhage et al., 2022).

Both return a :class:`~ksparse.lab.truth.GroundTruth`. Every argument is
checked before anything is drawn; the random numbers are then drawn in a
fixed order from one generator: the dictionary, then the codes, then the
noise.
"""
__all__ = ["make_sparse_data", "make_superposition"]

import numpy as np

from ..theory.coherence import mutual_coherence
from ..validation import check_real
from ._stream import lab_stream
from .codes import _draw_codes, code_settings
from .dictionary import _draw_dictionary, dictionary_settings
from .truth import GroundTruth


def make_sparse_data(n_samples=10000, n_features=32, n_atoms=64, *, active=5, frequencies=None,
                     coefficients=(0.5, 1.5), correlation=0.0, group_size=4, coherence=None,
                     signed=False, noise=0.01, random_state=None):
    """Rows x = D c + ε from a random dictionary D and sparse codes c.

    Parameters
    ----------
    n_samples, n_features, n_atoms : int, default 10000, 32, 64
        Rows, their dimension, and the number of true atoms (more atoms than
        dimensions is allowed).
    active : int, default 5
        Exactly this many active atoms per row (ignored with ``frequencies``).
    frequencies : float or array of shape (n_atoms,), optional
        Activate each atom independently with this probability instead
        (unequal frequencies: :func:`~ksparse.lab.codes.power_law_frequencies`).
    coefficients : (low, high), default (0.5, 1.5)
        Range of the magnitudes of the active coefficients.
    correlation, group_size : float in [0, 1), int; default 0.0, 4
        Correlated supports: see :func:`~ksparse.lab.codes.make_codes`.
    coherence : float or None, default None
        Target mutual coherence of D (see
        :func:`~ksparse.lab.dictionary.make_dictionary`); None keeps the
        random Gaussian atoms.
    signed : bool, default False
        Coefficients of random sign.
    noise : float, default 0.01
        Standard deviation of the Gaussian noise added to every entry.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    truth : GroundTruth
        ``X`` (n_samples, n_features), ``dictionary`` (n_features, n_atoms),
        ``codes`` (n_samples, n_atoms) CSR; ``info`` records the settings,
        ``frequencies`` as their smallest, largest and sum (the expected
        active atoms per row).
    """
    n_features, n_atoms, coherence = dictionary_settings(n_features, n_atoms, coherence)
    s = code_settings(n_samples, n_atoms, active=None if frequencies is not None else active,
                      frequencies=frequencies, coefficients=coefficients,
                      correlation=correlation, group_size=group_size, signed=signed)
    noise = check_real(noise, "noise", 0.0)
    rng = lab_stream(random_state)
    D = _draw_dictionary(n_features, n_atoms, coherence, rng)
    C = _draw_codes(s, rng)
    p = s["frequencies"]  # (n_atoms,) or None
    info = {"kind": "sparse", "n_samples": s["n_samples"], "n_features": n_features, **s,
            "coefficients": list(s["coefficients"]), "target_coherence": coherence,
            "frequencies": None if p is None else dict(
                min=float(p.min()), max=float(p.max()), sum=float(p.sum()))}
    return _with_noise(D, C, noise, rng, info)


def make_superposition(n_samples=10000, n_features=20, n_atoms=80, *, sparsity=0.95,
                       noise=0.0, random_state=None):
    """More features than dimensions: sparse feature values seen through a random projection.

    Parameters
    ----------
    n_samples : int, default 10000
    n_features : int, default 20
        Dimension of the data (the toy model's hidden dimension).
    n_atoms : int, default 80
        Number of true features, usually several times ``n_features``.
    sparsity : float in [0, 1), default 0.95
        S: each feature is zero with probability S, otherwise uniform in [0, 1].
    noise : float, default 0.0
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    truth : GroundTruth
        The projection's unit-norm columns are ``dictionary``; the feature
        values are ``codes``; on average (1 − S)·n_atoms are present per row.
    """
    n_features, n_atoms, _ = dictionary_settings(n_features, n_atoms)
    sparsity = check_real(sparsity, "sparsity", 0.0, 1.0, high_open=True)
    s = code_settings(n_samples, n_atoms, frequencies=1.0 - sparsity, coefficients=(0.0, 1.0))
    noise = check_real(noise, "noise", 0.0)
    rng = lab_stream(random_state)
    D = _draw_dictionary(n_features, n_atoms, None, rng)
    C = _draw_codes(s, rng)
    info = dict(kind="superposition", n_samples=s["n_samples"], n_features=n_features,
                n_atoms=n_atoms, sparsity=sparsity)
    return _with_noise(D, C, noise, rng, info)


def _with_noise(D, C, noise, rng, info):
    """The GroundTruth of X = C Dᵀ + noise (the noise drawn last), a checked noise.

    ``info`` gains ``coherence``, the achieved mutual coherence of D.
    """
    X = C @ D.T  # (n_samples, n_features), dense: sparse @ dense
    if noise:
        with np.errstate(over="ignore"):  # reported below, by name
            X = X + noise * rng.standard_normal(X.shape)
        if not np.isfinite(X).all():
            raise ValueError(f"noise={noise} overflows the data; use a smaller noise.")
    info = dict(info, coherence=float(mutual_coherence(D)))
    return GroundTruth(X=X, dictionary=D, codes=C, noise=noise, info=info)
