"""Check for the Theorem 3.1 exercise: the largest k its condition allows (paper §3.3).

The condition k μ ≤ z_k / (2 z₁) can only hold when k μ ≤ 1/2, since
z_k ≤ z₁, and it does hold at that k for codes of equal magnitudes. So the
largest k for which the theorem guarantees recovery on a dictionary W is
⌊1 / (2 μ(W))⌋, with μ the coherence of the unit-normalized atoms (Eq. 8).
"""
import math

import numpy as np

from ..theory.dictionaries import gaussian_dictionary, two_ortho_dictionary
from ._result import StudentError, attempt, failed, passed

__all__ = ["check_theorem_k", "theorem_dictionaries"]

_NAME = "largest k for Theorem 3.1"
_TOL = 1e-9  # μ of the Hadamard unions is dyadic; round-off must not cost a k


def _coherence(W, normalize=True, diagonal=False, absolute=True):
    """μ from the full Gram matrix (the obvious way), optionally done wrong on purpose."""
    if normalize:
        W = W / np.linalg.norm(W, axis=0)  # (d, m)
    gram = W.T @ W  # (m, m)
    if absolute:
        gram = np.abs(gram)
    if not diagonal:
        np.fill_diagonal(gram, 0.0)
    return float(gram.max())


def _largest_k(mu, n_atoms):
    if mu <= _TOL:
        return n_atoms
    return min(n_atoms, int(math.floor(0.5 / mu + _TOL)))


def _identity_and_negative_atom(n):
    """I_n and one unit atom whose largest entries are negative.

    Its most coherent pair has ⟨wᵢ, wⱼ⟩ = −1/2 while the largest positive
    inner product is 1/4: μ computed without the absolute value gives a
    larger k than the right one.
    """
    atom = np.zeros(n)  # (n,)
    atom[:3], atom[3:7] = -0.5, 0.25  # 3/4 + 4/16: unit norm already
    return np.hstack([np.eye(n), atom[:, None]])  # (n, n + 1)


def theorem_dictionaries():
    """Named dictionaries with their answers: (name, W, k) triples (NumPy, float64)."""
    rng = np.random.default_rng(3)
    scaled = gaussian_dictionary(128, 256, random_state=4, xp=np) * rng.uniform(0.5, 3.0, 256)
    items = [
        ("identity ∪ Hadamard, n = 16", two_ortho_dictionary(16, "hadamard", xp=np)),
        ("identity ∪ Hadamard, n = 64", two_ortho_dictionary(64, "hadamard", xp=np)),
        ("identity ∪ DCT, n = 32", two_ortho_dictionary(32, "dct", xp=np)),
        ("identity ∪ one atom with negative entries, n = 16", _identity_and_negative_atom(16)),
        ("Gaussian 32 × 64", gaussian_dictionary(32, 64, random_state=1, xp=np)),
        ("Gaussian 128 × 256 with atoms of unequal norms", scaled),
    ]
    return [(name, W, _largest_k(_coherence(W), W.shape[1])) for name, W in items]


def _diagnose(W, k, expected, mu):
    n_atoms = W.shape[1]
    if k == _largest_k(_coherence(W, normalize=False), n_atoms) and k != expected:
        return "normalize the atoms to unit norm before computing μ (Eq. 8)."
    if k > expected and k == _largest_k(_coherence(W, absolute=False), n_atoms):
        return "μ uses |⟨wᵢ, wⱼ⟩|: a negative inner product counts as much as a positive one."
    if k == 0 and _coherence(W, diagonal=True) >= 1.0 - _TOL and expected != 0:
        return "leave out ⟨wᵢ, wᵢ⟩ = 1: μ is over pairs of different atoms."
    if k > expected:
        return f"k μ = {k} × {mu:.4f} = {k * mu:.4f} > 1/2, and z_k / (2 z₁) ≤ 1/2 always."
    return (f"k = {k + 1} still satisfies k μ ≤ 1/2 ({(k + 1) * mu:.4f}), with codes of "
            "equal magnitudes (z_k = z₁).")


def check_theorem_k(func):
    """Check ``func(W)``: the largest k for which Theorem 3.1's condition can hold on W.

    Parameters
    ----------
    func : callable
        ``func(W) -> int`` for a dictionary W of shape (n_features, n_atoms)
        whose atoms (columns) need not have unit norm; 0 when no k works.

    Returns
    -------
    result : CheckResult
    """
    cases = theorem_dictionaries()
    try:
        for name, W, expected in cases:
            k = attempt(func, W.copy())
            if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)):
                if isinstance(k, (float, np.floating)):
                    return failed(_NAME, f"{name}: got {k!r}; return an integer (k counts atoms).")
                return failed(_NAME, f"{name}: got {k!r}; return an integer.")
            if int(k) != expected:
                hint = _diagnose(W, int(k), expected, _coherence(W))
                return failed(_NAME, f"{name}: got k = {int(k)}, expected {expected}; {hint}")
    except StudentError as exc:
        return failed(_NAME, str(exc))
    return passed(_NAME, f"{len(cases)} dictionaries, from k = 0 to k = "
                         f"{max(c[2] for c in cases)}, agree with ⌊1/(2μ)⌋.")
