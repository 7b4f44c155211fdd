"""Tests for the Theorem 3.1 experiment and the encoder-versus-ITI comparison (paper §3.2–3.3)."""
import numpy as np
import pytest

import ksparse
from ksparse.datasets.synthetic import make_sparse_signals
from ksparse.theory import (
    TheoremExperiment,
    dct_basis,
    encoder_vs_iti,
    format_table,
    gaussian_dictionary,
    recovery_curve,
    theorem_experiment,
    two_ortho_dictionary,
)


@pytest.mark.parametrize("signed", [False, True])
def test_small_experiment_has_no_counterexamples_and_both_sides(signed):
    W = two_ortho_dictionary(64, xp=np)  # μ = 1/8: k <= 4 inside
    result = theorem_experiment(W, n_inside=2000, n_outside=2000, signed=signed, random_state=0, name="I+H")
    row = result.summary()
    assert row["k<="] == 4 and row["mu"] == 0.125
    assert row["holds"] >= 2000  # every inside draw satisfies the condition
    assert row["holds&failed"] == 0 and row["sharp&failed"] == 0
    assert row["outside"] > 0 and 0.0 < row["recovered_out"] < 1.0
    assert result.k.shape == result.recovered.shape == (4000,)
    assert set(np.unique(result.k[result.condition])) == {1, 2, 3, 4}
    # equal magnitudes at k = 4 sit exactly on the bound and are recovered
    on_bound = result.bound_ratio == 1.0
    assert on_bound.any() and result.recovered[on_bound].all()
    assert "I+H" in format_table([result])


def test_experiment_is_reproducible_and_counts_add_up():
    W = gaussian_dictionary(32, 64, random_state=0, xp=np)
    a = theorem_experiment(W, n_inside=300, n_outside=300, random_state=1)
    b = theorem_experiment(W, n_inside=300, n_outside=300, random_state=1)
    np.testing.assert_array_equal(a.bound_ratio, b.bound_ratio)
    row = a.summary()
    assert row["holds"] + row["outside"] == a.k.size


def test_experiment_with_too_coherent_dictionary_has_nothing_inside():
    W = np.array([[1.0, 0.0, 0.8], [0.0, 1.0, 0.6]])  # μ = 0.8 > 1/2
    result = theorem_experiment(W, n_inside=100, n_outside=100, k_max=1, random_state=0)
    assert result.k_bound == 0 and result.summary()["holds"] == 0
    assert result.k.size == 100


def test_experiment_with_orthogonal_atoms_has_nothing_outside():
    # μ = 0: q = 2kμ z₁/z_k is 0 for every signal, so none can be drawn outside the bound
    # (they were drawn anyway, at k = 2, and counted inside).
    result = theorem_experiment(np.eye(16), n_inside=60, n_outside=40, random_state=0)
    assert result.mu == 0.0
    assert result.k.size == 60
    assert result.summary()["outside"] == 0 and result.summary()["holds"] == 60


def test_experiment_with_an_orthonormal_basis_has_nothing_outside_and_no_failure():
    # dct_basis(16) has a computed μ of 1.4e-16; taken as real, it put 200 signals with
    # z_k / z_1 of rounding size "outside the bound", and 43% of them failed.
    result = theorem_experiment(dct_basis(16, xp=np), n_inside=200, n_outside=200,
                                random_state=0)
    row = result.summary()
    assert result.mu == 0.0 and result.k_bound == 15
    assert row["outside"] == 0 and row["holds"] == 200 and row["holds&failed"] == 0
    assert result.recovered.all() and not result.bound_ratio.any()


def test_recovery_curve_bins_every_signal():
    W = two_ortho_dictionary(16, xp=np)
    result = theorem_experiment(W, n_inside=200, n_outside=400, random_state=2)
    centers, rate, counts = recovery_curve(result, bins=10)
    assert counts.sum() == result.k.size
    assert np.all(np.diff(centers) > 0)
    hits = rate * counts  # recovered signals per bin: whole numbers adding up to the total
    np.testing.assert_allclose(hits, np.round(hits), atol=1e-9)
    assert round(hits.sum()) == int(result.recovered.sum())
    assert rate[0] == 1.0  # the lowest q bin lies inside the bound


