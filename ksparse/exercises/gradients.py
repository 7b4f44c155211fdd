"""Checks for the gradient exercises: ∂E/∂b′ with and without pre-bias (§3.2).

The loss is the paper's E = (1/n) Σᵢ ‖xᵢ − x̂ᵢ‖² with tied weights,
z = Wᵀx + b (or Wᵀ(x − b′) + b with pre-bias), Γ = supp_k(z),
x̂ = W z_Γ + b′. Random cases are drawn with a clear gap between the k-th
and (k+1)-th activity, so that the selection does not flip under the tiny
perturbations a finite-difference check of the same gradient would make.
"""
import numpy as np

from . import _reference as ref
from ._result import StudentError, as_host_array, attempt, failed, is_close, passed, rounding_note

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

    The batch size n and the number of features d are distinct and neither
    is 2, so that an answer off by a factor n, d or 2 is off by one of them only.

    Returns
    -------
    cases : list of tuple
        ``X`` (n, d), ``W`` (d, h), ``b`` (h,), ``b_prime`` (d,), ``k`` int.
    """
    rng = np.random.default_rng(random_state)
    cases = []
    while len(cases) < n_cases:
        n, d, h = int(rng.integers(3, 6)), int(rng.integers(3, 7)), int(rng.integers(3, 9))
        if n == d:
            continue
        k = int(rng.integers(1, h))
        case = (rng.standard_normal((n, d)), rng.standard_normal((d, h)) / np.sqrt(d),
                0.1 * rng.standard_normal(h), rng.standard_normal(d), k)
        if _gap(*case, pre_bias) > _GAP:
            cases.append(case)
    return cases


def _magnitude(X, W, b, b_prime, k, pre_bias):
    """2 max |x̂ − x| (with the encoder term) summed in absolute values: float32 round-off's scale."""
    z = (X - b_prime if pre_bias else X) @ W + b  # (n, h)
    keep, A = ref.topk_mask(z, k), np.abs(W)  # (n, h), (d, h)
    r = (np.abs(z) * keep) @ A.T + np.abs(b_prime) + np.abs(X)  # (n, d)
    if pre_bias:
        r = r + ((r @ A) * keep) @ A.T  # (n, d), the encoder term's terms
    return 2.0 * float(r.max())


def _decoder_path_only(X, W, b, b_prime, k):
    """The pre-bias gradient without its encoder term: 2 mean(x̂ − x), z from x − b′."""
    z = (X - b_prime) @ W + b  # (n, h)
    x_hat = (z * ref.topk_mask(z, k)) @ W.T + b_prime  # (n, d)
    return 2.0 * (x_hat - X).mean(axis=0)  # (d,)


def _diagnose(got, expected, case, pre_bias, magnitude):
    """A hint for a gradient that is off in a recognisable way, else None."""
    def close(a):
        return is_close(got, a, magnitude)

    n, d = case[0].shape
    if close(-expected):
        return "the sign is flipped: E grows when x̂ moves away from x, so use x̂ − x."
    # The cases have n ∉ {2, d} and d ≠ 2, so each factor names one cause.
    if close(expected / 2) or close(2 * expected):
        return "it is off by a factor 2: d‖r‖²/dr = 2r."
    if close(expected * n) or close(expected / n):
        return f"it is off by the batch size n = {n}: E is a mean over the batch."
    if close(expected / d):
        return (f"it is off by the number of features d = {d}: E sums over features, "
                "it does not average them.")
    if pre_bias and close(_decoder_path_only(*case)):
        return ("it is the decoder's path only; with pre-bias b′ also enters the encoder, "
                "z = Wᵀ(x − b′) + b, and moves z_Γ.")
    if pre_bias and close(ref.b_prime_gradient(*case)):
        return ("it is the gradient without pre-bias: the encoder must see x − b′, "
                "z = Wᵀ(x − b′) + b.")
    return None


def _problem(got, case, pre_bias):
    """What is wrong with ``got`` as ∂E/∂b′ on ``case``, or None."""
    expected = ref.b_prime_gradient(*case, pre_bias)  # (d,)
    if got.shape != expected.shape:
        return (f"the gradient has shape {got.shape}; ∂E/∂b′ has the shape of b′, "
                f"{expected.shape} (sum the per-example terms over the batch).")
    magnitude = _magnitude(*case, pre_bias)
    if is_close(got, expected, magnitude):
        return None
    hint = _diagnose(got, expected, case, pre_bias, magnitude)
    if hint is None:
        hint = (f"it differs from the reference by up to {np.abs(got - expected).max():.3g}"
                f"{rounding_note(got, expected, magnitude)}.")
    return f"on a case with n = {case[0].shape[0]}, k = {case[4]}, {hint}"


def _check(func, exercise, pre_bias, random_state):
    precision = "float64"
    try:
        for case in gradient_cases(random_state, pre_bias=pre_bias):
            args = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in case)
            got = as_host_array(attempt(func, *args), "∂E/∂b′, an array of shape (n_features,)")
            problem = _problem(got, case, pre_bias)
            if problem:
                return failed(exercise, problem)
            if got.dtype == np.float32:
                precision = "to float32 round-off"
    except StudentError as exc:
        return failed(exercise, str(exc))
    return passed(exercise, f"{_N_CASES} random cases agree with the reference ({precision}).")


def check_b_prime_gradient(func, random_state=0):
    """Check ``func(X, W, b, b_prime, k)``: ∂E/∂b′ of the paper's k-sparse autoencoder.

    Parameters
    ----------
    func : callable
        Returns an array of shape (n_features,); a float32 one is compared
        to float32 round-off, any other to a millionth.
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
        z = Wᵀ(x − b′) + b, x̂ = W z_Γ + b′; a float32 one is compared to
        float32 round-off, any other to a millionth.
    random_state : int

    Returns
    -------
    result : CheckResult
    """
    return _check(func, _PRE, True, random_state)
