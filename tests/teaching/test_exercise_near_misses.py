"""Every exercise check against several wrong answers, near misses among them.

A near miss is what a careful student gets almost right: k off by one, a
transposed matrix, a missing factor of 2, the schedule one step late. Each
must be graded ``[not yet]``; the right answers (and their harmless
variants) must still pass.
"""
import math
import re
import textwrap

import numpy as np
import pytest

from ksparse import exercises as ex


# ------------------------------------------------------------ right answers
def topk_right(z, k):
    order = np.argsort(-z, axis=1, kind="stable")[:, :k]
    mask = np.zeros(z.shape, dtype=bool)
    np.put_along_axis(mask, order, True, axis=1)
    return mask


def alpha_right(X, W, b, k, alpha):
    z = X @ W + b
    return z * topk_right(z, int(round(alpha * k)))


def grad_right(X, W, b, b_prime, k):
    z = X @ W + b
    return 2.0 * ((z * topk_right(z, k)) @ W.T + b_prime - X).mean(axis=0)


def grad_pre_bias_right(X, W, b, b_prime, k):
    return grad_terms(X, W, b, b_prime, k)


def schedule_right(step, total_steps, k, k_start):
    half = total_steps // 2
    if k_start is None or step >= half:
        return k
    return int(round(k_start + (k - k_start) * step / half))


def coherence(W):
    W = W / np.linalg.norm(W, axis=0)
    gram = np.abs(W.T @ W)
    np.fill_diagonal(gram, 0)
    return gram.max()


def theorem_right(W):
    return int(np.floor(0.5 / coherence(W) + 1e-9))


# ------------------------------------------------------------ wrong answers


def n_active(k, alpha):
    return int(round(alpha * k))


def topk_first_row_everywhere(z, k):  # right for one row, then copied to the others
    return np.broadcast_to(topk_right(z[:1], k), z.shape).copy()


def topk_strictly_above_kth(z, k):  # `>` instead of `>=`: drops the k-th itself
    return z > np.sort(z, axis=1)[:, -k][:, None]


def grad_terms(X, W, b, b_prime, k, *, bias=True, encoder_sign=-1.0, encoder_input=None):
    """The pre-bias gradient with one piece done wrong on request."""
    X_in = X - b_prime if encoder_input is None else encoder_input
    z = X_in @ W + (b if bias else 0)
    mask = topk_right(z, k)
    r = (z * mask) @ W.T + b_prime - X  # (n, d)
    return 2.0 * (r + encoder_sign * ((r @ W) * mask) @ W.T).mean(axis=0)


