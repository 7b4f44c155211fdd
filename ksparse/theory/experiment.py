"""Monte Carlo verification of Theorem 3.1 on both sides of its bound (paper §3.3).

For a dictionary W (normalized to unit-norm atoms) the experiment draws
k-sparse codes z, synthesizes x = W z and checks whether supp_k(Wᵀx) (or
``supp_k(|Wᵀx|)`` for signed codes) recovers the support. Signals are drawn on
purpose on both sides of the printed condition q = k μ · 2 z₁ / z_k ≤ 1:

* "inside": k ≤ 1/(2μ) and q log-uniform in [2kμ, 1], plus a share of codes
  with equal magnitudes (q = 2kμ exactly, which for the identity ∪ Hadamard
  dictionary with k = 1/(2μ) sits exactly on the bound);
* "outside": q log-uniform in [max(1, 2kμ), q_max].

The theorem predicts zero counterexamples (condition holds, recovery fails)
inside; the recovery rate outside, as a function of q, shows how conservative
the bound is.
"""
import math
from dataclasses import dataclass

import numpy as np

from ..backend import default_rng, get_array_module, to_device, to_numpy
from ..datasets.synthetic import _draw_codes
from ._checks import check_bool, check_matrix, check_positive_int, check_tol
from .coherence import _mutual_coherence, _normalize_columns
from .theorem import _check

__all__ = ["TheoremExperiment", "theorem_experiment", "format_table", "recovery_curve"]

#: Largest q_max: beyond it z_k / z₁ = 2kμ / q sinks to float64's rounding (eps 2.2e-16),
#: where a recovery tells about rounding, not about the theorem.
Q_MAX_LIMIT = 1e15

_FIELDS = ("bound_ratio", "condition", "sharp_condition", "margin", "recovered", "topk_recovered")


@dataclass
class TheoremExperiment:
    """Per-signal outcome of :func:`theorem_experiment` (host NumPy arrays).

    Attributes
    ----------
    name : str
    n_features, n_atoms : int
    mu : float
    k_bound : int
        Largest k for which the printed condition can hold (k μ ≤ 1/2).
    signed : bool
    k : int array, shape (n_signals,)
    bound_ratio, margin : float arrays, shape (n_signals,)
    condition, sharp_condition, recovered, topk_recovered : bool arrays, shape (n_signals,)
        As in :class:`~ksparse.theory.theorem.TheoremCheck`.
    """

    name: str
    n_features: int
    n_atoms: int
    mu: float
    k_bound: int
    signed: bool
    k: np.ndarray
    bound_ratio: np.ndarray
    condition: np.ndarray
    sharp_condition: np.ndarray
    margin: np.ndarray
    recovered: np.ndarray
    topk_recovered: np.ndarray

    def summary(self):
        """One table row (dict): counts inside and outside the bound."""
        inside, outside = self.condition, ~self.condition
        n_out = int(outside.sum())
        return {
            "dictionary": self.name,
            "n": self.n_features,
            "atoms": self.n_atoms,
            "mu": self.mu,
            "k<=": self.k_bound,
            "signed": self.signed,
            "holds": int(inside.sum()),
            "holds&failed": int((inside & ~self.recovered).sum()),
            "sharp&failed": int((self.sharp_condition & ~self.recovered).sum()),
            "outside": n_out,
            "recovered_out": float(self.recovered[outside].mean()) if n_out else math.nan,
            "ties": int((self.margin == 0).sum()),
        }


