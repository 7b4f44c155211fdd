"""Checks for the encoding exercises: the top-k mask, α·k codes, the k schedule (§2.2, §4.2.1).

Each ``check_*`` takes the student's function, runs it on random cases and
returns a :class:`~ksparse.exercises.CheckResult`; nothing is printed.
"""
import math

import numpy as np

from . import _reference as ref
from ._result import StudentError, as_host_array, attempt, failed, is_close, passed, rounding_note

__all__ = ["check_alpha_k_encoding", "check_sparsity_schedule", "check_topk_mask"]

_TOPK = "top-k mask"
_ALPHA = "alpha-k encoding"
_SCHEDULE = "sparsity schedule"


def _topk_cases(rng):
    """(z, k, what) triples: random rows, edge values of k, and rows with ties."""
    cases = []
    for _ in range(20):
        n, h = int(rng.integers(1, 6)), int(rng.integers(2, 13))
        cases.append((rng.standard_normal((n, h)), int(rng.integers(1, h + 1)), "random"))
    cases.append((rng.standard_normal((3, 7)), 1, "k = 1"))
    cases.append((rng.standard_normal((3, 7)), 7, "k = n_hidden"))
    cases.append((-np.abs(rng.standard_normal((3, 6))), 2, "all negative"))
    cases.append((np.zeros((2, 5)), 2, "ties (a row of zeros)"))
    cases.append((np.array([[3.0, 1.0, 3.0, 3.0, 0.0]]), 2, "ties at the k-th value"))
    return cases


def _topk_problem(z, k, mask, what):
    """What is wrong with ``mask`` as supp_k(z), or None."""
    if mask.shape != z.shape:
        return f"on a {what} case the mask has shape {mask.shape}, expected z's shape {z.shape}."
    if mask.dtype != bool:
        return (f"the mask has dtype {mask.dtype}; return a boolean array "
                "(True for the units kept).")
    counts = mask.sum(axis=1)  # (n,)
    bad = np.flatnonzero(counts != k)
    if bad.size:
        hint = " With ties, `z >= threshold` keeps them all." if "ties" in what else ""
        return (f"on a {what} case (k = {k}) row {bad[0]} keeps {counts[bad[0]]} units, "
                f"expected exactly {k}.{hint}")
    if not ref.valid_topk(z, mask, k):
        row = next(i for i in range(z.shape[0]) if not ref.valid_topk(z[i:i + 1], mask[i:i + 1], k))
        return (f"on a {what} case (k = {k}) row {row} keeps units "
                f"{np.flatnonzero(mask[row]).tolist()}, but the {k} largest are "
                f"{ref.topk_support(z[row:row + 1], k)[0].tolist()}.")
    return None


def check_topk_mask(func, random_state=0):
    """Check ``func(z, k)``: a boolean mask of the k largest entries of each row.

    Parameters
    ----------
    func : callable
        ``func(z, k) -> mask`` with ``z`` of shape (n, n_hidden) and ``mask``
        a bool array of the same shape, exactly k True per row. With ties any
        choice among the tied entries is accepted.
    random_state : int

    Returns
    -------
    result : CheckResult
    """
    cases = _topk_cases(np.random.default_rng(random_state))
    try:
        for z, k, what in cases:
            z_copy = z.copy()
            mask = as_host_array(attempt(func, z_copy, k), "a boolean mask")
            if not np.array_equal(z_copy, z):
                return failed(_TOPK, "your function changed its input z; work on a copy.")
            problem = _topk_problem(z, k, mask, what)
            if problem:
                return failed(_TOPK, problem)
    except StudentError as exc:
        return failed(_TOPK, str(exc))
    return passed(_TOPK, f"{len(cases)} cases agree with the reference, ties included.")


