"""Checks for the gradient exercises: ∂E/∂b′ with and without pre-bias (§3.2).

The loss is the paper's E = (1/n) Σᵢ ‖xᵢ − x̂ᵢ‖² with tied weights,
z = Wᵀx + b (or Wᵀ(x − b′) + b with pre-bias), Γ = supp_k(z),
x̂ = W z_Γ + b′. Random cases are drawn with a clear gap between the k-th
and (k+1)-th activity, so that the selection does not flip under the tiny
perturbations a finite-difference check of the same gradient would make.
"""
import numpy as np

from . import _reference as ref
from ._result import StudentError, as_host_array, attempt, failed, passed

__all__ = ["check_b_prime_gradient", "check_pre_bias_gradient", "gradient_cases"]

_PLAIN = "gradient of b′"
_PRE = "gradient of b′ with pre-bias"
_GAP = 1e-3  # smallest accepted gap between the k-th and (k+1)-th activity
_N_CASES = 6


def _gap(X, W, b, b_prime, k, pre_bias):
    z = np.sort((X - b_prime if pre_bias else X) @ W + b, axis=1)  # (n, h), ascending
    return float((z[:, -k] - z[:, -k - 1]).min())


def gradient_cases(random_state=0, n_cases=_N_CASES, pre_bias=False):
    """Random float64 problems ``(X, W, b, b_prime, k)`` with a stable selection.

    Returns
    -------
    cases : list of tuple
        ``X`` (n, d), ``W`` (d, h), ``b`` (h,), ``b_prime`` (d,), ``k`` int.
    """
    rng = np.random.default_rng(random_state)
    cases = []
    while len(cases) < n_cases:
        n, d, h = int(rng.integers(2, 6)), int(rng.integers(2, 7)), int(rng.integers(3, 9))
        k = int(rng.integers(1, h))
        case = (rng.standard_normal((n, d)), rng.standard_normal((d, h)) / np.sqrt(d),
                0.1 * rng.standard_normal(h), rng.standard_normal(d), k)
        if _gap(*case, pre_bias) > _GAP:
            cases.append(case)
    return cases


def _diagnose(got, expected, n, plain):
    """A hint for a gradient that is off in a recognisable way, else None."""
    def close(a):
        return np.allclose(got, a, rtol=1e-6, atol=1e-9)

    if close(-expected):
        return "the sign is flipped: E grows when x̂ moves away from x, so use x̂ − x."
    if close(expected / 2) or close(2 * expected):
        return "it is off by a factor 2: d‖r‖²/dr = 2r."
    if close(expected * n) or close(expected / n):
        return f"it is off by the batch size n = {n}: E is a mean over the batch."
    if plain is not None and close(plain):
        return ("it is the decoder's path only; with pre-bias b′ also enters the encoder, "
                "z = Wᵀ(x − b′) + b.")
    return None


def _check(func, exercise, pre_bias, random_state):
    try:
        for X, W, b, b_prime, k in gradient_cases(random_state, pre_bias=pre_bias):
            args = (X.copy(), W.copy(), b.copy(), b_prime.copy(), k)
            got = as_host_array(attempt(func, *args), "∂E/∂b′, an array of shape (n_features,)")
            expected = ref.b_prime_gradient(X, W, b, b_prime, k, pre_bias)  # (d,)
            if got.shape != expected.shape:
                return failed(exercise, (
                    f"the gradient has shape {got.shape}; ∂E/∂b′ has the shape of b′, "
                    f"{expected.shape} (sum the per-example terms over the batch)."))
            if not np.allclose(got, expected, rtol=1e-6, atol=1e-9):
                plain = ref.b_prime_gradient(X, W, b, b_prime, k) if pre_bias else None
                hint = _diagnose(got, expected, X.shape[0], plain)
                detail = hint or f"it differs from the reference by up to " \
                                 f"{np.abs(got - expected).max():.3g}."
                return failed(exercise, f"on a case with n = {X.shape[0]}, k = {k}, {detail}")
    except StudentError as exc:
        return failed(exercise, str(exc))
    return passed(exercise, f"{_N_CASES} random cases agree with the reference (float64).")


def check_b_prime_gradient(func, random_state=0):
    """Check ``func(X, W, b, b_prime, k)``: ∂E/∂b′ of the paper's k-sparse autoencoder.

    Parameters
    ----------
    func : callable
        Returns an array of shape (n_features,).
    random_state : int

    Returns
    -------
    result : CheckResult
    """
    return _check(func, _PLAIN, False, random_state)


def check_pre_bias_gradient(func, random_state=0):
    """Check ``func(X, W, b, b_prime, k)``: ∂E/∂b′ when the encoder sees x − b′.

    Parameters
    ----------
    func : callable
        Returns an array of shape (n_features,) for the model
        z = Wᵀ(x − b′) + b, x̂ = W z_Γ + b′.
    random_state : int

    Returns
    -------
    result : CheckResult
    """
    return _check(func, _PRE, True, random_state)
