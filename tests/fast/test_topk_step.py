"""The TopK family's sparse step against the readable recipe (ksparse.models.topk, batch_topk)."""
import numpy as np
import pytest
from _numerical import autoencoder_params, numerical_gradient

from ksparse.fast import topk_step as S
from ksparse.fast.topk_codes import (
    bands,
    batch_topk_codes,
    chain_of_codes,
    dead_codes,
    topk_codes,
)
from ksparse.models import BatchTopKAutoencoder, TopKAutoencoder
from ksparse.models.batch_topk import batch_topk_loss_and_grads
from ksparse.models.topk import topk_recipe_loss_and_grads

N_FEATURES, N_HIDDEN = 9, 24


def recipe_case(rng, dtype=np.float64, n_samples=17):
    X = (rng.standard_normal((n_samples, N_FEATURES)) + 0.3).astype(dtype)
    params = autoencoder_params(rng, N_FEATURES, N_HIDDEN, tied=False, dtype=dtype)
    dead = rng.random(N_HIDDEN) < 0.4
    return X, params, dead


def assert_same(sparse, dense, rtol, atol):
    (loss_s, grads_s, _), (loss, grads) = sparse, dense[:2]
    assert set(grads_s) == set(grads)
    np.testing.assert_allclose(loss_s, loss, rtol=rtol)
    for name, grad in grads.items():
        assert grads_s[name].shape == grad.shape and grads_s[name].dtype == grad.dtype, name
        np.testing.assert_allclose(grads_s[name], grad, rtol=rtol, atol=atol, err_msg=name)


# (multi_k, prefixes): plain TopK, Multi-TopK wider, narrower and equal, Matryoshka
# (a prefix that cuts some rows' supports, one below every unit, one at n_hidden), both.
VARIANTS = [(None, None), (12, None), (2, None), (4, None), (None, (3, 10, 24)),
            (None, (1, 17)), (12, (5, 17))]
PREFIX_WEIGHT = 0.3  # not 1, so that a prefix's weight taken for the main code's would show


@pytest.mark.parametrize("chunk_bytes", [1, 1 << 21])  # one-row blocks, one block
@pytest.mark.parametrize("with_dead", [False, True])
@pytest.mark.parametrize("pre_bias", [False, True])
@pytest.mark.parametrize("multi_k, prefixes", VARIANTS)
def test_topk_step_matches_the_recipe_in_float64(rng, monkeypatch, multi_k, prefixes, pre_bias,
                                                 with_dead, chunk_bytes):
    monkeypatch.setattr(S, "_GATHER_BYTES", chunk_bytes)
    X, params, dead = recipe_case(rng)
    dead &= with_dead
    dense = topk_recipe_loss_and_grads(params, X, 4, dead, 6, 0.25, pre_bias, multi_k, 0.3,
                                       prefixes, PREFIX_WEIGHT)
    sparse = S.sparse_recipe_loss_and_grads(
        params, X, lambda z: topk_codes(z, 4, multi_k, 0.3, prefixes, PREFIX_WEIGHT), dead, 6,
        0.25, pre_bias)
    assert_same(sparse, dense, rtol=1e-11, atol=1e-11)
    assert np.array_equal(S.active_units(sparse[2], N_HIDDEN), dense[2].any(axis=0))


@pytest.mark.parametrize("prefixes", [None, (2, 13)])
@pytest.mark.parametrize("pre_bias", [False, True])
def test_batch_topk_step_matches_the_recipe_in_float64(rng, pre_bias, prefixes):
    X, params, dead = recipe_case(rng)
    dense = batch_topk_loss_and_grads(params, X, 3, dead, 5, 0.5, pre_bias, prefixes, PREFIX_WEIGHT)
    sparse = S.sparse_recipe_loss_and_grads(
        params, X, lambda z: batch_topk_codes(z, 3, prefixes, PREFIX_WEIGHT), dead, 5, 0.5, pre_bias)
    assert_same(sparse, dense, rtol=1e-11, atol=1e-11)
    assert np.array_equal(S.active_units(sparse[2], N_HIDDEN), dense[2].any(axis=0))
    assert float(S.smallest_kept(sparse[2])) == float(dense[3])


def test_topk_step_matches_the_recipe_in_float32(rng):
    X, params, dead = recipe_case(rng, np.float32, n_samples=64)
    params["W"] = np.asfortranarray(params["W"])
    dense = topk_recipe_loss_and_grads(params, X, 5, dead, 8, 1 / 32, True, 20, 1 / 8, (6, 12))
    sparse = S.sparse_recipe_loss_and_grads(
        params, X, lambda z: topk_codes(z, 5, 20, 1 / 8, (6, 12)), dead, 8, 1 / 32, True)
    assert_same(sparse, dense, rtol=2e-5, atol=2e-5)
    assert sparse[1]["W"].flags.f_contiguous  # in W's order: the optimizer updates it in place


