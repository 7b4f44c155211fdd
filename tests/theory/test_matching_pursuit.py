"""Tests for matching pursuit (ksparse.theory.pursuit.matching_pursuit)."""
import numpy as np
import pytest

from ksparse.theory.pursuit import matching_pursuit


def _slow_matching_pursuit(X, W, k, signed):
    """One signal at a time, one atom at a time: the definition, written out."""
    codes = np.zeros((X.shape[0], W.shape[1]))
    for i, x in enumerate(X):
        r = x.astype(float).copy()
        for _ in range(k):
            corr = [float(W[:, j] @ r) for j in range(W.shape[1])]
            score = [abs(c) for c in corr] if signed else corr
            j = max(range(W.shape[1]), key=lambda a: (score[a], -a))  # first of the largest
            c = corr[j] if signed else max(corr[j], 0.0)
            codes[i, j] += c
            r = r - c * W[:, j]
    return codes


def _unit_atoms(rng, n_features, n_atoms):
    W = rng.standard_normal((n_features, n_atoms))
    return W / np.linalg.norm(W, axis=0)


def test_two_atoms_by_hand():
    # d1 = e1, d2 = (1, 1)/√2, x = (2, 1): d2ᵀx = 3/√2 > d1ᵀx = 2, so d2 first with 3/√2,
    # leaving r = (0.5, −0.5); then d1ᵀr = 0.5, d2ᵀr = 0, so d1 with 0.5, leaving (0, −0.5).
    W = np.array([[1.0, 1 / np.sqrt(2)], [0.0, 1 / np.sqrt(2)]])
    result = matching_pursuit(np.array([[2.0, 1.0]]), W, 2, return_history=True)
    np.testing.assert_allclose(result.codes, [[0.5, 3 / np.sqrt(2)]], atol=1e-15)
    np.testing.assert_allclose(result.residual, [0.5], atol=1e-15)
    np.testing.assert_array_equal(result.history.supports[:, 0], [[1, -1], [1, 0]])
    np.testing.assert_allclose(result.history.residuals[:, 0], [np.sqrt(0.5), 0.5], atol=1e-15)


@pytest.mark.parametrize("signed", [True, False])
def test_orthonormal_dictionary_recovers_the_codes_in_k_steps(signed):
    rng = np.random.default_rng(0)
    W = np.linalg.qr(rng.standard_normal((12, 12)))[0]  # (12, 12), orthonormal atoms
    Z = np.zeros((30, 12))
    for row in Z:
        chosen = rng.choice(12, 3, replace=False)
        row[chosen] = rng.uniform(0.5, 1.5, 3) * (rng.choice([-1, 1], 3) if signed else 1)
    result = matching_pursuit(Z @ W.T, W, 3, signed=signed)
    np.testing.assert_allclose(result.codes, Z, atol=1e-12)
    np.testing.assert_array_equal(result.support, Z != 0)
    assert result.residual.max() < 1e-12


def test_residual_norm_never_increases_and_x_is_w_z_plus_r():
    rng = np.random.default_rng(1)
    W = _unit_atoms(rng, 10, 25)
    X = rng.standard_normal((40, 10))
    result = matching_pursuit(X, W, 8, return_history=True)
    norms = np.vstack([np.linalg.norm(X, axis=1), result.history.residuals])  # (9, 40)
    assert np.all(np.diff(norms, axis=0) <= 1e-12)
    assert np.all(norms[-1] < norms[0])
    np.testing.assert_allclose(np.linalg.norm(X - result.codes @ W.T, axis=1), result.residual,
                               atol=1e-12)


@pytest.mark.parametrize("signed", [True, False])
def test_agrees_with_the_slow_definition(signed):
    rng = np.random.default_rng(2)
    W = _unit_atoms(rng, 8, 20)
    X = rng.standard_normal((25, 8))
    result = matching_pursuit(X, W, 6, signed=signed)
    np.testing.assert_allclose(result.codes, _slow_matching_pursuit(X, W, 6, signed), atol=1e-12)
    if not signed:
        assert result.codes.min() >= 0.0
    assert (result.support.sum(axis=1) <= 6).all()


def test_an_atom_may_be_chosen_twice():
    # two nearly parallel atoms: after the first, the residual still points along it
    W = np.array([[1.0, np.cos(0.3)], [0.0, np.sin(0.3)]])
    result = matching_pursuit(np.array([[1.0, 0.2]]), W, 3, return_history=True)
    picks = result.history.supports[-1, 0]
    assert len(set(picks.tolist())) < 3
    assert result.support.sum() == 2


@pytest.mark.parametrize("k, error", [(0, ValueError), (-1, ValueError), (1.5, TypeError)])
def test_rejects_bad_k(k, error):
    with pytest.raises(error, match="k must be"):
        matching_pursuit(np.ones((2, 3)), np.eye(3), k)


def test_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="features"):
        matching_pursuit(np.ones((2, 4)), np.eye(3), 1)


def test_atoms_must_be_unit_or_zero():
    # With an atom of norm 2 a step lengthened the residual: ‖r‖ went from 1 to 3.
    with pytest.raises(ValueError, match="unit-norm \\(or zero\\) columns"):
        matching_pursuit(np.array([[1.0, 0.0]]), 2 * np.eye(2), 1)
    W = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])  # a zero atom: an unused latent's
    result = matching_pursuit(np.array([[0.5, 2.0]]), W, 2)
    np.testing.assert_allclose(result.codes, [[0.5, 0.0, 2.0]])


def test_unsigned_steps_not_taken_are_not_recorded():
    # W = I: x = (1, −1) takes atom 0 with 1, leaving (0, −1), whose best correlation is 0:
    # it stops after one step. x = (−1, −2) has no positive correlation at all: no step.
    result = matching_pursuit(np.array([[1.0, -1.0], [-1.0, -2.0]]), np.eye(2), 3,
                              signed=False, return_history=True)
    np.testing.assert_array_equal(result.n_iter, [1, 0])
    np.testing.assert_array_equal(result.history.supports[-1], [[0, -1, -1], [-1, -1, -1]])
    np.testing.assert_array_equal(result.codes, [[1.0, 0.0], [0.0, 0.0]])
    np.testing.assert_array_equal(result.support, [[True, False], [False, False]])
    signed = matching_pursuit(np.array([[1.0, -1.0]]), np.eye(2), 3, return_history=True)
    np.testing.assert_array_equal(signed.n_iter, [3])


@pytest.mark.parametrize("flag", [np.True_, np.False_, True])
def test_numpy_bools_are_bools(flag):
    # NumPy 2 names its bool scalar type "bool", not "bool_": a check by name refused it.
    result = matching_pursuit(np.array([[1.0, -1.0]]), np.eye(2), 1, signed=flag)
    assert result.codes[0, 0] == 1.0


@pytest.mark.parametrize("flag", ["no", 1, None])
def test_other_flags_are_refused(flag):
    with pytest.raises(TypeError, match="signed must be True or False"):
        matching_pursuit(np.array([[1.0, -1.0]]), np.eye(2), 1, signed=flag)
