"""Sparse codes with a controlled number, frequency and correlation of active atoms.

Every row of the codes C (n_samples, n_atoms) says which true features are
present in one example and how strongly. Which atoms are active is decided
from Gaussian scores g, one per row and atom:

* ``active=s``: the s atoms of largest score, so exactly s per row, each atom
  equally often;
* ``frequencies=p``: atom j is active where g_j > Φ⁻¹(1 − p_j), so
  independently with probability p_j (unequal frequencies: see
  :func:`power_law_frequencies`).

With ``correlation`` ρ > 0 the scores of the atoms of one group (``group_size``
consecutive atoms) share a common part, g_j = √ρ f_group + √(1 − ρ) e_j, so
the atoms of a group tend to be active together while each keeps its
frequency. The active entries get coefficients uniform in a range, e.g.
[0.5, 1.5] (optionally of random sign).
"""
__all__ = ["make_codes", "power_law_frequencies"]

import numpy as np
import scipy.sparse
import scipy.special

from ..theory._checks import check_bool
from ..validation import check_int, check_real
from ._stream import lab_stream

_CHUNK = 4096  # rows drawn at a time: the scores of a chunk are (4096, n_atoms)


def power_law_frequencies(n_atoms, mean_active, exponent=1.0):
    """Activation probabilities p_j ∝ (j + 1)^(−exponent) with Σ p_j = mean_active.

    Parameters
    ----------
    n_atoms : int
    mean_active : float
        Expected number of active atoms per row, in (0, n_atoms].
    exponent : float, default 1.0
        0 gives equal frequencies; larger values make the first atoms
        common and the last ones rare.

    Returns
    -------
    p : ndarray, shape (n_atoms,)
        Non-increasing, each in (0, 1]; probabilities the power law would put
        above 1 are capped at 1 and the rest scaled up to keep the sum.

    Raises
    ------
    ValueError
        When the law is too steep for float64: the last atom's probability
        (or the scale's bound, ``n_atoms / n_atoms^(−exponent)``) underflows
        to 0 (overflows), e.g. an exponent of 200 for 1000 atoms.
    """
    n_atoms = check_int(n_atoms, "n_atoms", 1)
    mean_active = check_real(mean_active, "mean_active", 0.0, n_atoms, low_open=True)
    exponent = check_real(exponent, "exponent", 0.0)
    with np.errstate(divide="ignore", over="ignore"):  # too steep a law: refused below, by name
        w = np.arange(1, n_atoms + 1, dtype=float) ** -exponent  # (n_atoms,)
        high = n_atoms / w[-1]
    if np.isfinite(high):
        p = np.minimum(1.0, _scale(w, mean_active, high) * w)
        if p[-1] > 0:
            return p
    raise ValueError(f"exponent={exponent} is too steep for {n_atoms} atoms and mean_active="
                     f"{mean_active}: the last atom's probability underflows to 0 in float64; "
                     "use a smaller exponent.")


def _scale(w, mean_active, high):
    """The scale c in (0, high] of Σ min(1, c w) = mean_active, by bisection to the last bit.

    Σ min(1, c w) grows with c: it stays below mean_active at ``low`` and
    reaches it at ``high``. Halving stops when the midpoint rounds to an end,
    after which halving would change nothing: a fixed count of halvings is
    too few when ``high`` is huge (a steep law), and then the sum misses.
    """
    low = 0.0
    while True:
        scale = 0.5 * (low + high)
        if scale in (low, high):
            return high
        low, high = (scale, high) if np.minimum(1.0, scale * w).sum() < mean_active \
            else (low, scale)


def make_codes(n_samples, n_atoms, *, active=None, frequencies=None, coefficients=(0.5, 1.5),
               correlation=0.0, group_size=4, signed=False, random_state=None):
    """Draw sparse codes, by rows of exactly ``active`` atoms or atoms of given ``frequencies``.

    Parameters
    ----------
    n_samples, n_atoms : int
    active : int, optional
        Exactly this many active atoms per row (give this or ``frequencies``).
    frequencies : float or array of shape (n_atoms,), optional
        Probability that each atom is active in a row, in (0, 1].
    coefficients : (low, high), default (0.5, 1.5)
        Magnitudes of the active entries, uniform in [low, high], 0 <= low <= high.
    correlation : float in [0, 1), default 0.0
        Correlation ρ of the scores of the atoms of one group.
    group_size : int, default 4
        Consecutive atoms that share a group for ``correlation``.
    signed : bool, default False
        Give every active entry a random sign.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    C : scipy.sparse.csr_matrix, shape (n_samples, n_atoms)
    """
    s = code_settings(n_samples, check_int(n_atoms, "n_atoms", 1), active=active,
                      frequencies=frequencies, coefficients=coefficients, correlation=correlation,
                      group_size=group_size, signed=signed)
    return _draw_codes(s, lab_stream(random_state))