def test_a_latent_at_minus_infinity_leaves_both_steps_finite_and_equal(rng):
    # b_j = −inf: latent j is never selected (nor by AuxK, being alive), and its
    # zeroed activity must be 0 in the readable step too, not −inf · 0 = NaN.
    X, params, dead = recipe_case(rng)
    params["b"][7], dead[7] = -np.inf, False
    dense = topk_recipe_loss_and_grads(params, X, 4, dead, 6, 0.25)
    sparse = S.sparse_recipe_loss_and_grads(params, X, lambda z: topk_codes(z, 4), dead, 6, 0.25)
    assert np.isfinite(dense[0])
    assert_same(sparse, dense, rtol=1e-11, atol=1e-11)


def test_topk_step_gradients_match_finite_differences(rng):
    """The sparse step against central differences of its own loss (the support held fixed).

    No latent is dead: AuxK's target, the residual, is held fixed by definition
    (its gradient is not that of the summed loss), so it is checked against
    the recipe above instead.
    """
    X, params, dead = recipe_case(rng, n_samples=6)
    dead[:] = False
    codes = topk_codes(X @ params["P"].T + params["b"], 3, 7, 0.3, (8, 15))
    frozen = codes.idx  # the selection, held fixed while the parameters move

    def code(z):
        fresh = topk_codes(z, 3, 7, 0.3, (8, 15))
        assert np.array_equal(fresh.idx, frozen), "a finite-difference step changed the support"
        return fresh

    def loss():
        return S.sparse_recipe_loss_and_grads(params, X, code, dead, 4, 0.5, False)[0]

    _, grads, _ = S.sparse_recipe_loss_and_grads(params, X, code, dead, 4, 0.5, False)
    for name in ("W", "P", "b", "b_prime"):
        np.testing.assert_allclose(grads[name], numerical_gradient(loss, params[name]),
                                   rtol=1e-6, atol=1e-7, err_msg=name)


def test_topk_codes_are_nested_prefixes_by_hand():
    z = np.array([[5.0, -1.0, 3.0, 4.0, 0.5, 2.0]])  # top-2 units {0, 3}, top-4 {0, 2, 3, 5}
    codes = topk_codes(z, 2, multi_k=4, prefixes=(1, 3))
    # The main code's units first (increasing), then the rest of the top-4.
    assert codes.idx.tolist() == [[0, 3, 2, 5]]
    # Prefix 1 keeps unit 0, prefix 3 keeps unit 0 too (3 is not < 3), main 2, top-4 all.
    assert codes.lengths.tolist() == [[1, 1, 2, 4]]
    assert codes.weights == (1.0, 1.0, 1.0, 0.125) and codes.main == 2
    assert codes.h.tolist() == [[5.0, 4.0, 3.0, 2.0]]
    assert bands(codes.lengths, 4).tolist() == [[0, 2, 3, 3]]


def test_narrower_multi_k_comes_first_in_the_chain():
    z = np.array([[5.0, -1.0, 3.0, 4.0]])
    codes = topk_codes(z, 3, multi_k=1, multi_k_weight=0.5)
    assert codes.idx.tolist() == [[0, 2, 3]] and codes.lengths.tolist() == [[1, 3]]
    assert codes.weights == (0.5, 1.0) and codes.main == 1


def test_batch_topk_codes_pad_short_rows_with_nothing():
    z = np.array([[3.0, 2.0, 1.0], [0.5, -1.0, -2.0]])  # the B·k = 2 largest: both in row 0
    codes = batch_topk_codes(z, 1, prefixes=(1,))
    assert codes.idx[0].tolist() == [0, 1] and codes.lengths.tolist() == [[1, 2], [0, 0]]
    assert codes.h.tolist() == [[3.0, 2.0], [0.0, 0.0]]  # row 1: padding only
    assert not codes.passes[1].any()


def test_negative_kept_activities_pass_no_gradient():
    z = np.array([[-1.0, -2.0, -3.0]])
    codes = topk_codes(z, 2)
    assert codes.h.tolist() == [[0.0, 0.0]] and not codes.passes.any()


def test_dead_codes_choose_among_dead_latents_only():
    z = np.array([[9.0, 1.0, 8.0, 2.0, 3.0]])
    codes = dead_codes(z, np.array([False, True, False, True, True]), aux_k=2, weight=0.5)
    assert codes.idx.tolist() == [[3, 4]] and codes.h.tolist() == [[2.0, 3.0]]
    assert codes.weights == (0.5,)
    assert dead_codes(z, np.zeros(5, bool), aux_k=2, weight=0.5) is None


