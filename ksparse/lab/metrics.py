"""How a model's codes and reconstructions compare with the truth, latent by latent.

With each true atom matched to a learned latent (:func:`ksparse.lab.matching.match`):

* :func:`firing_scores` — precision, recall and F1 of the latent *firing*
  (a non-zero code) as a detector of its true feature being active;
* :func:`absorption` — for parent/child data, how often the parent's latent
  stays silent on rows where one of its children is active;
* :func:`shrinkage` — the learned contribution along a matched atom over the
  true coefficient, on rows where both are active (1: none; below 1: the
  codes are shrunk, as an ℓ1 penalty does);

and the usual measures, which need no truth: :func:`fvu` (fraction of
variance unexplained, around the data's mean), :func:`l0` (active latents per
row) and :func:`dead_fraction` (latents that never fire).

Codes are (n_samples, n_latents) for the model and (n_samples, n_atoms) for
the truth, NumPy or SciPy sparse. Every measure refuses arrays that are not
2-D, that have no rows, or whose rows do not correspond (NumPy would
broadcast a single row against all of them and return a plausible, wrong
number).
"""
__all__ = ["firing_scores", "absorption", "shrinkage", "fvu", "l0", "dead_fraction"]

import numpy as np

from ..backend import to_numpy
from ..nn.squared_error import fraction_of_variance_unexplained
from ..validation import is_sparse


def _dense(M):
    """A NumPy float array from NumPy, CuPy or SciPy sparse input."""
    return np.asarray(M.toarray() if is_sparse(M) else to_numpy(M), dtype=float)


def _check_shapes(arrays, same_shape=False):
    """Raise unless the named arrays are 2-D with rows, and have equal rows (or shapes).

    Parameters
    ----------
    arrays : dict of str to array
        The arguments by name; each is 2-D with at least one row.
    same_shape : bool, default False
        Compare whole shapes rather than numbers of rows.
    """
    shapes = {name: np.shape(A) for name, A in arrays.items()}
    for name, shape in shapes.items():
        if len(shape) != 2 or shape[0] == 0:
            raise ValueError(f"{name} must be 2-D with at least one row, got shape {shape}.")
    (first, shape), *others = shapes.items()
    for name, other in others:
        if (other != shape) if same_shape else (other[0] != shape[0]):
            what = "shape" if same_shape else "number of rows"
            raise ValueError(f"{first} and {name} must have the same {what}, got shapes "
                             f"{shape} and {other}.")


def _columns(M, index):
    return _dense(M[:, index])  # (n_samples, len(index))


def firing_scores(H, C, atoms, latents):
    """Precision, recall and F1 of each matched latent's firing against its feature's activity.

    Parameters
    ----------
    H : array, shape (n_samples, n_latents)
        The model's codes.
    C : array or sparse matrix, shape (n_samples, n_atoms)
        The true codes.
    atoms, latents : int arrays, shape (n_pairs,)
        The matched pairs, e.g. from :func:`~ksparse.lab.matching.match`.

    Returns
    -------
    precision, recall, f1 : ndarray, shape (n_pairs,)
        Precision = fired and active / fired (NaN for a latent that never
        fires); recall = fired and active / active (NaN for a feature never
        active); F1 = 2 · fired and active / (fired + active).
    """
    _check_shapes({"H": H, "C": C})
    fired = _columns(H, latents) != 0  # (n_samples, n_pairs)
    active = _columns(C, atoms) != 0  # (n_samples, n_pairs)
    both = (fired & active).sum(axis=0).astype(float)  # (n_pairs,)
    n_fired, n_active = fired.sum(axis=0), active.sum(axis=0)  # (n_pairs,) each
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(n_fired > 0, both / n_fired, np.nan)
        recall = np.where(n_active > 0, both / n_active, np.nan)
        f1 = np.where(n_fired + n_active > 0, 2 * both / (n_fired + n_active), np.nan)
    return precision, recall, f1