def _draw_codes(s, rng):
    """The work of :func:`make_codes` on settings already checked (the generators call it too).

    Parameters
    ----------
    s : dict
        What :func:`code_settings` returns.
    rng : numpy.random.Generator

    Returns
    -------
    C : scipy.sparse.csr_matrix, shape (n_samples, n_atoms)
    """
    pick = _choice_rule(s["active"], s["frequencies"])
    low, high = s["coefficients"]
    blocks = []
    for start in range(0, s["n_samples"], _CHUNK):
        rows = min(_CHUNK, s["n_samples"] - start)
        on = pick(_scores(rng, rows, s["n_atoms"], s["correlation"], s["group_size"]))  # bool
        values = rng.uniform(low, high, size=on.shape)  # (rows, n_atoms)
        if s["signed"]:
            values *= rng.choice(np.array([-1.0, 1.0]), size=on.shape)
        blocks.append(scipy.sparse.csr_matrix(np.where(on, values, 0.0)))
    return scipy.sparse.vstack(blocks, format="csr")


def code_settings(n_samples, n_atoms, *, active=None, frequencies=None, coefficients=(0.5, 1.5),
                  correlation=0.0, group_size=4, signed=False):
    """The arguments of :func:`make_codes`, checked by name before anything is drawn.

    The generators of :mod:`ksparse.lab.data` and :mod:`ksparse.lab.hierarchy`
    call it first, so that a bad argument is refused before the dictionary
    is made.

    Parameters
    ----------
    n_atoms : int
        Already checked, once, by the caller: by :func:`make_codes`, or as the
        dictionary's atoms (or the parents) by the generators.
    n_samples, active, frequencies, coefficients, correlation, group_size, signed
        As for :func:`make_codes`.

    Returns
    -------
    settings : dict
        The arguments as plain Python values, by name: ``active`` an int or
        None, ``frequencies`` None or an ndarray of shape (n_atoms,),
        ``coefficients`` a pair of floats, ``signed`` a bool.
    """
    n_samples = check_int(n_samples, "n_samples", 1)
    if (active is None) == (frequencies is None):
        raise ValueError("give exactly one of active (atoms per row) and frequencies.")
    return dict(n_samples=n_samples, n_atoms=n_atoms,
                active=None if active is None else check_int(active, "active", 1, n_atoms),
                frequencies=None if frequencies is None else _check_frequencies(frequencies,
                                                                                n_atoms),
                coefficients=_check_coefficients(coefficients),
                correlation=check_real(correlation, "correlation", 0.0, 1.0, high_open=True),
                group_size=check_int(group_size, "group_size", 1),
                signed=check_bool(signed, "signed"))


def _check_frequencies(frequencies, n_atoms):
    """``frequencies`` as an array (n_atoms,) of probabilities in (0, 1]."""
    try:
        p = np.asarray(frequencies, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"frequencies must be a number or an array of numbers, got "
                         f"{frequencies!r}.") from None
    if p.ndim != 0 and p.shape != (n_atoms,):
        raise ValueError(f"frequencies must be a number or an array of shape ({n_atoms},) "
                         f"(one per atom), got shape {p.shape}.")
    if not ((p > 0) & (p <= 1)).all():
        raise ValueError("every entry of frequencies must lie in (0, 1].")
    return np.broadcast_to(p, (n_atoms,))


def _choice_rule(active, p):
    """The function from scores (rows, n_atoms) to the active mask (rows, n_atoms)."""
    if active is not None:
        return lambda g: g >= -np.partition(-g, active - 1, axis=1)[:, active - 1:active]
    cut = scipy.special.ndtri(1.0 - p)  # (n_atoms,): P(g_j > cut_j) = p_j, -inf for p_j = 1
    return lambda g: g > cut


def _scores(rng, rows, n_atoms, rho, group_size):
    """Standard normal scores, correlated ρ within each group of atoms: (rows, n_atoms)."""
    g = rng.standard_normal((rows, n_atoms))  # (rows, n_atoms)
    if rho == 0.0:
        return g
    n_groups = -(-n_atoms // group_size)
    shared = rng.standard_normal((rows, n_groups))  # (rows, n_groups)
    group = np.arange(n_atoms) // group_size  # (n_atoms,)
    return np.sqrt(rho) * shared[:, group] + np.sqrt(1.0 - rho) * g


def _check_coefficients(coefficients):
    try:
        low, high = (float(c) for c in coefficients)
    except (TypeError, ValueError):
        raise ValueError(f"coefficients must be a pair (low, high), got {coefficients!r}.") from None
    if not 0.0 <= low <= high or not np.isfinite(high) or high == 0.0:
        raise ValueError(f"coefficients must satisfy 0 <= low <= high, high > 0, got "
                         f"{coefficients!r}.")
    return low, high