NEAR_MISSES = {
    ex.check_topk_mask: [
        ("k + 1 units", lambda z, k: topk_right(z, min(k + 1, z.shape[1]))),
        ("k − 1 units", lambda z, k: topk_right(z, k - 1)),
        ("the k smallest", lambda z, k: topk_right(-z, k)),
        ("largest |z|", lambda z, k: topk_right(np.abs(z), k)),
        ("`>` the k-th value", topk_strictly_above_kth),
        ("row 0's mask for every row", topk_first_row_everywhere),
        ("top k down each column (transposed)",
         lambda z, k: topk_right(z.T, min(k, z.shape[0])).T),
    ],
    ex.check_alpha_k_encoding: [
        ("round(α·k) + 1", lambda X, W, b, k, a: alpha_right(X, W, b, k, (n_active(k, a) + 1) / k)),
        ("round(α·k) − 1", lambda X, W, b, k, a: alpha_right(X, W, b, k, (n_active(k, a) - 1) / k)),
        ("round(α)·k", lambda X, W, b, k, a: alpha_right(X, W, b, k, round(a))),
        ("floor(α)·k", lambda X, W, b, k, a: alpha_right(X, W, b, k, math.floor(a))),
        ("the largest |z|", lambda X, W, b, k, a:
            (X @ W + b) * topk_right(np.abs(X @ W + b), n_active(k, a))),
        ("b subtracted", lambda X, W, b, k, a: alpha_right(X, W, -b, k, a)),
        ("z of the α·k smallest", lambda X, W, b, k, a:
            (X @ W + b) * topk_right(-(X @ W + b), n_active(k, a))),
    ],
    ex.check_b_prime_gradient: [
        ("no bias b in z", lambda X, W, b, bp, k: grad_right(X, W, 0 * b, bp, k)),
        ("k + 1 units", lambda X, W, b, bp, k: grad_right(X, W, b, bp, k + 1)),
        ("k − 1 units", lambda X, W, b, bp, k: grad_right(X, W, b, bp, k - 1)),
        ("every unit (no top-k)", lambda X, W, b, bp, k: grad_right(X, W, b, bp, W.shape[1])),
        ("x̂ without b′", lambda X, W, b, bp, k: grad_right(X, W, b, 0 * bp, k)),
        ("x − x̂", lambda *a: -grad_right(*a)),
        ("without the 2", lambda *a: grad_right(*a) / 2),
        ("a sum, not a mean", lambda X, *a: grad_right(X, *a) * X.shape[0]),
        ("summed over features (transposed)", lambda X, W, b, bp, k:
            np.resize(2.0 * ((X @ W + b) * topk_right(X @ W + b, k) @ W.T + bp - X)
                      .mean(axis=1), bp.shape)),
    ],
    ex.check_pre_bias_gradient: [
        ("the decoder's path only", grad_right),
        ("the encoder term added", lambda *a: grad_terms(*a, encoder_sign=+1.0)),
        ("the encoder term halved", lambda *a: grad_terms(*a, encoder_sign=-0.5)),
        ("the encoder sees x", lambda X, W, b, bp, k: grad_terms(X, W, b, bp, k,
                                                                  encoder_input=X)),
        ("no bias b in z", lambda *a: grad_terms(*a, bias=False)),
        ("without the 2", lambda *a: grad_pre_bias_right(*a) / 2),
        ("x − x̂", lambda *a: -grad_pre_bias_right(*a)),
    ],
    ex.check_sparsity_schedule: [
        ("one step late", lambda s, t, k, ks: schedule_right(max(s - 1, 0), t, k, ks)),
        ("one step early", lambda s, t, k, ks: schedule_right(s + 1, t, k, ks)),
        ("ramp over half − 1 steps", lambda s, t, k, ks:
            k if ks is None or s >= t // 2 else
            int(round(ks + (k - ks) * s / max(t // 2 - 1, 1)))),
        ("ramp over half + 1 steps", lambda s, t, k, ks:
            k if ks is None or s >= t // 2 + 1 else
            int(round(ks + (k - ks) * s / (t // 2 + 1)))),
        ("ramp over the whole run", lambda s, t, k, ks:
            k if ks is None or s >= t else int(round(ks + (k - ks) * s / t))),
        ("truncated", lambda s, t, k, ks:
            k if ks is None or s >= t // 2 else int(ks + (k - ks) * s / (t // 2))),
        ("half as t / 2", lambda s, t, k, ks:
            k if ks is None or s >= t / 2 else int(round(ks + (k - ks) * s / (t / 2)))),
        ("k + 1 after the ramp", lambda s, t, k, ks:
            schedule_right(s, t, k, ks) + (ks is None or s >= t // 2)),
        ("k_start and k swapped", lambda s, t, k, ks:
            k if ks is None else schedule_right(s, t, ks, k) if s < t // 2 else k),
    ],
    ex.check_theorem_k: [
        ("k + 1", lambda W: theorem_right(W) + 1),
        ("k − 1", lambda W: max(theorem_right(W) - 1, 0)),
        ("1/μ, the 2 missing", lambda W: int(np.floor(1 / coherence(W) + 1e-9))),
        ("ceil instead of floor", lambda W: int(np.ceil(0.5 / coherence(W) - 1e-9))),
        ("rows instead of atoms (transposed)", lambda W: theorem_right(W.T + 1e-3)),
        ("1/(2μ) + 1/2 rounded", lambda W: int(round(0.5 / coherence(W)))),
    ],
    ex.check_dead_units_cause: [
        ("c", "c"), ("a", "a"), ("d", "d"), ("two letters", "b c"), ("the text", "shared mean"),
    ],
}

CASES = [(check, name, answer) for check, answers in NEAR_MISSES.items()
         for name, answer in answers]


@pytest.mark.parametrize("check, name, answer", CASES,
                         ids=[f"{c.__name__}: {n}" for c, n, _ in CASES])
def test_a_near_miss_is_not_graded_correct(check, name, answer):
    result = check(answer)
    assert not result.passed, f"{name} passed: {result.message}"
    assert str(result).startswith("[not yet]")


def test_every_check_has_at_least_two_wrong_answers_here():
    assert all(len(answers) >= 2 for answers in NEAR_MISSES.values())
    assert set(NEAR_MISSES) == {getattr(ex, name) for name in ex.__all__
                                if name.startswith("check_") and name != "check_dead_units_fix"}


@pytest.mark.parametrize("check, answer", [
    (ex.check_topk_mask, lambda z, k: np.argsort(np.argsort(-z, axis=1, kind="stable"),
                                                  axis=1) < k),
    (ex.check_alpha_k_encoding, lambda X, W, b, k, a: (W.T @ X.T + b[:, None]).T
     * topk_right(X @ W + b, int(round(a * k)))),
    # The pre-bias formula with the encoder term off and the encoder seeing x.
    (ex.check_b_prime_gradient, lambda X, W, b, bp, k: grad_terms(X, W, b, bp, k,
                                                                  encoder_sign=0.0,
                                                                  encoder_input=X)),
    (ex.check_sparsity_schedule, lambda s, t, k, ks:
        k if ks is None else max(k, int(np.floor(ks + (k - ks) * s / (t // 2 or 1) + 0.5)))),
    (ex.check_theorem_k, lambda W: int(np.floor(0.5 / coherence(W) + 1e-9))),
    (ex.check_dead_units_cause, " B "),
])
def test_a_right_answer_written_another_way_passes(check, answer):
    result = check(answer)
    assert result.passed, result.message


def test_dead_units_fix_keeps_n_hidden_too():
    import ksparse

    result = ex.check_dead_units_fix(
        lambda n_hidden, k: ksparse.KSparseAutoencoder(n_hidden=n_hidden + 1, k=k, center=True))
    assert not result.passed and "keep n_hidden = 100" in result.message


@pytest.mark.parametrize("learning_rate", [1e-12, 1e-4])
def test_dead_units_fix_fails_a_model_that_has_not_learned(learning_rate):
    # Units kept alive by not training: 3 dead at 1e-12 and 10 at 1e-4 (the
    # pass mark), but the reconstructions are worse than the mean image.
    import ksparse

    models = []

    def make(n_hidden, k):
        models.append(ksparse.KSparseAutoencoder(n_hidden=n_hidden, k=k,
                                                 learning_rate=learning_rate))
        return models[-1]
    result = ex.check_dead_units_fix(make)
    dead = models[0].history_[-1]["dead_units"]
    assert not result.passed and result.exercise == "fix the dead units"
    assert re.fullmatch(
        rf"only {dead} units are dead, but the model reconstructs the images worse than their "
        r"mean image does \(FVU = \d+\.\d\d >= 1\): it has not learned yet; "
        + re.escape(textwrap.shorten(repr(models[0]), 200)) + r"\.", result.message), \
        result.message


@pytest.mark.parametrize("check, right", [
    (ex.check_b_prime_gradient, grad_right),
    (ex.check_pre_bias_gradient, grad_pre_bias_right),
    (ex.check_alpha_k_encoding, alpha_right),
])
def test_float_answers_are_compared_to_a_millionth(check, right):
    # Round-off passes; an error of one part in ten thousand (a constant slightly off) does not.
    assert check(lambda *a: right(*a) * (1 + 1e-9)).passed
    result = check(lambda *a: right(*a) * (1 + 1e-4))
    assert not result.passed and "differs from the reference" in result.message
