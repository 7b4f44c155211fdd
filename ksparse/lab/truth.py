"""The ground truth of a synthetic dataset: the data, the dictionary that made it, and the codes.

Every generator of :mod:`ksparse.lab` returns a :class:`GroundTruth`. The
data follow the paper's model of §3 with signals as rows,

    x = D c + ε          ->  X = C @ Dᵀ + noise     (n_samples, n_features)

with D the dictionary (unit-norm atoms as columns) and C the sparse codes.
A model that recovers the features learns atoms parallel to the columns of D
and fires a latent exactly on the rows where the matching code is non-zero;
:mod:`ksparse.lab.matching` and :mod:`ksparse.lab.metrics` measure how far it
gets.
"""
__all__ = ["GroundTruth", "held_out_rows"]

import dataclasses

import numpy as np
import scipy.sparse


def held_out_rows(n_samples, holdout):
    """How many of ``n_samples`` rows a ``holdout`` share keeps for evaluation (0: none).

    Raises
    ------
    ValueError
        When ``holdout`` is not in [0, 1), when it would hold out a single
        row (the FVU divides by the spread of the rows evaluated, none for
        one row), or when it leaves fewer than 2 rows to train on.
    """
    if not 0.0 <= holdout < 1.0:
        raise ValueError(f"holdout must be in [0, 1), got {holdout!r}.")
    n_eval = int(round(holdout * n_samples))
    if n_eval == 1:
        raise ValueError(f"holdout={holdout} of {n_samples} rows holds out 1 row; the reports "
                         "need at least 2 (the FVU divides by their spread).")
    if n_samples - n_eval < 2:
        raise ValueError(f"holdout={holdout} of {n_samples} rows leaves fewer than 2 rows "
                         "to train on.")
    return n_eval


@dataclasses.dataclass
class GroundTruth:
    """Synthetic data and the features it was made from.

    Attributes
    ----------
    X : ndarray, shape (n_samples, n_features)
        The data, ``codes @ dictionary.T`` plus noise.
    dictionary : ndarray, shape (n_features, n_atoms)
        The true atoms as unit-norm columns.
    codes : scipy.sparse.csr_matrix, shape (n_samples, n_atoms)
        The true coefficients; an atom is *active* in a row where its code is
        non-zero.
    parents : ndarray of int, shape (n_atoms,), or None
        For hierarchical data, the parent atom of every atom (-1 for an atom
        without one); a child is only ever active where its parent is.
    noise : float
        Standard deviation of the Gaussian noise added to every entry.
    info : dict
        How the data were drawn, as plain Python values that ``json.dumps``
        writes: the generator's checked arguments (sizes, options),
        ``target_coherence`` the coherence asked for (None: the atoms as
        drawn) and ``coherence`` the mutual coherence the dictionary has.
    """

    X: np.ndarray
    dictionary: np.ndarray
    codes: scipy.sparse.csr_matrix
    parents: np.ndarray = None
    noise: float = 0.0
    info: dict = dataclasses.field(default_factory=dict)

    @property
    def n_atoms(self):
        """Number of true features (columns of the dictionary)."""
        return self.dictionary.shape[1]

    def rows(self, index):
        """The same truth restricted to some rows (a slice or an index array).

        Returns
        -------
        truth : GroundTruth
            ``X`` and ``codes`` cut to the rows; the dictionary, parents and
            info are shared.
        """
        return dataclasses.replace(self, X=self.X[index], codes=self.codes[index])

    def split(self, holdout):
        """(train, evaluation) truths: the last ``holdout`` share of the rows held out.

        Parameters
        ----------
        holdout : float in [0, 1)
            Share of rows for evaluation; 0 evaluates on the training rows.

        Returns
        -------
        train, evaluation : GroundTruth
        """
        n_samples = self.X.shape[0]
        n_eval = held_out_rows(n_samples, holdout)
        if n_eval == 0:
            return self, self
        cut = n_samples - n_eval
        return self.rows(slice(0, cut)), self.rows(slice(cut, n_samples))
