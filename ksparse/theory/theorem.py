r"""Numerical check of Theorem 3.1: one step of ITI recovers the support (paper §3.3, equations 9–10).

Theorem 3.1 (as printed). Let x = W z with unit-norm atoms and z k-sparse
with non-zero entries sorted z₁ ≥ … ≥ z_k. If k μ ≤ z_k / (2 z₁), then
supp_k(Wᵀx) is the support of z.

What the proof really shows. With y = Wᵀx and i in the support,
y_i = z_i + Σ_{j≠i} ⟨w_i, w_j⟩ z_j ≥ z_k − (k − 1) μ z₁, while off the support
``|y_i| ≤ k μ z₁``. Separation therefore holds as soon as

    z_k > (2k − 1) μ z₁                                   (the sharp form),

the classical condition for thresholding. The printed condition, z_k ≥ 2k μ z₁,
implies it with room to spare: at equality the gap between the smallest
on-support and the largest off-support entry of y is at least μ z₁ > 0. So the
"≤" of the theorem never produces a tie, and no tie-breaking rule is needed
inside the bound. Ties do occur once the sharp form fails, e.g. for the
identity ∪ Hadamard dictionary with equal magnitudes, where every inner
product is 0 or ±1/√n and y takes values on a grid (n = 16, k = 3 gives one).

Signed coefficients. The theorem assumes z ≥ 0. For codes of either sign, sort
the magnitudes ``|z₁| ≥ … ≥ |z_k|``; the same inequalities hold for ``|y_i|``, so
the theorem holds with ``supp_k(|Wᵀx|)``. supp_k(Wᵀx) itself fails for every signal
with a negative coefficient (when k is below the number of atoms), since under the
condition ``y_i ≤ −(k+1) μ |z₁|`` there, below every off-support entry. :func:`check_theorem_3_1` ranks by
magnitude when the codes are signed.

Recovery is judged strictly: the support counts as recovered only when the
smallest on-support score exceeds the largest off-support one, so an exact
tie is a failure, whatever supp_k's tie-breaking would have picked.
"""
from dataclasses import dataclass

from ..backend import get_array_module
from ..nn.supp_k import topk_mask
from ._checks import check_bool, check_fraction, check_matrix
from .coherence import _mutual_coherence

__all__ = ["TheoremCheck", "check_theorem_3_1"]

_UNIT_TOL = 1e-6  # tolerated deviation of an atom's norm from 1


@dataclass
class TheoremCheck:
    """Verdicts of Theorem 3.1 for a batch of signals.

    Attributes
    ----------
    k : int
        Number of non-zeros of every code.
    mu : float
        Mutual coherence of W.
    signed : bool
        Whether support recovery ranked ``|Wᵀx|`` (True) or Wᵀx (False).
    bound_ratio : array, shape (n_signals,)
        q = k μ · 2 z₁ / z_k (magnitudes); the printed condition is q ≤ 1.
    condition : bool array, shape (n_signals,)
        The printed condition k μ ≤ z_k / (2 z₁).
    sharp_condition : bool array, shape (n_signals,)
        z_k > (2k − 1) μ z₁, the weaker hypothesis the proof supports.
    margin : array, shape (n_signals,)
        Smallest on-support score minus largest off-support score.
    recovered : bool array, shape (n_signals,)
        ``margin > 0``: supp_k recovers the support without relying on ties.
    topk_recovered : bool array, shape (n_signals,)
        Whether :func:`ksparse.nn.supp_k.topk_mask` (ties to the lower index)
        returned the support; differs from ``recovered`` only on ties.
    """

    k: int
    mu: float
    signed: bool
    bound_ratio: object
    condition: object
    sharp_condition: object
    margin: object
    recovered: object
    topk_recovered: object

    @property
    def counterexamples(self):
        """bool array (n_signals,): the condition holds and recovery failed."""
        return self.condition & ~self.recovered

    @property
    def n_counterexamples(self):
        """Number of signals contradicting the theorem (it predicts 0)."""
        return int(self.counterexamples.sum())


