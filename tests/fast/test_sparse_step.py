"""The sparse-aware step against the dense reference step (ksparse.models.k_sparse)."""
import numpy as np
import pytest

from ksparse.models import k_sparse as F
from ksparse.fast import sparse_step as S
from ksparse.nn.optim import Adam, MomentumSGD

from _numerical import autoencoder_params


def assert_same_step(params, X, k, pre_bias, rtol, atol):
    loss, grads, mask = F.loss_and_grads(params, X, k, pre_bias)
    loss_s, grads_s, mask_s = S.sparse_loss_and_grads(params, X, k, pre_bias)
    assert np.array_equal(mask_s, mask)
    assert list(grads_s) == list(grads)
    np.testing.assert_allclose(loss_s, loss, rtol=rtol)
    for name, grad in grads.items():
        assert grads_s[name].shape == grad.shape and grads_s[name].dtype == grad.dtype
        np.testing.assert_allclose(grads_s[name], grad, rtol=rtol, atol=atol, err_msg=name)


@pytest.mark.parametrize("pre_bias", [False, True])
@pytest.mark.parametrize("tied", [True, False])
@pytest.mark.parametrize("k", [1, 4, 11])
@pytest.mark.parametrize("n_samples", [1, 9])
def test_matches_dense_step_in_float64(rng, tied, pre_bias, k, n_samples):
    X = rng.standard_normal((n_samples, 7))
    params = autoencoder_params(rng, 7, 11, tied)  # k = 11 keeps every unit
    assert_same_step(params, X, k, pre_bias, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("pre_bias", [False, True])
@pytest.mark.parametrize("tied", [True, False])
@pytest.mark.parametrize("k", [1, 5, 40])
def test_matches_dense_step_in_float32(rng, tied, pre_bias, k, order):
    X = rng.random((33, 20)).astype(np.float32)
    params = autoencoder_params(rng, 20, 40, tied, np.float32, order)
    assert_same_step(params, X, k, pre_bias, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("tied", [True, False])
def test_csr_rows_give_the_step_of_their_dense_array(rng, tied, order):
    import scipy.sparse

    X = rng.random((20, 9)) * (rng.random((20, 9)) < 0.3)  # 70 % zeros, one row often empty
    params = autoencoder_params(rng, 9, 12, tied, order=order)
    loss, grads, mask = F.loss_and_grads(params, X, 3)  # the dense reference, dense X
    loss_s, grads_s, mask_s = S.sparse_loss_and_grads(params, scipy.sparse.csr_matrix(X), 3)
    assert np.array_equal(mask_s, mask)
    np.testing.assert_allclose(loss_s, loss, rtol=1e-12)
    for name, grad in grads.items():
        assert isinstance(grads_s[name], np.ndarray) and grads_s[name].shape == grad.shape
        np.testing.assert_allclose(grads_s[name], grad, rtol=1e-12, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("tied", [True, False])
def test_ties_are_broken_as_in_the_dense_step(rng, tied):
    # Small integers give many equal activities in a row.
    X = rng.integers(0, 2, size=(12, 5)).astype(np.float64)
    params = {name: np.round(p * 2) for name, p in autoencoder_params(rng, 5, 8, tied).items()}
    z = X @ (params["W"] if tied else params["P"].T) + params["b"]
    assert any(len(np.unique(row)) < row.size for row in z)  # the test has ties to break
    for k in (1, 3, 7):
        assert_same_step(params, X, k, False, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("order", ["C", "F"])
def test_weight_gradient_comes_back_in_the_order_of_w(rng, order):
    params = autoencoder_params(rng, 6, 9, tied=True, dtype=np.float32, order=order)
    _, grads, _ = S.sparse_loss_and_grads(params, rng.random((4, 6)).astype(np.float32), 3)
    assert grads["W"].flags[f"{order}_CONTIGUOUS"]


@pytest.mark.parametrize("tied", [True, False])
def test_dense_fallback_and_one_row_chunks_agree(rng, tied, monkeypatch):
    """The CuPy code path (dense gradient products, whole-batch gathers), run on NumPy arrays."""
    X = rng.standard_normal((6, 5))
    params = autoencoder_params(rng, 5, 10, tied)
    monkeypatch.setattr(S, "_sparse_module", lambda xp: None)
    assert_same_step(params, X, 3, True, rtol=1e-12, atol=1e-12)
    monkeypatch.setattr(S, "_CPU_GATHER_BYTES", 1)  # one row per gathered block
    assert_same_step(params, X, 3, False, rtol=1e-12, atol=1e-12)


def test_scatter_rows_matches_a_loop(rng):
    idx = np.array([[0, 2], [2, 3], [0, 3]])
    weights = rng.standard_normal((3, 2))
    rows = rng.standard_normal((3, 4))
    expected = np.zeros((5, 4))
    for i in range(3):
        for j in range(2):
            expected[idx[i, j]] += weights[i, j] * rows[i]
    np.testing.assert_allclose(S.scatter_rows(idx, weights, rows, 5), expected, rtol=1e-14)
    assert not S.scatter_rows(idx, weights, rows, 5)[1].any()  # unit 1 was never selected


def test_scatter_rows_skips_padding_without_changing_a_bit(rng):
    # BatchTopK's rows: each row's units first, then padding (unit 0, weight 0).
    lengths = np.array([3, 0, 1, 2, 3])
    idx = np.array([[1, 4, 6], [0, 0, 0], [0, 0, 0], [2, 6, 0], [0, 3, 5]])
    weights = rng.standard_normal((5, 3)) * (np.arange(3) < lengths[:, None])
    rows = rng.standard_normal((5, 4))
    expected = np.zeros((7, 4))
    for i in range(5):
        for j in range(lengths[i]):
            expected[idx[i, j]] += weights[i, j] * rows[i]
    got = S.scatter_rows(idx, weights, rows, 7, lengths)
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    assert np.array_equal(got, S.scatter_rows(idx, weights, rows, 7))  # the padded sums


def test_decode_and_backprop_match_dense_formulas(rng):
    W = rng.standard_normal((6, 8))
    X, b_prime = rng.standard_normal((3, 6)), rng.standard_normal(6)
    idx = np.array([[1, 4], [0, 7], [4, 5]])
    z_top = rng.standard_normal((3, 2))
    z_sparse = np.zeros((3, 8))
    np.put_along_axis(z_sparse, idx, z_top, axis=1)
    diff, dz_top = S.decode_and_backprop(idx, z_top, np.ascontiguousarray(W.T), X, b_prime)
    expected = z_sparse @ W.T + b_prime - X  # x̂ − x
    np.testing.assert_allclose(diff, expected, rtol=1e-13)
    np.testing.assert_allclose(dz_top, np.take_along_axis(expected @ W * (2 / 3), idx, 1),
                               rtol=1e-13)


def train_by_hand(loss_and_grads, make_optimizer, params, X, k, pre_bias, lr):
    """Two epochs of minibatch steps in a fixed order."""
    optimizer = make_optimizer(params)
    order = np.random.default_rng(3).permutation(X.shape[0])
    for epoch in range(2):
        for start in range(0, X.shape[0], 16):
            _, grads, _ = loss_and_grads(params, X[order[start : start + 16]], k, pre_bias)
            optimizer.step(grads, lr)
    return params


@pytest.mark.parametrize("tied, pre_bias", [(True, False), (True, True), (False, False)])
@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_training_by_hand_ends_at_the_same_parameters(tied, pre_bias, optimizer):
    rng = np.random.default_rng(0)
    X = rng.random((64, 12)).astype(np.float32)
    if optimizer == "momentum":
        make, lr = (lambda p: MomentumSGD(p, 0.9)), 0.01
    else:
        make, lr = Adam, 1e-3
    init = autoencoder_params(rng, 12, 30, tied, np.float32)
    dense = train_by_hand(F.loss_and_grads, make, {n: p.copy() for n, p in init.items()},
                          X, 4, pre_bias, lr)
    sparse = train_by_hand(S.sparse_loss_and_grads, make, {n: p.copy() for n, p in init.items()},
                           X, 4, pre_bias, lr)
    for name in init:
        assert not np.allclose(dense[name], init[name])  # training moved the parameter
        np.testing.assert_allclose(sparse[name], dense[name], rtol=1e-4, atol=1e-5, err_msg=name)
