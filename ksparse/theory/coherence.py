"""Mutual coherence of a dictionary and the uniqueness bound it gives (paper §3.3, equation 8).

The mutual coherence μ(W) is the largest absolute inner product between two
different unit-norm atoms (columns) of the dictionary W. It is computed here
block by block over the Gram matrix, so dictionaries with tens of thousands of
atoms never need the full (n_atoms, n_atoms) Gram matrix in memory.

§3.3 quotes Donoho & Elad (2003) for the uniqueness of the sparsest solution
as "k ≤ (1 + μ⁻¹)". The published result is the strict inequality
k < (1 + 1/μ)/2; see :func:`uniqueness_bound` for why the factor 1/2 is needed.
"""
import math
import numbers

from ..backend import get_array_module
from ._checks import check_matrix, check_positive_int

__all__ = ["normalize_columns", "mutual_coherence", "uniqueness_bound", "max_unique_sparsity"]

_BLOCK_ELEMENTS = 2**22  # Gram entries per block: 32 MiB in float64
_ROUNDING_ZERO = 8  # μ below this many sqrt(n_features) * eps(dtype) is rounding: 0


def normalize_columns(W):
    """Scale every column (atom) of a dictionary to unit ℓ2 norm.

    Parameters
    ----------
    W : array, shape (n_features, n_atoms)
        No column may be zero.

    Returns
    -------
    W_unit : array, shape (n_features, n_atoms)
    """
    W = check_matrix(W, "W")
    return _normalize_columns(W)


def _normalize_columns(W):
    xp = get_array_module(W)
    peaks = xp.abs(W).max(axis=0)  # (n_atoms,)
    if bool((peaks == 0).any()):
        raise ValueError("W has a zero column; its direction (and so μ) is undefined.")
    # Dividing by each column's largest entry first keeps the squares inside the
    # norm from underflowing or overflowing for atoms scaled by, e.g., 1e±200.
    W = W / peaks  # (n_features, n_atoms), entries in [-1, 1]
    norms = xp.linalg.norm(W, axis=0)  # (n_atoms,), in [1, sqrt(n_features)]
    return W / norms  # (n_features, n_atoms)