@pytest.mark.parametrize("multi_k, prefixes, chain", [
    (None, (2,), True), (8, (2,), True), (4, None, True), (2, None, True), (2, (3,), False)])
def test_chain_of_codes(multi_k, prefixes, chain):
    assert chain_of_codes(4, multi_k, prefixes) is chain


@pytest.mark.parametrize("model", [
    TopKAutoencoder(n_hidden=12, k=3, multi_k=6, prefixes=(4, 8), k_start=6),
    BatchTopKAutoencoder(n_hidden=12, k=3, prefixes=(5,)),
    TopKAutoencoder(n_hidden=12, k=3, dead_steps=2, aux_k=4),
])
def test_fit_with_the_sparse_step_ends_where_the_dense_step_does(rng, model):
    X = rng.standard_normal((64, 7)) + 1.0
    common = dict(epochs=3, batch_size=16, dtype="float64", random_state=0)
    sparse = model.set_params(**common, step="sparse").fit(X)
    dense = type(model)(**{**model.get_params(), "step": "dense"}).fit(X)
    for name in ("W_", "P_", "b_", "b_prime_"):
        np.testing.assert_allclose(getattr(sparse, name), getattr(dense, name), rtol=1e-9,
                                   atol=1e-10, err_msg=name)
    np.testing.assert_array_equal(sparse.steps_idle_, dense.steps_idle_)


def test_settings_the_sparse_step_cannot_take_run_the_readable_step(rng):
    """multi_k < k with prefixes: the codes do not nest, so step='sparse' runs the recipe."""
    X = rng.standard_normal((40, 6))
    common = dict(n_hidden=10, k=4, multi_k=2, prefixes=(5,), epochs=2, batch_size=8,
                  random_state=0)
    sparse = TopKAutoencoder(**common, step="sparse").fit(X)
    dense = TopKAutoencoder(**common, step="dense").fit(X)
    assert np.array_equal(sparse.W_, dense.W_) and np.array_equal(sparse.P_, dense.P_)


@pytest.mark.parametrize("cls", [TopKAutoencoder, BatchTopKAutoencoder])
def test_k_start_sets_the_k_of_each_step(rng, monkeypatch, cls):
    """The sparsity schedule of §4.2.1: k falls from k_start to k over the first half."""
    from ksparse.models import topk as topk_module
    from ksparse.nn.schedules import sparsity_level

    seen = []
    monkeypatch.setattr(topk_module, "sparsity_level",
                        lambda step, total, k, k_start: seen.append(sparsity_level(
                            step, total, k, k_start)) or seen[-1])
    X = rng.standard_normal((48, 5))
    model = cls(n_hidden=12, k=2, k_start=8, epochs=4, batch_size=8, random_state=0).fit(X)
    total = 4 * 6
    # Each epoch's 6 steps, then its history's k: the k of its last step.
    steps = [s for e in range(4) for s in [*range(6 * e, 6 * e + 6), 6 * e + 5]]
    expected = [sparsity_level(s, total, 2, 8) for s in steps]
    assert seen == expected
    assert [h["k"] for h in model.history_] == expected[6::7]
    assert seen[0] == 8 and seen[-1] == 2 and model.k == 2


@pytest.mark.parametrize("prefixes", [None, (2, 13)])
def test_batch_topk_step_in_the_cupy_formulation_matches_the_recipe(rng, monkeypatch, prefixes):
    """The GPU's dense scatters, run on NumPy arrays, with rows that keep unit 0 and are padded.

    BatchTopK pads short rows with unit 0 (h = 0): a scatter that let a padding
    zero overwrite a kept unit 0 would lose its weight.
    """
    from ksparse.fast import sparse_step

    for module in (S, sparse_step):
        monkeypatch.setattr(module, "_sparse_module", lambda xp: None)
    monkeypatch.setattr(sparse_step, "waits_for_device", lambda xp: True)
    X, params, dead = recipe_case(rng)
    params["b"][0] += 3.0  # unit 0 kept in most rows
    z = (X - params["b_prime"]) @ params["P"].T + params["b"]  # (n_samples, n_hidden)
    codes = batch_topk_codes(z, 3, prefixes)
    main = codes.lengths[:, codes.main]  # (n_samples,): kept units per row
    assert ((codes.idx[:, 0] == 0) & (main > 0) & (main < codes.idx.shape[1])).any()
    dense = batch_topk_loss_and_grads(params, X, 3, dead, 5, 0.5, True, prefixes)
    sparse = S.sparse_recipe_loss_and_grads(
        params, X, lambda z: batch_topk_codes(z, 3, prefixes), dead, 5, 0.5, True)
    assert_same(sparse, dense, rtol=1e-11, atol=1e-11)
    assert np.array_equal(S.active_units(sparse[2], N_HIDDEN), dense[2].any(axis=0))