def _experiment(q, recovered):
    """A TheoremExperiment holding only the given q and recovery outcomes."""
    q, recovered = np.asarray(q, dtype=float), np.asarray(recovered, dtype=bool)
    return TheoremExperiment("hand", 4, 8, 0.1, 2, False, np.full(q.size, 2), q, q <= 1, q <= 1,
                             np.where(recovered, 1.0, -1.0), recovered, recovered)


def test_recovery_curve_gives_q_zero_its_own_bin_and_log_bins_over_positive_q():
    # Positive q = 1, 3, 4 in 2 log bins: edges 1, 2, 4 (each a hair wider), so {1} and {3, 4}.
    result = _experiment([0, 3, 0, 1, 4], [True, True, False, True, False])
    centers, rate, counts = recovery_curve(result, bins=2)
    np.testing.assert_allclose(centers, [0.0, np.sqrt(2), np.sqrt(8)])
    np.testing.assert_array_equal(rate, [0.5, 1.0, 0.5])
    np.testing.assert_array_equal(counts, [2, 1, 2])


def test_recovery_curve_of_orthogonal_atoms_is_one_bin_at_q_zero():
    # μ = 0: every q is 0, which log-spaced edges cannot reach ("Geometric sequence
    # cannot include zero" before).
    result = theorem_experiment(np.eye(16), n_inside=100, n_outside=100, random_state=0)
    centers, rate, counts = recovery_curve(result)
    assert centers.tolist() == [0.0] and rate.tolist() == [1.0] and counts.tolist() == [100]


def test_recovery_curve_of_an_experiment_without_signals_is_empty():
    W = np.array([[1.0, 0.8], [0.0, 0.6]])  # μ = 0.8 > 1/2: nothing inside, and none asked outside
    result = theorem_experiment(W, n_inside=10, n_outside=0, random_state=0)
    assert result.k.size == 0
    centers, rate, counts = recovery_curve(result)
    assert centers.shape == rate.shape == counts.shape == (0,)
    assert counts.dtype.kind == "i"


@pytest.mark.parametrize("bins, error", [(0, ValueError), (-3, ValueError), (2.5, TypeError),
                                         (True, TypeError), ("30", TypeError)])
