"""The measures of codes and reconstructions against the truth, on cases small enough to count by hand."""
import numpy as np
import pytest
import scipy.sparse

from ksparse.lab import absorption, dead_fraction, firing_scores, fvu, l0, shrinkage


def _column_sets(n_rows, sets):
    """A (n_rows, len(sets)) matrix with 1.0 on the rows of each column's set."""
    M = np.zeros((n_rows, len(sets)))
    for j, rows in enumerate(sets):
        M[list(rows), j] = 1.0
    return M


@pytest.mark.parametrize("sparse", [False, True])
def test_precision_recall_and_f1_of_a_tiny_case(sparse):
    C = _column_sets(6, [{0, 1, 2}, {3, 4}])  # atom 0 on rows 0-2, atom 1 on rows 3-4
    H = _column_sets(6, [{4}, {0, 1, 3, 5}, set()])  # latent 2 never fires
    C = scipy.sparse.csr_matrix(C) if sparse else C
    # atom 0 <-> latent 1: both on rows 0, 1; latent 1 fires 4 times, atom 0 is on 3 times
    # atom 1 <-> latent 0: both on row 4;  fires once, on twice
    precision, recall, f1 = firing_scores(H, C, np.array([0, 1, 1]), np.array([1, 0, 2]))
    assert np.allclose(precision[:2], [2 / 4, 1 / 1])
    assert np.allclose(recall, [2 / 3, 1 / 2, 0 / 2])
    assert np.allclose(f1, [2 * 2 / (4 + 3), 2 * 1 / (1 + 2), 0.0])
    assert np.isnan(precision[2])


def test_absorption_of_a_constructed_hierarchy():
    parents = np.array([-1, 0, 0])  # atom 0 is the parent of atoms 1 and 2
    C = _column_sets(8, [{0, 1, 2, 3, 4, 5}, {0, 1, 2}, {3, 4}])
    # The parent's latent (latent 2) fires on rows 0, 3, 5: silent on two of
    # child 1's three rows and on one of child 2's two rows.
    H = _column_sets(8, [{0, 1, 2}, {3, 4}, {0, 3, 5}])
    atoms, latents = np.array([0, 1, 2]), np.array([2, 0, 1])
    assert absorption(H, C, parents, atoms, latents) == pytest.approx(3 / 5)
    H[:, 2] = C[:, 0]  # the parent's latent fires wherever the parent is: nothing absorbed
    assert absorption(H, C, parents, atoms, latents) == 0.0


def test_absorption_skips_children_whose_parent_has_no_latent():
    parents = np.array([-1, 0])
    C = _column_sets(3, [{0, 1}, {1}])
    assert np.isnan(absorption(np.ones((3, 1)), C, parents, np.array([1]), np.array([0])))


def test_shrinkage_is_one_for_rescaled_and_sign_flipped_atoms_with_matching_codes():
    rng = np.random.default_rng(0)
    D = np.linalg.qr(rng.standard_normal((5, 3)))[0]  # (5, 3), orthonormal atoms
    C = rng.uniform(0.5, 1.5, (20, 3)) * (rng.random((20, 3)) < 0.5)  # (20, 3)
    scale = np.array([2.0, -1.0, 0.5])
    learned = D * scale  # latent j is atom j, scaled (and flipped for j = 1)
    H = C / scale  # so that H @ learned.T == C @ D.T
    atoms = latents = np.arange(3)
    assert shrinkage(H, C, D, learned, atoms, latents) == pytest.approx(1.0)
    assert shrinkage(0.5 * H, C, D, learned, atoms, latents) == pytest.approx(0.5)


def test_shrinkage_counts_only_recovered_pairs():
    D = np.eye(3)
    learned = np.eye(3)
    learned[:, 2] = [0.0, 0.6, 0.8]  # latent 2 is not atom 2 (cos 0.8)
    C = np.ones((4, 3))
    H = np.array([[0.5, 1.0, 9.0]] * 4)
    assert shrinkage(H, C, D, learned, np.arange(3), np.arange(3)) == pytest.approx(0.75)


def test_fvu_of_the_column_mean_is_exactly_one_and_of_a_perfect_reconstruction_zero():
    rng = np.random.default_rng(0)
    X = 100.0 + rng.standard_normal((50, 4))  # far from the origin: FVU around 0 would be ~1e-4
    assert fvu(np.broadcast_to(X.mean(axis=0), X.shape), X) == 1.0
    assert fvu(X.copy(), X) == 0.0


@pytest.mark.parametrize("sparse", [False, True])
def test_l0_and_dead_fraction(sparse):
    H = np.array([[1.0, 0.0, 0.0], [2.0, -3.0, 0.0]])
    H = scipy.sparse.csr_matrix(H) if sparse else H
    assert l0(H) == 1.5
    assert dead_fraction(H) == pytest.approx(1 / 3)


_H, _C = np.ones((4, 3)), np.ones((4, 2))  # 4 rows of codes: 3 latents, 2 true atoms
_PAIR = (np.array([0, 1]), np.array([0, 1]))  # atoms, latents


@pytest.mark.parametrize("measure, match", [
    # One row of codes (or of reconstruction) would broadcast against all four.
    (lambda: firing_scores(_H[:1], _C, *_PAIR), r"H and C must have the same number of rows"),
    (lambda: firing_scores(_H, _C[:3], *_PAIR), r"got shapes \(4, 3\) and \(3, 2\)"),
    (lambda: absorption(_H[:1], _C, np.array([-1, 0]), *_PAIR), "H and C must have the same"),
    (lambda: shrinkage(_H[:1], _C, np.eye(2), np.eye(2, 3), *_PAIR), "H and C must have the same"),
    (lambda: shrinkage(_H, _C, np.eye(2), np.eye(3), *_PAIR), "D_true and D_learned must have"),
    (lambda: fvu(_H[:1], _H), r"X_hat and X must have the same shape"),
    (lambda: fvu(_H[:, :1], _H), r"got shapes \(4, 1\) and \(4, 3\)"),
    (lambda: firing_scores(_H[0], _C, *_PAIR), r"H must be 2-D with at least one row"),
    (lambda: l0(np.zeros((0, 5))), r"H must be 2-D with at least one row, got shape \(0, 5\)"),
    (lambda: dead_fraction(np.zeros((0, 5))), "H must be 2-D with at least one row"),
    (lambda: dead_fraction(scipy.sparse.csr_matrix((0, 5))), "H must be 2-D with at least one"),
], ids=["firing-1-row", "firing-3-rows", "absorption", "shrinkage-rows", "shrinkage-features",
        "fvu-1-row", "fvu-1-column", "firing-1-D", "l0-no-rows", "dead-no-rows",
        "dead-sparse-no-rows"])
def test_arrays_not_2d_with_corresponding_rows_are_refused_by_name(measure, match):
    with pytest.raises(ValueError, match=match):
        measure()