def _alpha_problem(X, W, b, k, alpha, H):
    n_active = int(round(alpha * k))
    expected = ref.alpha_k_codes(X, W, b, k, alpha)  # (n, h)
    if H.shape != expected.shape:
        return f"H has shape {H.shape}, expected (n_samples, n_hidden) = {expected.shape}."
    magnitude = float((np.abs(X) @ np.abs(W) + np.abs(b)).max())  # what z's round-off scales with

    def close(other):
        return is_close(H, other, magnitude)

    if close(expected):
        return None
    setting = f"(k = {k}, α = {alpha:g}, so α·k = {alpha * k:g}, rounded {n_active})"
    kept = (H != 0).sum(axis=1)  # (n,)
    near = (math.floor(alpha * k), math.ceil(alpha * k))  # truncated, rounded up
    if (kept != n_active).all() and np.isin(kept, near).all():
        return (f"H keeps {kept.max()} units per row {setting}; round α·k to the nearest "
                "integer (Python's round), do not truncate or round up.")
    if close(ref.alpha_k_codes(X, W, b, k, 1.0)) and n_active != k:
        return f"H keeps k units per row {setting}; at test time keep round(α·k)."
    if close(ref.alpha_k_codes(X, W, 0 * b, k, alpha)):
        return f"H matches codes without the bias b {setting}; z = Wᵀx + b."
    if np.array_equal(H != 0, expected != 0) and set(np.unique(H)) <= {0, 1, True, False}:
        return f"H is the mask {setting}; return the values z on the kept units."
    if close(np.maximum(expected, 0)):
        return (f"H sets negative values to zero {setting}; the encoder is linear, keep "
                "the α·k largest values as they are.")
    if (kept != n_active).any():
        return f"a row of H has {kept.max()} non-zeros, expected {n_active} {setting}."
    return (f"H differs from the reference by up to {np.abs(H - expected).max():.3g}"
            f"{rounding_note(H, expected, magnitude)} {setting}.")


def check_alpha_k_encoding(func, random_state=0):
    """Check ``func(X, W, b, k, alpha)``: the test-time features h = supp_{α·k}(Wᵀx + b).

    Parameters
    ----------
    func : callable
        Returns H of shape (n_samples, n_hidden): the round(α·k) largest
        entries of ``X @ W + b`` in each row, every other entry 0. A float32
        H is compared to float32 round-off, any other to a millionth.
    random_state : int

    Returns
    -------
    result : CheckResult
    """
    rng = np.random.default_rng(random_state)
    # α·k is whole in the first settings and fractional in the last two, once
    # below and once above one half: truncating or rounding up fails one of them.
    settings = [(3, 1.0), (3, 2.0), (4, 1.5), (2, 3.0), (5, 1.2), (1, 4.0), (5, 1.25), (3, 1.3)]
    try:
        for k, alpha in settings:
            n, d, h = 4, 6, 12
            X, W, b = rng.standard_normal((n, d)), rng.standard_normal((d, h)), rng.standard_normal(h)
            H = as_host_array(attempt(func, X.copy(), W.copy(), b.copy(), k, alpha),
                              "the codes H")
            problem = _alpha_problem(X, W, b, k, alpha, H)
            if problem:
                return failed(_ALPHA, problem)
    except StudentError as exc:
        return failed(_ALPHA, str(exc))
    return passed(_ALPHA, f"{len(settings)} settings of (k, α) agree with the reference.")


def check_sparsity_schedule(func):
    """Check ``func(step, total_steps, k, k_start)``: the sparsity level of §4.2.1.

    Parameters
    ----------
    func : callable
        Returns the integer k at ``step`` (counted from 0): linear from
        ``k_start`` at step 0 to ``k`` at step ``total_steps // 2``, then ``k``;
        ``k_start=None`` means k throughout. The linear value is rounded to the
        nearest integer (truncating it fails); either neighbour of a
        half-integer is accepted.

    Returns
    -------
    result : CheckResult
    """
    cases = [(s, 100, 10, 50) for s in (0, 1, 13, 25, 49, 50, 51, 99)]
    cases += [(s, 7, 2, 9) for s in range(7)] + [(0, 10, 5, None), (3, 1, 5, 20)]
    cases += [(1, 4, 1, 4), (1, 4, 2, 5)]  # exactly 2.5 and 3.5: either neighbour is right
    try:
        for step, total, k, k_start in cases:
            value = attempt(func, step, total, k, k_start)
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
                return failed(_SCHEDULE, f"returned {value!r}; k must be an int "
                                         "(round it to the nearest integer).")
            allowed = ref.sparsity_level(step, total, k, k_start)
            if int(value) not in allowed:
                return failed(_SCHEDULE, (
                    f"step {step} of {total}, k = {k}, k_start = {k_start}: got {value}, "
                    f"expected {' or '.join(map(str, sorted(allowed)))}."))
    except StudentError as exc:
        return failed(_SCHEDULE, str(exc))
    return passed(_SCHEDULE, f"{len(cases)} steps agree with the schedule of §4.2.1.")
