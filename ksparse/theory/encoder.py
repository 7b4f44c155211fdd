"""The encoder of a k-sparse autoencoder is the first step of ITI (paper §3.2).

A tied-weight k-sparse autoencoder encodes x by Γ = supp_k(Wᵀx + b) and
decodes x̂ = W z_Γ + b′. The first support-estimation step of ITI from z⁰ = 0
is the same supp_k(Wᵀx), with the bias accounting for the mean. This module
runs ITI on the centred signal x − b′ starting from the encoder's support and
compares

* the support the encoder picks with the one ITI converges to, and
* the reconstruction error of the autoencoder, of ITI after its first step
  (encoder support, exact inversion) and of ITI at convergence.
"""
from dataclasses import dataclass

from ..backend import get_array_module
from ..nn.supp_k import topk_mask
from ._checks import (
    check_bool,
    check_k,
    check_positive_int,
    check_signals,
    check_tol,
    check_vector,
)
from .iti import _iti

__all__ = ["EncoderITIComparison", "encoder_vs_iti"]


@dataclass
class EncoderITIComparison:
    """Per-signal comparison of the encoder with ITI.

    Attributes
    ----------
    k : int
    support_match : bool array, shape (n_signals,)
        supp_k(Wᵀx + b) equals the support ITI converged to.
    overlap : array, shape (n_signals,)
        ``|Γ_encoder ∩ Γ_ITI| / k``.
    error_autoencoder : array, shape (n_signals,)
        ‖x − (W z_Γ + b′)‖² with the encoder's own values z = Wᵀx + b.
    error_one_step : array, shape (n_signals,)
        ‖x − (W z¹ + b′)‖² after ITI's first step, z¹_Γ = W_Γ†(x − b′).
    error_converged : array, shape (n_signals,)
        The same at ITI's last step.
    n_iter : int array, shape (n_signals,)
    converged : bool array, shape (n_signals,)
    """

    k: int
    support_match: object
    overlap: object
    error_autoencoder: object
    error_one_step: object
    error_converged: object
    n_iter: object
    converged: object

    def summary(self):
        """Means over signals, as a dict of Python floats."""
        return {
            "k": self.k,
            "support_match": float(self.support_match.mean()),
            "overlap": float(self.overlap.mean()),
            "error_autoencoder": float(self.error_autoencoder.mean()),
            "error_one_step": float(self.error_one_step.mean()),
            "error_converged": float(self.error_converged.mean()),
            "mean_n_iter": float(self.n_iter.mean()),
            "converged": float(self.converged.mean()),
        }


def encoder_vs_iti(X, W, b, b_prime, k, *, pre_bias=False, max_iter=50, tol=1e-10):
    r"""Compare the encoder's support and error with those of ITI run to convergence.

    Parameters
    ----------
    X : array, shape (n_signals, n_features)
    W : array, shape (n_features, n_atoms)
        Tied weights (``model.W_``).
    b : array, shape (n_atoms,)
        Encoder bias (``model.b_``).
    b_prime : array, shape (n_features,)
        Decoder bias (``model.b_prime_``).
    k : int
    pre_bias : bool, default False
        The model encodes x − b′ (``model.pre_bias``): Γ¹ = supp_k(Wᵀ(x − b′) + b).
    max_iter : int, default 50
    tol : float, default 1e-10

    Returns
    -------
    comparison : EncoderITIComparison

    Notes
    -----
    .. math::

        \Gamma^1 = \mathrm{supp}_k(W^\top x + b), \qquad
        z^{n}_{\Gamma^n} = W_{\Gamma^n}^{\dagger}(x - b'), \qquad
        \Gamma^{n+1} = \mathrm{supp}_k\!\left(z^n + W^\top(x - b' - W z^n)\right).

    Supports rank values, not magnitudes, as the encoder does.
    """
    X, W = check_signals(X, W)
    xp = get_array_module(X)
    n_features, n_atoms = W.shape
    b = check_vector(b, "b", n_atoms, xp)
    b_prime = check_vector(b_prime, "b_prime", n_features, xp)
    k = check_k(k, n_atoms)
    pre_bias = check_bool(pre_bias, "pre_bias")
    max_iter = check_positive_int(max_iter, "max_iter")
    tol = check_tol(tol)
    return _encoder_vs_iti(X, W, b, b_prime, k, pre_bias, max_iter, tol)


def _encoder_vs_iti(X, W, b, b_prime, k, pre_bias, max_iter, tol):
    H = (X - b_prime if pre_bias else X) @ W + b  # (n_signals, n_atoms), hidden activities
    mask = topk_mask(H, k)  # (n_signals, n_atoms), the encoder's Γ
    X_hat = (H * mask) @ W.T + b_prime  # (n_signals, n_features), autoencoder output
    result = _iti(X - b_prime, W, k, max_iter, tol, False, mask, True)
    return EncoderITIComparison(
        k=k,
        support_match=(result.support == mask).all(axis=1),
        overlap=(result.support & mask).sum(axis=1) / k,
        error_autoencoder=((X - X_hat) ** 2).sum(axis=1),
        error_one_step=result.history.residuals[0] ** 2,
        error_converged=result.residual**2,
        n_iter=result.n_iter,
        converged=result.converged,
    )
