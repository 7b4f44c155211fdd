"""The exercise checks name the right cause of a wrong answer, and judge float32 answers
to float32 round-off: a right one passes, a wrong one is still wrong."""
import re

import numpy as np
import pytest

from ksparse import exercises as ex
from ksparse.exercises.gradients import gradient_cases

SEEDS = range(10)


def topk(z, k):
    order = np.argsort(-z, axis=1, kind="stable")[:, :k]
    mask = np.zeros(z.shape, dtype=bool)
    np.put_along_axis(mask, order, True, axis=1)
    return mask


def grad(X, W, b, b_prime, k, *, pre_bias=False, encoder_term=True):
    """∂E/∂b′, optionally without the encoder's term (the mistake the pre-bias hint names)."""
    z = (X - b_prime if pre_bias else X) @ W + b
    mask = topk(z, k)
    r = (z * mask) @ W.T + b_prime - X  # (n, d), x̂ − x
    if pre_bias and encoder_term:
        r = r - ((r @ W) * mask) @ W.T
    return 2.0 * r.mean(axis=0)


def grad_pre_bias(*args):
    return grad(*args, pre_bias=True)


def alpha_codes(X, W, b, k, alpha):
    z = X @ W + b
    return z * topk(z, int(round(alpha * k)))


def in_float32(func):
    """``func`` computed from float32 copies of its arrays: a float32 answer."""
    def func32(*args):
        return func(*(a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in args))
    return func32


# ------------------------------------------------------------ factors named by their cause
def test_gradient_cases_make_every_factor_distinct():
    shapes = {X.shape for seed in SEEDS for pre_bias in (False, True)
              for X, *_ in gradient_cases(seed, pre_bias=pre_bias)}
    assert all(n not in (2, d) and d != 2 for n, d in shapes)


FACTORS = [
    (lambda X, *a: X.shape[0], r"off by the batch size n = (\d+): E is a mean over the batch"),
    (lambda X, *a: 1 / X.shape[0], r"off by the batch size n = (\d+): E is a mean over the batch"),
    (lambda X, *a: 1 / X.shape[1],
     r"off by the number of features d = (\d+): E sums over features, it does not average"),
    (lambda *a: 0.5, r"off by a factor 2: d‖r‖²/dr = 2r"),
    (lambda *a: 2.0, r"off by a factor 2: d‖r‖²/dr = 2r"),
]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("check, right, pre_bias", [
    (ex.check_b_prime_gradient, grad, False),
    (ex.check_pre_bias_gradient, grad_pre_bias, True),
])
@pytest.mark.parametrize("factor, hint", FACTORS)
def test_a_gradient_off_by_a_factor_is_told_which(seed, check, right, pre_bias, factor, hint):
    result = check(lambda *a: right(*a) * factor(*a), random_state=seed)
    assert not result.passed
    match = re.search(hint, result.message)
    assert match, result.message
    n, d = gradient_cases(seed, pre_bias=pre_bias)[0][0].shape  # the first case fails
    assert match.groups() in [(), (str(n),) if "batch" in hint else (str(d),)]


# ------------------------------------------------------------ pre-bias: which path is missing
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("answer, hint", [
    # x − b′ encoded, but b′'s path through z_Γ left out
    (lambda *a: grad(*a, pre_bias=True, encoder_term=False),
     "it is the decoder's path only; with pre-bias b′ also enters the encoder"),
    # the model without pre-bias altogether
    (grad, "it is the gradient without pre-bias: the encoder must see x − b′"),
])
def test_the_pre_bias_hints_tell_the_two_mistakes_apart(seed, answer, hint):
    result = ex.check_pre_bias_gradient(answer, random_state=seed)
    assert not result.passed and hint in result.message, result.message


# ------------------------------------------------------------ float32 answers
FLOAT_CHECKS = [
    (ex.check_alpha_k_encoding, alpha_codes),
    (ex.check_b_prime_gradient, grad),
    (ex.check_pre_bias_gradient, grad_pre_bias),
]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("check, right", FLOAT_CHECKS)
def test_a_right_answer_computed_in_float32_passes(seed, check, right):
    result = check(in_float32(right), random_state=seed)
    assert result.passed, result.message


@pytest.mark.parametrize("check, wrong, message", [
    (ex.check_alpha_k_encoding, lambda X, W, b, k, a: alpha_codes(X, W, 0 * b, k, a),
     "without the bias b"),
    (ex.check_alpha_k_encoding, lambda *a: np.maximum(alpha_codes(*a), 0), "negative"),
    (ex.check_b_prime_gradient, lambda *a: -grad(*a), "sign is flipped"),
    (ex.check_b_prime_gradient, lambda X, W, b, bp, k: grad(X, W, 0 * b, bp, k),
     "differs from the reference"),
    (ex.check_pre_bias_gradient, lambda *a: grad(*a, pre_bias=True, encoder_term=False),
     "decoder's path only"),
    # Off by one part in ten thousand: far more than float32 round-off.
    (ex.check_alpha_k_encoding, lambda *a: alpha_codes(*a) * (1 + 1e-4),
     "differs from the reference"),
    (ex.check_b_prime_gradient, lambda *a: grad(*a) * (1 + 1e-4), "differs from the reference"),
    (ex.check_pre_bias_gradient, lambda *a: grad_pre_bias(*a) * (1 + 1e-4),
     "differs from the reference"),
])
def test_a_wrong_answer_computed_in_float32_fails(check, wrong, message):
    result = check(in_float32(wrong))
    assert not result.passed and message in result.message, result.message
    assert "float32 round-off" not in result.message


@pytest.mark.parametrize("check, right", FLOAT_CHECKS)
def test_a_float64_answer_off_by_float32_round_off_is_told_so(check, right):
    # float32 arithmetic handed back as float64 is held to float64 (it may pass when the
    # round-off happens to stay under a millionth); when it fails, the likely cause is named.
    results = [check(lambda *a: in_float32(right)(*a).astype(np.float64), random_state=seed)
               for seed in SEEDS]
    failures = [r.message for r in results if not r.passed]
    assert failures
    for message in failures:
        assert re.search(r"differs from the reference by up to [\d.]+e-0[5-8] \(float32 "
                         r"round-off: was it computed in float32\? use float64 throughout\)",
                         message), message