def test_recovery_curve_refuses_bad_bins(bins, error):
    with pytest.raises(error, match="bins must be"):
        recovery_curve(_experiment([0.5, 2.0], [True, False]), bins=bins)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(q_max=1.0), "q_max must be > 1"),
        (dict(q_max=1.01e15), "q_max must be > 1 and at most 1e[+]15, got 1.01e[+]15"),
        (dict(equal_fraction=2.0), "equal_fraction"),
        (dict(n_inside=-1), "n_inside"),
        (dict(signed=1), "signed"),
    ],
)
def test_experiment_bad_input(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        theorem_experiment(np.eye(4), **kwargs)


@pytest.mark.parametrize("args, kwargs, error, match", [
    ((np.full(3, np.nan), np.zeros(3)), {}, ValueError, "b must hold finite real numbers"),
    ((np.zeros(3), np.array([0.0, np.inf, 0.0])), {}, ValueError, "b_prime must hold finite"),
    ((np.zeros(2), np.zeros(3)), {}, ValueError, r"b must be an array of shape \(3,\)"),
    ((np.zeros(3), np.zeros(3)), dict(pre_bias="no"), TypeError, "pre_bias must be True or False"),
])
def test_encoder_vs_iti_checks_the_biases_by_name(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        encoder_vs_iti(np.ones((2, 3)), np.eye(3), *args, 1, **kwargs)


def test_encoder_vs_iti_on_an_exact_incoherent_model():
    """Tied weights on identity ∪ Hadamard with the bias undoing an offset b′."""
    W = two_ortho_dictionary(64, xp=np)
    b_prime = np.linspace(-1, 1, 64)
    b = -W.T @ b_prime  # so that Wᵀx + b = Wᵀ(x − b′)
    X, Z = make_sparse_signals(200, W, 3, ratio=(0.6, 1.0), random_state=3)
    comparison = encoder_vs_iti(X + b_prime, W, b, b_prime, 3)
    summary = comparison.summary()
    assert summary["support_match"] == 1.0 and summary["overlap"] == 1.0
    assert summary["error_one_step"] < 1e-20 and summary["error_converged"] < 1e-20
    # the autoencoder keeps Wᵀx, not W_Γ†x, so its own error is not zero
    assert summary["error_autoencoder"] > 1e-3
    assert comparison.n_iter.max() == 1


def test_encoder_vs_iti_first_step_is_least_squares_on_the_encoders_support(rng):
    # (ITI's error may rise after the first step on such unstructured data: it does
    # for a few of these signals, so only the first step is pinned down here.)
    W = gaussian_dictionary(20, 40, random_state=0, xp=np)
    X = rng.standard_normal((100, 20))
    comparison = encoder_vs_iti(X, W, np.zeros(40), np.zeros(20), 4)
    support = np.argsort(-(X @ W), axis=1)[:, :4]  # (100, 4), the encoder's top 4
    by_hand = [np.linalg.lstsq(W[:, s], x, rcond=None)[1][0] for s, x in zip(support, X)]
    np.testing.assert_allclose(comparison.error_one_step, by_hand, rtol=1e-9)
    quarters = comparison.overlap * 4  # shared atoms out of k = 4
    np.testing.assert_allclose(quarters, np.round(quarters), atol=1e-12)
    np.testing.assert_array_equal(comparison.overlap == 1.0, comparison.support_match)
    assert comparison.overlap.min() < 1.0  # the supports really differ for some signals
    # ITI step 1 fits the encoder's support exactly, so it beats the encoder's own values
    assert np.all(comparison.error_one_step <= comparison.error_autoencoder + 1e-12)


def test_encoder_vs_iti_accepts_a_fitted_model():
    truth = gaussian_dictionary(16, 24, random_state=1, xp=np)
    X, _ = make_sparse_signals(300, truth, 2, random_state=2)
    model = ksparse.KSparseAutoencoder(n_hidden=24, k=2, epochs=2, random_state=0).fit(X)
    comparison = encoder_vs_iti(X, model.W_, model.b_, model.b_prime_, 2)
    assert comparison.support_match.shape == (300,)


@pytest.mark.parametrize(
    "b, b_prime, match",
    [(np.zeros(3), np.zeros(4), "b must be"), (np.zeros(5), np.zeros(3), "b_prime must be")],
)
def test_encoder_vs_iti_bad_bias(b, b_prime, match):
    with pytest.raises(ValueError, match=match):
        encoder_vs_iti(np.ones((2, 4)), np.ones((4, 5)), b, b_prime, 2)


def test_encoder_vs_iti_uses_the_pre_bias_encoder():
    truth = gaussian_dictionary(16, 24, random_state=1, xp=np)
    X, _ = make_sparse_signals(200, truth, 2, random_state=2)
    X = X + 3.0
    model = ksparse.KSparseAutoencoder(n_hidden=24, k=2, epochs=2, pre_bias=True,
                                       random_state=0).fit(X)
    comparison = encoder_vs_iti(X, model.W_, model.b_, model.b_prime_, 2, pre_bias=True)
    # The autoencoder's own reconstruction error is the one the comparison reports.
    expected = np.sum((model.reconstruct(X) - X) ** 2, axis=1)
    np.testing.assert_allclose(comparison.error_autoencoder, expected, rtol=1e-9)


@pytest.mark.filterwarnings("error::RuntimeWarning")  # bin centres once overflowed past 1e154
def test_experiment_at_the_largest_q_max_bins_and_draws_without_overflow(tmp_path):
    from ksparse.cli import main
    from ksparse.theory.experiment import Q_MAX_LIMIT

    result = theorem_experiment(two_ortho_dictionary(16, xp=np), n_inside=50, n_outside=200,
                                q_max=Q_MAX_LIMIT, random_state=0)
    centers, _, counts = recovery_curve(result)
    assert counts.sum() == result.k.size and np.all(np.isfinite(centers))
    assert result.bound_ratio.max() > 1e12  # the far end was drawn
    out = tmp_path / "q.png"
    assert main(["theorem", "--n", "16", "--signals", "50", "--q-max", "1e15", "--json",
                 "--out", str(out)]) == 0
    assert out.exists()
