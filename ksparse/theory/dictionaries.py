"""Dictionaries with controlled mutual coherence, for testing Theorem 3.1 (paper §3.3).

* :func:`hadamard` — the Sylvester-construction Hadamard matrix.
* :func:`dct_basis` — the orthonormal DCT-II basis (atoms are cosines).
* :func:`two_ortho_dictionary` — the identity next to a second orthonormal
  basis. With the normalized Hadamard basis μ = 1/√n exactly, the smallest
  coherence a union of two orthonormal bases of R^n can have; with the DCT
  basis μ is just below √(2/n) (the largest cosine sample is not exactly 1).
* :func:`gaussian_dictionary` — i.i.d. Gaussian atoms scaled to unit norm, whose
  coherence is random and, for n_atoms > n_features, far above 1/√n.

All dictionaries hold atoms as columns, shape (n_features, n_atoms). They are
built on the host with NumPy (random draws included) and moved to ``xp``.
"""
import numpy as np
import scipy.fft

from ..backend import default_rng, get_xp, to_device
from ._checks import check_positive_int

__all__ = ["hadamard", "dct_basis", "two_ortho_dictionary", "gaussian_dictionary"]


def hadamard(n, normalize=True, xp=None):
    r"""The n × n Sylvester Hadamard matrix.

    Parameters
    ----------
    n : int
        A power of two.
    normalize : bool, default True
        Divide by √n so that the matrix is orthogonal.
    xp : module, optional
        :mod:`numpy` or :mod:`cupy`; default: the backend in use.

    Returns
    -------
    H : array, shape (n, n)
        Symmetric; entries ±1 (or ±1/√n when normalized).

    Notes
    -----
    .. math::

        H_1 = [1], \qquad
        H_{2m} = \begin{bmatrix} H_m & H_m \\ H_m & -H_m \end{bmatrix},
        \qquad (H_n)_{ij} = (-1)^{\mathrm{popcount}(i \,\&\, j)}.
    """
    n = check_positive_int(n, "n")
    if n & (n - 1):
        raise ValueError(f"n must be a power of two, got {n}.")
    H = np.ones((1, 1))
    while H.shape[0] < n:
        H = np.block([[H, H], [H, -H]])  # (2m, 2m)
    if normalize:
        H = H / np.sqrt(n)
    return to_device(H, get_xp() if xp is None else xp)


def dct_basis(n, xp=None):
    """The orthonormal DCT-II basis of R^n, atoms as columns.

    Parameters
    ----------
    n : int
    xp : module, optional

    Returns
    -------
    C : array, shape (n, n)
        Column j is the j-th cosine atom; ``C.T @ x`` is the orthonormal DCT-II
        of x.
    """
    n = check_positive_int(n, "n")
    C = scipy.fft.idct(np.eye(n), norm="ortho", axis=0)  # (n, n), column j = idct(e_j)
    return to_device(C, get_xp() if xp is None else xp)


def two_ortho_dictionary(n, basis="hadamard", xp=None):
    """The union [I, B] of the identity and a second orthonormal basis B.

    Parameters
    ----------
    n : int
        Signal dimension (a power of two for ``basis='hadamard'``).
    basis : {'hadamard', 'dct'}
    xp : module, optional

    Returns
    -------
    W : array, shape (n, 2 n)
        Unit-norm atoms: the n spikes first, then the n atoms of B.
    """
    if basis == "hadamard":
        B = hadamard(n, xp=np)
    elif basis == "dct":
        B = dct_basis(n, xp=np)
    else:
        raise ValueError(f"basis must be 'hadamard' or 'dct', got {basis!r}.")
    W = np.hstack([np.eye(n), B])  # (n, 2n)
    return to_device(W, get_xp() if xp is None else xp)


def gaussian_dictionary(n_features, n_atoms, random_state=None, xp=None):
    """Random dictionary with i.i.d. Gaussian entries and unit-norm columns.

    Parameters
    ----------
    n_features, n_atoms : int
    random_state : None, int or numpy.random.Generator
    xp : module, optional

    Returns
    -------
    W : array, shape (n_features, n_atoms)
    """
    n_features = check_positive_int(n_features, "n_features")
    n_atoms = check_positive_int(n_atoms, "n_atoms")
    rng = default_rng(random_state)
    W = rng.standard_normal((n_features, n_atoms))  # (n_features, n_atoms)
    W /= np.linalg.norm(W, axis=0)
    return to_device(W, get_xp() if xp is None else xp)