def check_theorem_3_1(W, Z, *, signed=None, mu=None):
    r"""Test Theorem 3.1 on the signals x = W z for every row z of Z.

    Parameters
    ----------
    W : array, shape (n_features, n_atoms)
        Dictionary with unit-norm columns (within 1e-6).
    Z : array, shape (n_signals, n_atoms)
        Codes; every row must have the same number k >= 1 of non-zeros.
    signed : bool, optional
        ``None`` (default) detects it: True when any code is negative.
        ``False`` with negative codes is an error, since the printed theorem
        does not cover them. ``True`` ranks ``|Wᵀx|``.
    mu : float, optional
        μ(W), when already known (saves recomputing it for every batch): a
        number in [0, 1], used as given. Unlike
        :func:`~ksparse.theory.mutual_coherence`, a tiny value is not snapped
        to 0; pass that function's result for its rounding rule. A value
        below the true μ(W) can report signals the theorem does not cover as
        counterexamples; one above it only makes the condition stricter.

    Returns
    -------
    check : TheoremCheck

    Notes
    -----
    With y = Wᵀx and ``s = |y|`` (signed) or s = y (non-negative codes):

    .. math::

        \text{condition: } k\mu \le \frac{|z|_{(k)}}{2|z|_{(1)}}, \qquad
        \text{recovered: } \min_{i \in \Gamma} s_i > \max_{i \notin \Gamma} s_i .
    """
    W = check_matrix(W, "W", min_cols=2)
    Z = check_matrix(Z, "Z")
    xp = get_array_module(W)
    if get_array_module(Z) is not xp:
        raise TypeError("Z and W must live on the same backend.")
    if Z.shape[1] != W.shape[1]:
        raise ValueError(f"Z has {Z.shape[1]} columns but W has {W.shape[1]} atoms.")
    if not bool((xp.abs(xp.linalg.norm(W, axis=0) - 1.0) <= _UNIT_TOL).all()):
        raise ValueError("W must have unit-norm columns (use normalize_columns).")
    counts = (Z != 0).sum(axis=1)  # (n_signals,)
    k = int(counts[0])
    if k == 0 or not bool((counts == k).all()):
        raise ValueError("Z must have the same number k >= 1 of non-zeros in every row.")
    has_negative = bool((Z < 0).any())
    signed = has_negative if signed is None else check_bool(signed, "signed")
    if not signed and has_negative:
        raise ValueError("Z has negative codes; pass signed=True (or None) to rank |W^T x|.")
    if mu is not None:
        mu = check_fraction(mu, "mu")
    else:
        mu = _mutual_coherence(W, max(1, 2**22 // W.shape[1]))
    return _check(W, Z, k, signed, mu)


def _check(W, Z, k, signed, mu):
    xp = get_array_module(W)
    support = Z != 0  # (n_signals, n_atoms)
    mags = xp.abs(Z)  # (n_signals, n_atoms)
    z1 = mags.max(axis=1)  # (n_signals,)
    zk = xp.where(support, mags, xp.inf).min(axis=1)  # (n_signals,)
    X = Z @ W.T  # (n_signals, n_features), x = W z
    Y = X @ W  # (n_signals, n_atoms), y = Wᵀx
    score = xp.abs(Y) if signed else Y
    on = xp.where(support, score, xp.inf).min(axis=1)  # (n_signals,)
    off = xp.where(support, -xp.inf, score).max(axis=1)  # (n_signals,)
    margin = on - off  # (n_signals,)
    return TheoremCheck(
        k=k,
        mu=mu,
        signed=signed,
        bound_ratio=2.0 * k * mu * z1 / zk,
        condition=k * mu <= zk / (2.0 * z1),  # evaluated exactly as printed
        sharp_condition=zk > (2 * k - 1) * mu * z1,
        margin=margin,
        recovered=margin > 0,
        topk_recovered=(topk_mask(score, k) == support).all(axis=1),
    )
