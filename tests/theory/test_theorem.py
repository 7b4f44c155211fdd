"""Tests for the Theorem 3.1 checker (paper §3.3, Eqs. 9–10)."""
import numpy as np
import pytest

from ksparse.backend import to_numpy
from ksparse.datasets.synthetic import make_sparse_signals
from ksparse.theory import check_theorem_3_1, two_ortho_dictionary
from ksparse.nn.supp_k import topk_mask


def code(n_atoms, entries):
    z = np.zeros((1, n_atoms))
    for i, v in entries.items():
        z[0, i] = v
    return z


def test_bound_holds_at_equality_and_recovery_succeeds():
    """n = 16, μ = 1/4, z = e_0 + h_0: k μ = 1/2 = z_k / (2 z_1)."""
    W = two_ortho_dictionary(16, xp=np)
    check = check_theorem_3_1(W, code(32, {0: 1.0, 16: 1.0}))
    assert check.k == 2 and check.mu == 0.25
    assert check.condition[0] and check.sharp_condition[0]
    assert check.bound_ratio[0] == 1.0
    # by hand: y_0 = y_16 = 1 + 1/4; every other |y_i| = 1/4
    assert check.margin[0] == 1.0
    assert check.recovered[0] and check.topk_recovered[0]
    assert check.n_counterexamples == 0


def test_bound_fails_and_recovery_fails():
    """Atoms e1, e2 and (e1 + e2)/√2 (μ = 1/√2); x = e1 + e2 = √2 w3."""
    W = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    W[:, 2] /= np.sqrt(2.0)
    check = check_theorem_3_1(W, code(3, {0: 1.0, 1: 1.0}))
    assert check.mu == pytest.approx(1 / np.sqrt(2))
    assert not check.condition[0] and not check.sharp_condition[0]
    # y = (1, 1, √2): the off-support atom wins
    assert check.margin[0] == pytest.approx(1.0 - np.sqrt(2.0))
    assert not check.recovered[0] and not check.topk_recovered[0]
    assert check.n_counterexamples == 0  # the theorem claims nothing here


def test_tie_beyond_the_bound_counts_as_failure():
    """n = 16, k = 3 equal magnitudes on {e_a, h_c, h_d}: y_{e_a} ties with an off-support spike."""
    W = two_ortho_dictionary(16, xp=np)
    H = W[:, 16:]
    # spikes a, b where Hadamard atoms c, d are (-, -) at a and (+, +) at b
    c, d = 1, 2
    a = int(np.flatnonzero((H[:, c] < 0) & (H[:, d] < 0))[0])
    b = int(np.flatnonzero((H[:, c] > 0) & (H[:, d] > 0))[1])
    check = check_theorem_3_1(W, code(32, {a: 1.0, 16 + c: 1.0, 16 + d: 1.0}))
    y = W.T @ (W @ code(32, {a: 1.0, 16 + c: 1.0, 16 + d: 1.0})[0])
    assert y[a] == y[b] == 0.5  # an exact tie, computed without rounding
    assert check.margin[0] == 0.0
    assert not check.recovered[0]
    assert not check.condition[0] and not check.sharp_condition[0]  # q = 1.5, (2k - 1) μ = 5/4


def test_signed_codes_are_recovered_from_magnitudes_only():
    W = two_ortho_dictionary(16, xp=np)
    Z = code(32, {3: 1.0, 20: -1.0})  # k μ = 1/2 = z_k / (2 z_1)
    check = check_theorem_3_1(W, Z)  # signs detected
    assert check.signed and check.condition[0] and check.recovered[0]
    # supp_k of the raw values misses the negative coefficient, as the docs say
    y = (Z @ W.T) @ W
    assert not (topk_mask(y, 2) == (Z != 0)).all()
    with pytest.raises(ValueError, match="negative codes"):
        check_theorem_3_1(W, Z, signed=False)


def test_no_counterexample_on_random_signals_and_verdicts_match_reference(xp):
    W = two_ortho_dictionary(64, xp=xp)  # μ = 1/8: the bound allows k <= 4
    for signed in (False, True):
        X, Z = make_sparse_signals(500, W, 3, ratio=(0.5, 1.0), signed=signed, random_state=4)
        check = check_theorem_3_1(W, Z)
        assert check.signed == signed
        assert check.n_counterexamples == 0
        Zn, Wn = to_numpy(Z), to_numpy(W)
        mags = np.sort(np.abs(Zn), axis=1)[:, ::-1][:, :3]
        ref_condition = 3 * 0.125 <= mags[:, 2] / (2 * mags[:, 0])
        np.testing.assert_array_equal(to_numpy(check.condition), ref_condition)
        assert ref_condition.sum() > 50  # both sides are exercised
        assert (~ref_condition).sum() > 50
        y = np.abs(Wn.T @ Wn @ Zn.T).T if signed else (Wn.T @ Wn @ Zn.T).T
        top = np.argsort(-y, axis=1)[:, :3]
        ref_recovered = np.array([set(t) == set(np.flatnonzero(z)) for t, z in zip(top, Zn)])
        np.testing.assert_array_equal(to_numpy(check.recovered), ref_recovered)


def test_sharp_condition_is_implied_by_the_printed_one():
    W = two_ortho_dictionary(64, xp=np)
    _, Z = make_sparse_signals(2000, W, 2, ratio=(0.05, 1.0), random_state=5)
    check = check_theorem_3_1(W, Z)
    assert not (check.condition & ~check.sharp_condition).any()
    assert (check.sharp_condition & ~check.condition).any()
    assert not (check.sharp_condition & ~check.recovered).any()


@pytest.mark.parametrize(
    "W, Z, match",
    [
        (2 * np.eye(3), np.eye(3), "unit-norm"),
        (np.eye(3), np.eye(2), "Z has 2 columns"),
        (np.eye(3), np.array([[1.0, 0, 0], [1.0, 1.0, 0]]), "same number k"),
        (np.eye(3), np.zeros((1, 3)), "same number k"),
    ],
)
def test_bad_input_names_the_argument(W, Z, match):
    with pytest.raises(ValueError, match=match):
        check_theorem_3_1(W, Z)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(mu=-1.0), ValueError, r"mu must be a number in \[0, 1\], got -1.0"),
    (dict(mu=float("nan")), ValueError, "mu must be a number in"),
    (dict(mu=1.5), ValueError, "mu must be a number in"),
    (dict(mu="x"), ValueError, "mu must be a number in"),
    (dict(mu=float("inf")), ValueError, r"mu must be a number in \[0, 1\], got inf"),
    (dict(signed="no"), TypeError, "signed must be True or False"),
    (dict(signed=1), TypeError, "signed must be True or False"),
])
def test_bad_mu_or_signed_is_refused_by_name(kwargs, error, match):
    # A negative μ once made the condition hold everywhere: invented counterexamples.
    with pytest.raises(error, match=match):
        check_theorem_3_1(np.eye(3), np.eye(3), **kwargs)


def test_a_given_mu_is_used_as_given_without_the_rounding_snap():
    # mutual_coherence calls a μ of rounding size 0; a μ the caller gives is the caller's number.
    W = np.eye(3)
    tiny = 1e-18  # below 8 sqrt(3) eps, which mutual_coherence would snap to 0
    assert check_theorem_3_1(W, np.eye(3), mu=tiny).mu == tiny
    assert check_theorem_3_1(W, np.eye(3)).mu == 0.0
