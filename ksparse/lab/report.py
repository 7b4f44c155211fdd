"""One report for any fitted model against the truth: every measure of the laboratory at once.

:func:`evaluate` reads a fitted model's dictionary (``W_``, atoms as
columns, or scikit-learn's ``components_``, atoms as rows), its codes
(``transform``) and its reconstructions (``reconstruct``, or
``inverse_transform`` of the codes), and measures them against a
:class:`~ksparse.lab.truth.GroundTruth` with :mod:`ksparse.lab.matching` and
:mod:`ksparse.lab.metrics`. Every ksparse autoencoder, and any
scikit-learn decomposition with those methods, is reported the same way.
"""
__all__ = ["LabReport", "evaluate", "model_dictionary"]

import dataclasses

import numpy as np

from ..backend import to_numpy
from ..validation import check_real
from . import matching
from . import metrics as M
from .encoders import ENCODERS, DictionaryEncoder

# The scalar measures of a report, in the order tables show them.
MEASURES = ("features_recovered", "mcc", "precision", "recall", "f1", "uniqueness",
            "absorption", "shrinkage", "fvu", "l0", "dead_fraction")


@dataclasses.dataclass
class LabReport:
    """The measures of one model on one ground truth.

    Attributes
    ----------
    features_recovered : float
        Share of true atoms with a learned atom at ``|cos|`` >= threshold.
    mcc : float
        Mean ``|cos|`` of the Hungarian matching (over the true atoms).
    precision, recall, f1 : float
        Means over the matched pairs of the firing scores (NaN entries left out).
    uniqueness : float
        Share of matching latents that match distinct true atoms.
    absorption : float
        NaN unless the truth has a hierarchy.
    shrinkage : float
        Learned over true coefficient on recovered pairs; 1 is unbiased.
    fvu, l0, dead_fraction : float
        Measured on the evaluation rows.
    threshold : float
    best_cosine : ndarray, shape (n_atoms,)
        Best ``|cos|`` of every true atom with any learned atom.
    """

    features_recovered: float
    mcc: float
    precision: float
    recall: float
    f1: float
    uniqueness: float
    absorption: float
    shrinkage: float
    fvu: float
    l0: float
    dead_fraction: float
    threshold: float
    best_cosine: np.ndarray

    def as_dict(self):
        """The scalar measures, by name (see ``MEASURES``)."""
        return {name: getattr(self, name) for name in MEASURES}


def model_dictionary(model):
    """The learned atoms of a fitted model as columns: (n_features, n_latents).

    ``W_`` when the model has it (ksparse's autoencoders), otherwise
    ``components_`` transposed (scikit-learn's decompositions).
    """
    if getattr(model, "W_", None) is not None:
        return np.asarray(to_numpy(model.W_), dtype=float)
    if getattr(model, "components_", None) is not None:
        return np.asarray(to_numpy(model.components_), dtype=float).T
    raise TypeError(f"{type(model).__name__} has neither W_ nor components_; fit it first.")


def _codes_and_reconstructions(model, X):
    """(H, X_hat) of a fitted model; written here so metrics need no plotting import."""
    H = M._dense(model.transform(X))  # (n_samples, n_latents)
    if hasattr(model, "reconstruct"):
        X_hat = model.reconstruct(X)
    elif hasattr(model, "inverse_transform"):
        X_hat = model.inverse_transform(H)
    else:
        raise TypeError(f"{type(model).__name__} has neither reconstruct nor inverse_transform.")
    return H, M._dense(X_hat)  # (n_samples, n_latents), (n_samples, n_features)


def evaluate(model, truth, *, threshold=matching.THRESHOLD, encoder="model", k=None):
    """Measure a fitted model against the ground truth of some rows.

    Parameters
    ----------
    model : fitted estimator
        With ``transform``, ``reconstruct`` (or ``inverse_transform``) and
        ``W_`` (or ``components_``).
    truth : GroundTruth
        The rows to evaluate on (``truth.X``) and what made them.
    threshold : float in (0, 1], default 0.99
        ``|cos|`` at which a true atom counts as recovered (``|cos|`` lies in
        [0, 1]; at 0 every atom would count).
    encoder : {'model', 'mp', 'omp'}, default 'model'
        How the codes are found: the model's own ``transform``, or matching
        pursuit / OMP on its dictionary (:class:`~ksparse.lab.encoders.DictionaryEncoder`,
        k atoms per row). The dictionary measures do not change; FVU, L0 and
        the firing measures do.
    k : int, optional
        Atoms per row of 'mp' and 'omp'; default the model's ``k`` (give it
        for a model without one, such as JumpReLU). Not allowed with
        ``encoder='model'``, whose codes are the model's own.

    Returns
    -------
    report : LabReport
    """
    threshold = check_real(threshold, "threshold", low=0.0, high=1.0, low_open=True)
    if encoder not in ENCODERS:
        raise ValueError(f"encoder must be one of {', '.join(ENCODERS)}; got {encoder!r}.")
    if encoder == "model" and k is not None:
        raise ValueError(f"k={k!r} is only for encoder='mp' or 'omp'; with encoder='model' "
                         "the codes are the model's own transform.")
    if encoder != "model":
        model = DictionaryEncoder(model, encoder=encoder, k=k)
    D_hat = model_dictionary(model)  # (n_features, n_latents)
    H, X_hat = _codes_and_reconstructions(model, truth.X)
    if H.shape[1] != D_hat.shape[1]:
        raise ValueError(f"the model's codes have {H.shape[1]} latents but its dictionary "
                         f"{D_hat.shape[1]} atoms.")
    cos = matching.cosine_matrix(truth.dictionary, D_hat)  # (n_atoms, n_latents)
    atoms, latents = matching.match(cos)
    precision, recall, f1 = M.firing_scores(H, truth.codes, atoms, latents)
    absorbed = (float("nan") if truth.parents is None
                else M.absorption(H, truth.codes, truth.parents, atoms, latents))
    return LabReport(
        features_recovered=matching.features_recovered(cos, threshold),
        mcc=matching.mean_matched_cosine(cos),
        precision=_mean(precision), recall=_mean(recall), f1=_mean(f1),
        uniqueness=matching.uniqueness(cos, threshold),
        absorption=absorbed,
        shrinkage=M.shrinkage(H, truth.codes, truth.dictionary, D_hat, atoms, latents,
                              threshold),
        fvu=M.fvu(X_hat, truth.X), l0=M.l0(H), dead_fraction=M.dead_fraction(H),
        threshold=threshold, best_cosine=cos.max(axis=1))


def _mean(values):
    """Mean of the finite entries; NaN when there are none."""
    values = np.asarray(values, dtype=float)
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else float("nan")
