"""A better encoder for a learned dictionary: matching pursuit or OMP on a fitted model's atoms.

An autoencoder's encoder is one step — supp_k(Wᵀx + b) — and not the
least-squares fit that paper §3 says the dictionary deserves. A
:class:`DictionaryEncoder` keeps a fitted model's dictionary and offset
(decoder bias b′, plus the training mean of a centring model) and encodes
with :func:`~ksparse.theory.pursuit.matching_pursuit` or
:func:`~ksparse.theory.pursuit.omp` instead, so the laboratory can show how
much of a model's reconstruction error is its encoder's
(:func:`ksparse.lab.report.evaluate` with ``encoder='mp'`` or ``'omp'``).
"""
__all__ = ["DictionaryEncoder", "ENCODERS"]

import numpy as np

from ..backend import to_numpy
from ..validation import check_int
from ..theory.pursuit import matching_pursuit, omp

#: The encoders of :func:`ksparse.lab.report.evaluate`: the model's own, matching pursuit, OMP.
ENCODERS = ("model", "mp", "omp")


class DictionaryEncoder:
    """Encode with a fitted model's dictionary by matching pursuit or OMP.

    Parameters
    ----------
    model : fitted autoencoder
        With ``W_`` (atoms as columns), ``b_prime_`` and, when it centres,
        ``mean_``.
    encoder : {'mp', 'omp'}, default 'mp'
    k : int, optional
        Atoms (MP: steps) per row; default the model's ``k`` (required for a
        model without one, such as :class:`~ksparse.JumpReLUAutoencoder`).
    signed : bool, default False
        ``False`` selects atoms by their correlation's value, not its size, as
        the models' ReLU-like encoders do (an atom and its negative are
        different features to them). Matching pursuit's codes are then
        non-negative; OMP's least-squares refit is unconstrained (as
        scikit-learn's OMP), so a code it refits may come out negative.

    Attributes
    ----------
    W_ : ndarray, shape (n_features, n_latents)
        The model's atoms, as it stores them.
    offset_ : ndarray, shape (n_features,)
        What the decoder adds: b′ plus the centring mean.
    """

    def __init__(self, model, *, encoder="mp", k=None, signed=False):
        if encoder not in ("mp", "omp"):
            raise ValueError(f"encoder must be 'mp' or 'omp', got {encoder!r}.")
        if getattr(model, "W_", None) is None:
            raise TypeError(f"{type(model).__name__} has no W_ (a dictionary of atoms as "
                            f"columns), which encoder={encoder!r} needs; fit it first if it has one.")
        self.model, self.encoder, self.signed = model, encoder, bool(signed)
        if k is None and getattr(model, "k", None) is None:  # JumpReLU: no k of its own
            raise ValueError(f"{type(model).__name__} has no k; give the encoder's k.")
        self.k = check_int(model.k if k is None else k, "k", low=1, high=model.W_.shape[1])
        self.W_ = np.asarray(to_numpy(model.W_), dtype=float)  # (n_features, n_latents)
        norms = np.linalg.norm(self.W_, axis=0)  # (n_latents,)
        self._zero = norms == 0  # (n_latents,): a dead latent's atom
        # a dead latent's zero atom stays zero instead of dividing by zero
        self._norms = np.where(self._zero, 1.0, norms)
        offset = np.zeros(self.W_.shape[0])
        for name in ("b_prime_", "mean_"):
            if getattr(model, name, None) is not None:
                offset = offset + np.asarray(to_numpy(getattr(model, name)), dtype=float)
        self.offset_ = offset  # (n_features,)

    def transform(self, X):
        """Codes on the model's scale, (n_samples, n_latents): W h + offset reconstructs."""
        X = np.asarray(to_numpy(X), dtype=float) - self.offset_  # (n_samples, n_features)
        pursue = matching_pursuit if self.encoder == "mp" else omp
        codes = pursue(X, self.W_ / self._norms, self.k, signed=self.signed).codes
        codes = codes / self._norms  # (n_samples, n_latents)
        # OMP may pick a zero atom once nothing better is left, and its least-squares
        # refit then gives it a round-off code (~1e-17) that changes no reconstruction
        # but would count the dead latent as firing in l0 and dead_fraction.
        codes[:, self._zero] = 0.0
        return codes

    def inverse_transform(self, H):
        """W h + offset, (n_samples, n_features)."""
        return H @ self.W_.T + self.offset_

    def reconstruct(self, X):
        """The reconstruction of X through the pursuit's codes."""
        return self.inverse_transform(self.transform(X))
