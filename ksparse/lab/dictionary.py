"""Dictionaries of unit-norm atoms with a chosen mutual coherence (paper §3.3, Eq. 8).

The atoms start as i.i.d. Gaussian directions
(:func:`ksparse.theory.dictionaries.gaussian_dictionary`); with more atoms
than dimensions their coherence μ (the largest ``|cosine|`` between two atoms,
:func:`ksparse.theory.coherence.mutual_coherence`) is random and often large.
:func:`make_dictionary` can then push μ to a target:

* down, by gradient steps on ¼ Σ max(``|⟨d_i, d_j⟩|`` − μ*, 0)² over the pairs
  i ≠ j, which move only the atoms of the pairs that are too close, each followed by
  renormalising the atoms — the gradient is D E, E the Gram matrix's excess
  over μ* (signed, zero diagonal);
* up, by turning one atom of the closest pair towards the other until their
  cosine is μ*, then the same steps for any pair left above it.

No dictionary of n_atoms unit vectors in R^n_features has μ below the Welch
bound √((m − n) / (n (m − 1))); asking for less is refused.
"""
__all__ = ["make_dictionary", "welch_bound"]

import math

import numpy as np

from ..theory.coherence import mutual_coherence
from ..theory.dictionaries import gaussian_dictionary
from ..validation import check_int, check_real
from ._stream import lab_stream

_TOLERANCE = 1e-3  # how close to the target μ counts as reached
_MAX_ITER = 2000  # decorrelation steps before giving up, unless told otherwise


def welch_bound(n_features, n_atoms):
    """The smallest coherence n_atoms unit vectors in R^n_features can have.

    Returns
    -------
    bound : float
        √((m − n) / (n (m − 1))) for m = n_atoms > n = n_features; 0 when
        the atoms fit in orthogonal directions (m ≤ n).
    """
    return _welch_bound(check_int(n_features, "n_features", 1), check_int(n_atoms, "n_atoms", 2))


def _welch_bound(n, m):
    """:func:`welch_bound` of n = n_features, m = n_atoms already checked."""
    return 0.0 if m <= n else math.sqrt((m - n) / (n * (m - 1)))


def make_dictionary(n_features, n_atoms, *, coherence=None, max_iter=_MAX_ITER, random_state=None):
    """Unit-norm Gaussian atoms, optionally pushed to a mutual coherence.

    Parameters
    ----------
    n_features : int
        Dimension of the data.
    n_atoms : int
        Number of atoms (true features); more than ``n_features`` is allowed.
    coherence : float in (0, 1) or None, default None
        Target μ; None keeps the random atoms as drawn.
    max_iter : int, default 2000
        Most decorrelation steps before giving up.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    D : ndarray, shape (n_features, n_atoms)
        Unit-norm columns; with ``coherence``, μ(D) within 0.001 of it.
    """
    n_features, n_atoms, target = dictionary_settings(n_features, n_atoms, coherence)
    max_iter = check_int(max_iter, "max_iter", 1)
    return _draw_dictionary(n_features, n_atoms, target, lab_stream(random_state), max_iter)


def _draw_dictionary(n_features, n_atoms, target, rng, max_iter=_MAX_ITER):
    """The work of :func:`make_dictionary` on arguments already checked (the generators call it).

    Parameters
    ----------
    n_features, n_atoms, target : int, int, float or None
        What :func:`dictionary_settings` returns (``target`` the coherence).
    rng : numpy.random.Generator
    max_iter : int, already checked

    Returns
    -------
    D : ndarray, shape (n_features, n_atoms)
    """
    D = np.asarray(gaussian_dictionary(n_features, n_atoms, random_state=rng, xp=np))
    if target is None:
        return D
    if mutual_coherence(D) < target:
        D = _bend_closest_pair(D, target)
    return _decorrelate(D, target, max_iter)


def dictionary_settings(n_features, n_atoms, coherence=None):
    """The arguments of :func:`make_dictionary`, checked by name before anything is drawn.

    Returns
    -------
    n_features, n_atoms : int
    coherence : float or None

    Raises
    ------
    ValueError
        Also for a coherence below the Welch bound, which no dictionary has.
    """
    n_features = check_int(n_features, "n_features", 1)
    n_atoms = check_int(n_atoms, "n_atoms", 2)
    if coherence is None:
        return n_features, n_atoms, None
    target = check_real(coherence, "coherence", 0.0, 1.0, low_open=True, high_open=True)
    floor = _welch_bound(n_features, n_atoms)
    if target < floor:
        raise ValueError(f"coherence={target} is below the Welch bound {floor:.4f} of "
                         f"{n_atoms} atoms in {n_features} dimensions; no dictionary has it.")
    return n_features, n_atoms, target


def _bend_closest_pair(D, target):
    """Turn one atom of the most coherent pair towards the other until ``|cos|`` = target."""
    G = np.abs(D.T @ D)  # (n_atoms, n_atoms)
    np.fill_diagonal(G, -1.0)
    i, j = np.unravel_index(np.argmax(G), G.shape)
    cos = D[:, i] @ D[:, j]
    away = D[:, j] - cos * D[:, i]  # (n_features,), the part of d_j orthogonal to d_i
    D = D.copy()
    sign = 1.0 if cos >= 0 else -1.0
    D[:, j] = sign * target * D[:, i] + math.sqrt(1.0 - target**2) * away / np.linalg.norm(away)
    return D


def _decorrelate(D, target, max_iter, rate=0.5):
    """Gradient steps that pull every pair with ``|cos|`` > target back to it."""
    for _ in range(max_iter):
        G = D.T @ D  # (n_atoms, n_atoms)
        np.fill_diagonal(G, 0.0)
        excess = np.sign(G) * np.maximum(np.abs(G) - target, 0.0)  # (n_atoms, n_atoms)
        if np.abs(excess).max() <= _TOLERANCE:
            return D
        D = D - rate * D @ excess  # (n_features, n_atoms): step on ¼ Σ excess²
        D /= np.linalg.norm(D, axis=0)
    mu = mutual_coherence(D)
    raise ValueError(f"could not bring the coherence to {target} in {max_iter} steps "
                     f"(reached {mu:.4f}); ask for more, or raise max_iter.")