def absorption(H, C, parents, atoms, latents):
    """Share of (row, child) with the child active where the parent's latent does not fire.

    Parameters
    ----------
    H : array, shape (n_samples, n_latents)
    C : array or sparse matrix, shape (n_samples, n_atoms)
    parents : int array, shape (n_atoms,)
        Parent of every atom, -1 for none (see
        :func:`~ksparse.lab.hierarchy.make_hierarchical_data`).
    atoms, latents : int arrays, shape (n_pairs,)
        The matched pairs; children whose parent has no latent are skipped.

    Returns
    -------
    absorption : float
        Σ over children and rows of [child active and parent's latent silent],
        over Σ [child active]; 0 when the parent's latent always fires with
        its children, 1 when it never does; NaN when no child is ever active.
    """
    _check_shapes({"H": H, "C": C})
    latent_of = dict(zip(np.asarray(atoms).tolist(), np.asarray(latents).tolist()))
    children = [c for c in np.flatnonzero(np.asarray(parents) >= 0) if parents[c] in latent_of]
    if not children:
        return float("nan")
    child_active = _columns(C, children) != 0  # (n_samples, n_children)
    parent_fires = _columns(H, [latent_of[parents[c]] for c in children]) != 0  # (same)
    n_active = child_active.sum()
    if n_active == 0:
        return float("nan")
    return float((child_active & ~parent_fires).sum() / n_active)


def shrinkage(H, C, D_true, D_learned, atoms, latents, threshold=0.99):
    """Learned contribution along matched atoms over the true coefficients, on co-active rows.

    For a true atom d_i matched to a learned latent j of atom d̂_j, the part
    of the reconstruction the latent explains is h_j d̂_j; its size along d_i
    is h_j ‖d̂_j‖ · sign(⟨d_i, d̂_j⟩) (for atoms nearly parallel), to compare
    with the true coefficient c_i.

    Parameters
    ----------
    H : array, shape (n_samples, n_latents)
    C : array or sparse matrix, shape (n_samples, n_atoms)
    D_true : array, shape (n_features, n_atoms)
    D_learned : array, shape (n_features, n_latents)
    atoms, latents : int arrays, shape (n_pairs,)
        The matched pairs; only those with ``|cos|`` >= threshold count.
    threshold : float, default 0.99

    Returns
    -------
    ratio : float
        Σ h_j ‖d̂_j‖ sign(⟨d_i, d̂_j⟩) sign(c_i) / Σ ``|c_i|`` over the counted
        pairs and the rows where both codes are non-zero: 1 without
        shrinkage; NaN when nothing is counted.
    """
    _check_shapes({"H": H, "C": C})
    _check_shapes({"D_true": D_true, "D_learned": D_learned})
    D_true, D_learned = _dense(D_true), _dense(D_learned)
    atoms, latents = np.asarray(atoms, dtype=int), np.asarray(latents, dtype=int)
    norms = np.linalg.norm(D_learned[:, latents], axis=0)  # (n_pairs,)
    cos = (D_true[:, atoms] * D_learned[:, latents]).sum(axis=0) / np.where(
        norms > 0, norms * np.linalg.norm(D_true[:, atoms], axis=0), 1.0)  # (n_pairs,)
    keep = np.abs(cos) >= threshold
    h = _columns(H, latents[keep]) * (norms * np.sign(cos))[keep]  # (n_samples, n_kept)
    c = _columns(C, atoms[keep])  # (n_samples, n_kept)
    both = (h != 0) & (c != 0)
    if not both.any():
        return float("nan")
    return float((h * np.sign(c))[both].sum() / np.abs(c[both]).sum())


def fvu(X_hat, X):
    """Fraction of variance unexplained, around the mean of X.

    Parameters
    ----------
    X_hat, X : arrays, shape (n_samples, n_features)

    Returns
    -------
    fvu : float
        Σ ‖x − x̂‖² / Σ ‖x − x̄‖² (:func:`ksparse.nn.squared_error.fraction_of_variance_unexplained`):
        0 for a perfect reconstruction, 1 for predicting the mean row x̄.
        Measured around zero instead, a model that only learned the mean
        would look good on data far from the origin.
    """
    _check_shapes({"X_hat": X_hat, "X": X}, same_shape=True)
    return float(fraction_of_variance_unexplained(_dense(X_hat), _dense(X)))


def l0(H):
    """Mean number of non-zero codes per row.

    Parameters
    ----------
    H : array or sparse matrix, shape (n_samples, n_latents)

    Returns
    -------
    l0 : float

    Raises
    ------
    ValueError
        When H is not 2-D or has no rows (a mean over no rows).
    """
    _check_shapes({"H": H})
    return float((_dense(H) != 0).sum(axis=1).mean())


def dead_fraction(H):
    """Share of latents that fire on no row of H.

    Parameters
    ----------
    H : array or sparse matrix, shape (n_samples, n_latents)

    Returns
    -------
    dead : float
        In [0, 1]; measured on these rows, so it depends on the data given.

    Raises
    ------
    ValueError
        When H is not 2-D or has no rows (on no rows every latent would
        count as dead).
    """
    _check_shapes({"H": H})
    fires = (_dense(H) != 0).any(axis=0)  # (n_latents,)
    return float((~fires).mean())