def mutual_coherence(W, block_size=None):
    r"""Mutual coherence μ(W) of the unit-normalized columns of W (equation 8).

    Parameters
    ----------
    W : array, shape (n_features, n_atoms)
        Dictionary with atoms as columns, n_atoms >= 2. Columns are normalized
        first, so μ does not depend on their scale (nor on their order).
    block_size : int, optional
        Number of atoms whose inner products are formed at once. The default
        keeps each block of the Gram matrix near 2**22 entries.

    Returns
    -------
    mu : float
        In [0, 1]. Values within rounding of the ends are snapped to them:
        μ ≥ 1 − 8 ε is 1 (parallel atoms), and μ < 8 √n_features · ε is 0
        (orthogonal atoms, e.g. an orthonormal basis), with ε the machine
        epsilon of W's dtype.

    Notes
    -----
    .. math::

        \mu(W) = \max_{i \ne j} \frac{|\langle w_i, w_j \rangle|}
                  {\lVert w_i \rVert_2 \lVert w_j \rVert_2}

    With unit-norm atoms, H = WᵀW − I is the matrix of §3.1: the inner
    products of different atoms, zero on the diagonal. For x = W z,
    Wᵀx = z + H z, so H z is the noise in ITI's first support estimate
    supp_k(Wᵀx), and μ is the largest ``|H_ij|``. The code forms ``|H|``
    block by block (``|WᵀW|`` with the diagonal set to zero): only the blocks
    on and above the diagonal, each as ``W[:, a:b].T @ W[:, a:]``, so memory
    is O(block_size · n_atoms).
    """
    W = check_matrix(W, "W", min_cols=2)
    n_atoms = W.shape[1]
    if block_size is None:
        block_size = max(1, _BLOCK_ELEMENTS // n_atoms)
    block_size = check_positive_int(block_size, "block_size")
    return _mutual_coherence(_normalize_columns(W), block_size)


def _mutual_coherence(W, block_size):
    """μ of a dictionary whose columns already have unit norm."""
    xp = get_array_module(W)
    n_atoms = W.shape[1]
    mu = 0.0
    for start in range(0, n_atoms, block_size):
        stop = min(start + block_size, n_atoms)
        gram = xp.abs(W[:, start:stop].T @ W[:, start:])  # (stop - start, n_atoms - start)
        local = xp.arange(stop - start)
        gram[local, local] = 0.0  # <w_i, w_i> = 1 is not a pair of different atoms
        mu = max(mu, float(gram.max()))
    eps = float(xp.finfo(W.dtype).eps)
    # Rounding moves |<w, w'>| of two parallel unit atoms a few ulps off 1, either
    # way; so close to 1 the atoms are parallel as far as the dtype can tell.
    if mu >= 1.0 - 8 * eps:
        return 1.0
    # Likewise orthogonal unit atoms (an orthonormal basis) give |<w, w'>| of
    # rounding size, which grows like sqrt(n_features) * eps (below 1 of it for the
    # DCT, Hadamard and QR bases up to n = 2048, float32 and float64); nothing below
    # 8 times that can be told from 0, and treating it as a real μ > 0 would put
    # signals with z_k / z_1 of rounding size "outside the bound".
    return 0.0 if mu < _ROUNDING_ZERO * math.sqrt(W.shape[0]) * eps else mu


def uniqueness_bound(mu):
    r"""Donoho–Elad bound: a k-sparse solution with k < (1 + 1/μ)/2 is the unique sparsest one.

    Parameters
    ----------
    mu : float
        Mutual coherence, in [0, 1].

    Returns
    -------
    bound : float
        ``(1 + 1/mu) / 2``; infinity for ``mu == 0``. The inequality on k is
        strict.

    Notes
    -----
    The paper (§3.3) prints the condition as k ≤ 1 + μ⁻¹. The published theorem
    (Donoho & Elad, 2003) is

    .. math::

        \lVert z \rVert_0 < \tfrac{1}{2}\left(1 + \mu^{-1}\right).

    The quantity 1 + 1/μ is a lower bound on the *spark* of W (the smallest
    number of linearly dependent columns). If x = W z = W z′ with both z and z′
    k-sparse, then W (z − z′) = 0 with ‖z − z′‖₀ ≤ 2k, so 2k must reach the spark.
    Uniqueness therefore needs 2k < spark, hence k < (1 + 1/μ)/2; the printed
    form drops the factor 1/2. It is false as printed: for the union of the
    identity and the normalized 16 × 16 Hadamard basis, μ = 1/4, so the printed
    form promises uniqueness up to k = 5, yet the indicator of {0, 1, 2, 3} is
    both the sum of 4 identity atoms and the sum of 4 Hadamard atoms.
    """
    if isinstance(mu, bool) or not isinstance(mu, numbers.Real) or not 0.0 <= mu <= 1.0:
        raise ValueError(f"mu must be a number in [0, 1], got {mu!r}.")
    if mu == 0:
        return math.inf
    return (1.0 + 1.0 / mu) / 2.0


def max_unique_sparsity(mu):
    """The largest integer k with k < (1 + 1/μ)/2, i.e. (2k − 1) μ < 1.

    Parameters
    ----------
    mu : float
        Mutual coherence, in (0, 1].

    Returns
    -------
    k : int
        At least 1 when μ < 1; 0 when μ = 1 (two parallel atoms, so not even a
        1-sparse solution need be unique).
    """
    bound = uniqueness_bound(mu)
    if math.isinf(bound):
        raise ValueError("mu must be > 0 for a finite sparsity bound.")
    k = int(math.floor(bound))
    # Decide the strict inequality on the product, which is exact for the
    # dyadic μ of Hadamard-type dictionaries, rather than on a rounded 1/μ.
    while k > 0 and (2 * k - 1) * mu >= 1.0:
        k -= 1
    while (2 * (k + 1) - 1) * mu < 1.0:
        k += 1
    return k
