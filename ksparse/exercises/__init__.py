"""Exercises of the classroom notebooks and the checks that grade them (paper §2–§4).

Each exercise lives in an example of ``examples/``: a stub for the student,
the reference solution between ``# BEGIN SOLUTION`` / ``# END SOLUTION``
(cut out of the student version by :func:`student_version`) and a check
cell, ``print(check_...(answer))``. A check compares the answer with an
independent reference on random cases and returns a :class:`CheckResult`
(``.passed``, ``.message``); it never prints.

* :func:`check_topk_mask` — ``f(z, k)``, the top-k mask Γ = supp_k(z) (§2.2);
* :func:`check_b_prime_gradient` — ``f(X, W, b, b_prime, k)``, ∂E/∂b′ (§3.2);
* :func:`check_pre_bias_gradient` — the same when the encoder sees x − b′;
* :func:`check_alpha_k_encoding` — ``f(X, W, b, k, alpha)``, the test-time
  features supp_{α·k}(Wᵀx + b) (§2.2);
* :func:`check_sparsity_schedule` — ``f(step, total_steps, k, k_start)``, the
  sparsity schedule (§4.2.1);
* :func:`check_theorem_k` — ``f(W)``, the largest k for which Theorem 3.1's
  condition can hold (§3.3);
* :func:`check_dead_units_cause` — a letter among :data:`DEAD_UNITS_CHOICES`;
* :func:`check_dead_units_fix` — ``f(n_hidden, k)``, a model whose units stay
  alive where the literal recipe of §4.2 kills most of them.
"""
from ._result import CheckResult
from .dead_units import (
    DEAD_UNITS_CHOICES,
    DEAD_UNITS_QUESTION,
    check_dead_units_cause,
    check_dead_units_fix,
)
from .encoding import check_alpha_k_encoding, check_sparsity_schedule, check_topk_mask
from .gradients import check_b_prime_gradient, check_pre_bias_gradient
from .student import solution_regions, student_version, write_student_version
from .theorem import check_theorem_k

__all__ = [
    "CheckResult",
    "DEAD_UNITS_CHOICES",
    "DEAD_UNITS_QUESTION",
    "check_alpha_k_encoding",
    "check_b_prime_gradient",
    "check_dead_units_cause",
    "check_dead_units_fix",
    "check_pre_bias_gradient",
    "check_sparsity_schedule",
    "check_theorem_k",
    "check_topk_mask",
    "solution_regions",
    "student_version",
    "write_student_version",
]
