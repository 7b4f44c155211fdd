"""The sharp condition of Theorem 3.1 is strict: equality does not count (§3.3).

:mod:`ksparse.theory.theorem` states the sharp form as
z_k > (2k − 1) μ z₁ and the printed condition as k μ ≤ z_k / (2 z₁). On the
identity ∪ Hadamard dictionary for n = 16 every inner product is 0 or ±1/4,
so μ = 1/4 exactly and both sides can be made exactly equal in binary
floating point: with k = 2 the sharp form reads z₂ > 0.75 z₁.
"""
import numpy as np
import pytest
import scipy.linalg

from ksparse.theory import check_theorem_3_1


@pytest.fixture
def W():
    return np.hstack([np.eye(16), scipy.linalg.hadamard(16) / 4.0])  # (16, 32), μ = 1/4


def codes(values):
    """One 2-sparse code per value v: z₁ = 1 on atom 0, z₂ = v on atom 1."""
    Z = np.zeros((len(values), 32))
    Z[:, 0], Z[:, 1] = 1.0, values
    return Z


def test_coherence_is_exactly_one_quarter(W):
    assert check_theorem_3_1(W, codes([0.5])).mu == 0.25  # so the equalities below are exact


@pytest.mark.parametrize("mu", [None, 0.25])
def test_sharp_condition_is_false_at_equality(W, mu):
    # (2k − 1) μ z₁ = 3 · 0.25 · 1 = 0.75: below, equal, above.
    check = check_theorem_3_1(W, codes([0.7, 0.75, 0.8]), mu=mu)
    assert check.k == 2
    np.testing.assert_array_equal(check.sharp_condition, [False, False, True])


def test_printed_condition_holds_at_equality(W):
    # k μ = 0.5 and z₂ / (2 z₁) = 0.5 when z₂ = z₁: the printed "≤" includes equality.
    check = check_theorem_3_1(W, codes([0.99, 1.0]))
    np.testing.assert_array_equal(check.condition, [False, True])
    assert check.recovered[1]  # as the proof promises, with a margin of at least μ z₁
    assert check.margin[1] >= 0.25
