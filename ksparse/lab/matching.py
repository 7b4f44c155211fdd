"""Which learned atom is which true feature: cosine matching and the Hungarian assignment.

A learned dictionary recovers a true one up to the order, scale and sign of
its atoms, so atoms are compared by the absolute cosine of the angle between
them, ``|cos(d_i, d̂_j)|``, which none of the three changes. From the matrix of
these cosines:

* :func:`features_recovered` — the share of true atoms whose best learned
  atom reaches a threshold (0.99: about 8° apart);
* :func:`match` and :func:`mean_matched_cosine` — the one-to-one assignment of
  learned atoms to true atoms of largest total ``|cos|``
  (``scipy.optimize.linear_sum_assignment``, the Hungarian method) and its
  mean, the *mean correlation coefficient* (MCC) of the identifiability
  literature;
* :func:`uniqueness` — whether learned atoms that match a true feature match
  different ones.
"""
__all__ = ["cosine_matrix", "features_recovered", "match", "mean_matched_cosine",
           "uniqueness"]

import numpy as np
import scipy.optimize

from ..backend import to_numpy

THRESHOLD = 0.99  # |cos| at which a true atom counts as recovered


def _unit_columns(D, name):
    D = np.asarray(to_numpy(D), dtype=float)
    if D.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_features, n_atoms), got shape {D.shape}.")
    bad = np.flatnonzero(~np.isfinite(D).all(axis=0))  # atoms holding NaN or inf
    if bad.size:
        # A NaN atom would turn its whole row or column of cosines to NaN, which
        # the thresholds count as unmatched and the Hungarian method cannot take.
        raise ValueError(f"{name} must be finite; atom(s) {bad[:5].tolist()} hold NaN or "
                         "infinity.")
    norms = np.linalg.norm(D, axis=0)  # (n_atoms,)
    # A zero atom (a latent that never learned anything) has no direction: cosine 0.
    return D / np.where(norms > 0, norms, 1.0)


def cosine_matrix(D_true, D_learned):
    """``|cos|`` between every true atom and every learned atom.

    Parameters
    ----------
    D_true : array, shape (n_features, n_atoms)
    D_learned : array, shape (n_features, n_latents)
        Atoms as columns, any scale; a zero column has cosine 0 with all.

    Returns
    -------
    cos : ndarray, shape (n_atoms, n_latents)
        In [0, 1].

    Raises
    ------
    ValueError
        Naming the argument: not 2-D, or an atom holding NaN or infinity
        (a diverged model's); or the two differ in n_features.
    """
    A, B = _unit_columns(D_true, "D_true"), _unit_columns(D_learned, "D_learned")
    if A.shape[0] != B.shape[0]:
        raise ValueError(f"D_true has {A.shape[0]} features but D_learned has {B.shape[0]}.")
    return np.minimum(np.abs(A.T @ B), 1.0)  # (n_atoms, n_latents)


def _check_cos(cos):
    """Raise unless ``cos`` is a 2-D matrix with at least one true atom and one latent."""
    shape = np.shape(cos)
    if len(shape) != 2 or 0 in shape:
        raise ValueError(f"cos must be a 2-D matrix (n_atoms, n_latents) with at least one of "
                         f"each, got shape {shape}.")


def features_recovered(cos, threshold=THRESHOLD):
    """Share of true atoms whose best learned atom has ``|cos|`` >= threshold.

    Parameters
    ----------
    cos : ndarray, shape (n_atoms, n_latents)
        From :func:`cosine_matrix`.
    threshold : float, default 0.99

    Returns
    -------
    share : float
        In [0, 1]; several true atoms may share one learned atom here (see
        :func:`mean_matched_cosine` for the one-to-one version).
    """
    _check_cos(cos)
    return float((cos.max(axis=1) >= threshold).mean())


def match(cos):
    """The one-to-one assignment of largest total ``|cos|`` (the Hungarian method).

    Parameters
    ----------
    cos : ndarray, shape (n_atoms, n_latents)

    Returns
    -------
    atoms, latents : ndarray of int, shape (min(n_atoms, n_latents),)
        True atom ``atoms[i]`` is matched with learned latent ``latents[i]``;
        ``atoms`` is increasing.
    """
    _check_cos(cos)
    atoms, latents = scipy.optimize.linear_sum_assignment(cos, maximize=True)
    return atoms, latents


def mean_matched_cosine(cos):
    """MCC: the mean ``|cos|`` of the Hungarian matching, over all true atoms.

    Parameters
    ----------
    cos : ndarray, shape (n_atoms, n_latents)

    Returns
    -------
    mcc : float
        In [0, 1]; 1 exactly when every true atom has a learned atom of its
        own parallel to it. With fewer latents than true atoms, the true
        atoms left unmatched count as 0.
    """
    atoms, latents = match(cos)
    return float(cos[atoms, latents].sum() / cos.shape[0])


def uniqueness(cos, threshold=THRESHOLD):
    """Share of the matching learned latents that match distinct true atoms.

    A latent *matches* when its best ``|cos|`` with a true atom reaches the
    threshold; the result is the number of distinct true atoms so matched
    over the number of matching latents.

    Parameters
    ----------
    cos : ndarray, shape (n_atoms, n_latents)
    threshold : float, default 0.99

    Returns
    -------
    uniqueness : float
        1 when no two latents learned the same atom, 0.5 when every learned
        atom is learned twice; NaN when no latent matches.
    """
    _check_cos(cos)
    matches = cos.max(axis=0) >= threshold  # (n_latents,)
    if not matches.any():
        return float("nan")
    best = cos.argmax(axis=0)[matches]  # (n_matching,), the true atom of each
    return float(np.unique(best).size / best.size)
