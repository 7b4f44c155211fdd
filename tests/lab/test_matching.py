"""Cosine matching against known answers: perfect, permuted and rescaled, random, brute force."""
import itertools
import re

import numpy as np
import pytest

from ksparse.lab import (
    cosine_matrix,
    features_recovered,
    make_dictionary,
    match,
    mean_matched_cosine,
    uniqueness,
)


def _unit_vectors(rng, n_features, n):
    V = rng.standard_normal((n_features, n))  # (n_features, n)
    return V / np.linalg.norm(V, axis=0)


def test_a_perfect_dictionary_scores_one():
    D = make_dictionary(16, 40, random_state=0)
    cos = cosine_matrix(D, D)
    assert features_recovered(cos) == 1.0
    assert mean_matched_cosine(cos) == pytest.approx(1.0, abs=1e-12)
    assert uniqueness(cos) == 1.0


def test_a_permuted_rescaled_sign_flipped_copy_still_scores_one_and_is_matched_back():
    rng = np.random.default_rng(1)
    D = make_dictionary(16, 40, random_state=1)
    order = rng.permutation(40)
    scale = rng.uniform(0.1, 10.0, 40) * rng.choice([-1.0, 1.0], 40)  # (40,)
    extra = rng.standard_normal((16, 8))  # latents that learned nothing true
    learned = np.hstack([D[:, order] * scale, extra])  # (16, 48)
    cos = cosine_matrix(D, learned)
    assert features_recovered(cos) == 1.0
    assert mean_matched_cosine(cos) == pytest.approx(1.0, abs=1e-12)
    atoms, latents = match(cos)
    assert np.array_equal(order[latents], atoms)  # latent j holds atom order[j]


def test_a_random_dictionary_scores_its_expected_best_cosine():
    # Independent Monte Carlo: the mean over trials of max_j |cos(u, v_j)| for
    # u and 64 v_j uniform on the sphere of R^32.
    rng = np.random.default_rng(2)
    n_features, n_latents = 32, 64
    trials = [np.abs(_unit_vectors(rng, n_features, 1).T @ _unit_vectors(rng, n_features, n_latents)).max()
              for _ in range(3000)]
    expected = float(np.mean(trials))
    true = _unit_vectors(rng, n_features, 1000)
    learned = _unit_vectors(rng, n_features, n_latents)
    cos = cosine_matrix(true, learned)
    assert cos.max(axis=1).mean() == pytest.approx(expected, abs=0.01)
    assert features_recovered(cos) == 0.0
    # The matching cannot beat each atom's best latent, and beats a random pairing
    # (whose mean |cos| is E|cos| = Γ(n/2) / (√π Γ((n+1)/2)) ≈ 0.14 in 32 dims).
    square = cos[:n_latents]
    assert np.mean(np.abs(np.sum(_unit_vectors(rng, n_features, 5000)
                                 * _unit_vectors(rng, n_features, 5000), axis=0))) < \
        mean_matched_cosine(square) <= square.max(axis=1).mean()


@pytest.mark.parametrize("seed", range(5))
def test_the_hungarian_matching_equals_a_brute_force_search_on_4x4(seed):
    cos = np.random.default_rng(seed).random((4, 4))
    best = max(np.mean([cos[i, p[i]] for i in range(4)]) for p in itertools.permutations(range(4)))
    assert mean_matched_cosine(cos) == pytest.approx(best, abs=1e-12)


def test_the_matching_is_not_the_greedy_one():
    # Greedy (atom 0 first takes its best, latent 0) would leave atom 1 with 0.1.
    cos = np.array([[0.9, 0.8], [0.85, 0.1]])
    assert mean_matched_cosine(cos) == pytest.approx((0.8 + 0.85) / 2)


def test_unmatched_true_atoms_count_as_zero():
    D = np.eye(3)
    assert mean_matched_cosine(cosine_matrix(D, D[:, :1])) == pytest.approx(1 / 3)


def test_recovered_counts_the_atoms_at_the_threshold():
    cos = np.array([[0.995, 0.2], [0.98, 0.1], [0.3, 0.999]])
    assert features_recovered(cos) == pytest.approx(2 / 3)
    assert features_recovered(cos, threshold=0.97) == 1.0


def test_uniqueness_counts_distinct_atoms_among_matching_latents():
    cos = np.array([[0.999, 0.995, 0.1, 0.2],  # latents 0 and 1 both learned atom 0
                    [0.1, 0.1, 0.999, 0.3]])  # latent 2 learned atom 1; latent 3 nothing
    assert uniqueness(cos) == pytest.approx(2 / 3)
    assert np.isnan(uniqueness(cos * 0.5))


def test_a_zero_atom_has_cosine_zero_and_shapes_are_checked():
    D = np.eye(3)
    learned = np.zeros((3, 2))
    learned[:, 1] = D[:, 2]
    assert np.array_equal(cosine_matrix(D, learned), [[0, 0], [0, 0], [0, 1]])
    with pytest.raises(ValueError, match="D_true has 3 features but D_learned has 2"):
        cosine_matrix(D, np.ones((2, 2)))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("learned_is_bad", [True, False])
def test_atoms_that_are_not_finite_are_refused_by_name(bad, learned_is_bad):
    D, learned = np.eye(3), np.eye(3)
    (learned if learned_is_bad else D)[1, 2] = bad
    name = "D_learned" if learned_is_bad else "D_true"
    with pytest.raises(ValueError, match=rf"{name} must be finite; atom\(s\) \[2\] hold NaN"):
        cosine_matrix(D, learned)


@pytest.mark.parametrize("measure", [features_recovered, match, mean_matched_cosine, uniqueness])
@pytest.mark.parametrize("shape", [(3, 0), (0, 3), (3,)])
def test_a_cosine_matrix_without_atoms_or_latents_is_refused(measure, shape):
    pattern = r"cos must be a 2-D matrix .* got shape " + re.escape(str(shape))
    with pytest.raises(ValueError, match=pattern):
        measure(np.zeros(shape))