def theorem_experiment(
    W,
    *,
    n_inside=1000,
    n_outside=1000,
    k_max=None,
    q_max=32.0,
    equal_fraction=0.1,
    signed=False,
    chunk_size=8192,
    random_state=None,
    name="dictionary",
):
    """Check Theorem 3.1 on random k-sparse signals on both sides of its bound.

    Parameters
    ----------
    W : array, shape (n_features, n_atoms)
        Dictionary; its columns are normalized to unit norm first.
    n_inside : int, default 1000
        Signals drawn so that the printed condition holds (none when μ > 1/2).
    n_outside : int, default 1000
        Signals drawn with q = kμ · 2z₁/z_k in [1, q_max] (none when μ = 0:
        with orthogonal atoms every sparse signal meets the condition). μ is
        that of :func:`~ksparse.theory.mutual_coherence`, so an orthonormal
        basis whose computed inner products are of rounding size has μ = 0.
    k_max : int, optional
        Largest sparsity outside the bound; default ``n_features // 8``.
    q_max : float, default 32
        Largest q outside the bound, in (1, :data:`Q_MAX_LIMIT` = 1e15]:
        further out z_k / z₁ = 2kμ / q is at float64's rounding level.
    equal_fraction : float, default 0.1
        Share of the inside signals with equal magnitudes (z_k = z₁).
    signed : bool, default False
        Random signs on the codes; recovery then ranks ``|Wᵀx|``.
    chunk_size : int, default 8192
        Signals checked at once (memory is O(chunk_size · n_atoms)).
    random_state : None, int or numpy.random.Generator
    name : str
        Label for tables and plots.

    Returns
    -------
    result : TheoremExperiment
    """
    W = check_matrix(W, "W", min_cols=2)
    n_inside = check_positive_int(n_inside, "n_inside", 0)
    n_outside = check_positive_int(n_outside, "n_outside", 0)
    n_features, n_atoms = W.shape
    k_max = max(2, n_features // 8) if k_max is None else check_positive_int(k_max, "k_max")
    k_max = min(k_max, n_atoms - 1)
    q_max = check_tol(q_max, "q_max")
    if not 1 < q_max <= Q_MAX_LIMIT:
        raise ValueError(f"q_max must be > 1 and at most {Q_MAX_LIMIT:g}, got {q_max:g}.")
    equal_fraction = check_tol(equal_fraction, "equal_fraction")
    if equal_fraction > 1:
        raise ValueError(f"equal_fraction must be in [0, 1], got {equal_fraction}.")
    signed = check_bool(signed, "signed")
    chunk_size = check_positive_int(chunk_size, "chunk_size")
    W = _normalize_columns(W)
    mu = _mutual_coherence(W, max(1, 2**22 // n_atoms))
    plan = _Plan(mu, n_atoms, n_inside, n_outside, k_max, q_max)
    rng = default_rng(random_state)
    parts = [_run_group(W, mu, k, n, lo, hi, eq, signed, chunk_size, rng) for k, n, lo, hi, eq in plan(equal_fraction)]
    return _collect(name, W, mu, plan.k_bound, signed, parts)


class _Plan:
    """Which (k, count, q range) groups to draw, for both sides of the bound."""

    def __init__(self, mu, n_atoms, n_inside, n_outside, k_max, q_max):
        k_bound = 0
        while k_bound + 1 < n_atoms and (k_bound + 1) * mu <= 0.5:
            k_bound += 1
        self.k_bound = k_bound
        self.mu, self.q_max = mu, q_max
        self.inside = _split(n_inside, list(range(1, k_bound + 1)))
        # k = 1 is outside only when 2μ > 1; larger k need 2kμ < q_max to fit;
        # with μ = 0 (orthogonal atoms) every signal meets the condition: none is outside.
        ks = [k for k in range(1, k_max + 1) if 0 < 2 * k * mu < q_max and (k > 1 or 2 * mu > 1)]
        self.outside = _split(n_outside, ks)

    def _q_low(self, k):
        return max(2 * k * self.mu, 1e-3)  # μ = 0 would make log q = -inf

    def __call__(self, equal_fraction):
        """Yield (k, n_signals, q_low, q_high, equal_fraction) per group."""
        for k, n in self.inside:
            yield k, n, self._q_low(k), 1.0, equal_fraction
        for k, n in self.outside:
            yield k, n, max(1.0, self._q_low(k)), self.q_max, 0.0


def _split(n, ks):
    """Spread n signals as evenly as possible over the sparsities ks."""
    if not ks or n == 0:
        return []
    base, extra = divmod(n, len(ks))
    return [(k, base + (i < extra)) for i, k in enumerate(ks) if base + (i < extra) > 0]


def _run_group(W, mu, k, n, q_lo, q_hi, equal_fraction, signed, chunk_size, rng):
    """Draw n codes with sparsity k and q log-uniform in [q_lo, q_hi]; check them."""
    xp = get_array_module(W)
    out = []
    for start in range(0, n, chunk_size):
        m = min(chunk_size, n - start)
        q = np.exp(rng.uniform(np.log(q_lo), np.log(q_hi), size=m))  # (m,)
        rho = np.minimum(1.0, 2 * k * mu / q) if mu > 0 else rng.uniform(0.01, 1.0, size=m)
        rho[rng.random(m) < equal_fraction] = 1.0
        Z = to_device(_draw_codes(rng, m, W.shape[1], k, rho, signed), xp)  # (m, n_atoms)
        check = _check(W, Z, k, signed, mu)
        out.append({"k": np.full(m, k), **{f: to_numpy(getattr(check, f)) for f in _FIELDS}})
    return out


def _collect(name, W, mu, k_bound, signed, parts):
    chunks = [c for part in parts for c in part]
    cat = {f: np.concatenate([c[f] for c in chunks]) if chunks else np.empty(0) for f in ("k",) + _FIELDS}
    return TheoremExperiment(name, W.shape[0], W.shape[1], mu, k_bound, signed, **cat)


def recovery_curve(result, bins=30):
    """Recovery rate against q = kμ · 2z₁/z_k, in log-spaced bins.

    Parameters
    ----------
    result : TheoremExperiment
    bins : int, default 30
        Number of log-spaced bins between the smallest and the largest
        positive q; at least 1.

    Returns
    -------
    centers : array, shape (n_bins,)
        Geometric bin centres (empty bins dropped), increasing. Signals with
        q = 0 (all of them when μ = 0) have a bin of their own, first, with
        centre 0 (which a log axis does not show). Empty arrays when the
        experiment has no signals.
    rate : array, shape (n_bins,)
        Fraction of signals whose support was recovered.
    counts : int array, shape (n_bins,)
    """
    bins = check_positive_int(bins, "bins")
    q = result.bound_ratio  # (n_signals,)
    hits = result.recovered.astype(float)  # (n_signals,)
    zero = q == 0  # log-spaced edges cannot reach q = 0
    centers, rate, counts = _log_bins(q[~zero], hits[~zero], bins)
    if zero.any():
        centers = np.concatenate([[0.0], centers])
        rate = np.concatenate([[hits[zero].mean()], rate])
        counts = np.concatenate([[int(zero.sum())], counts])
    return centers, rate, counts


def _log_bins(q, hits, bins):
    """(centres, rates, counts) of the non-empty of ``bins`` log-spaced bins over q > 0."""
    if not q.size:
        return np.empty(0), np.empty(0), np.empty(0, dtype=np.intp)
    edges = np.geomspace(q.min(), q.max() * (1 + 1e-12), bins + 1)  # (bins + 1,)
    which = np.clip(np.searchsorted(edges, q, side="right") - 1, 0, bins - 1)  # (n_signals,)
    counts = np.bincount(which, minlength=bins)
    recovered = np.bincount(which, weights=hits, minlength=bins)
    keep = counts > 0
    centers = np.sqrt(edges[:-1] * edges[1:])
    return centers[keep], recovered[keep] / counts[keep], counts[keep]


def format_table(results):
    """Plain-text table of :meth:`TheoremExperiment.summary` rows."""
    rows = [r.summary() for r in results]
    header = list(rows[0])
    cells = [[_fmt(row[h]) for h in header] for row in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(header)]

    def line(vals):
        return "  ".join(v.rjust(w) for v, w in zip(vals, widths))

    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(c) for c in cells])


def _fmt(v):
    if isinstance(v, float):
        return f"{v:.4f}"
    return str(v)
