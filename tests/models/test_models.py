"""The baselines, the KL sparse autoencoder, the RBM and the TopK recipe.

Gradients against float64 finite differences, the KL and AuxK values by
hand, CD-1 statistics against an exact enumeration, dropout masks, the
unit-norm projection, bitwise resume and storage.
"""
import itertools

import numpy as np
import pytest
from _numerical import autoencoder_params, numerical_gradient

import ksparse
from ksparse.models import (
    RBM,
    BatchTopKAutoencoder,
    DenoisingAutoencoder,
    DropoutAutoencoder,
    JumpReLUAutoencoder,
    KLSparseAutoencoder,
    ReLUAutoencoder,
    TopKAutoencoder,
)
from ksparse.models.dense import dense_forward, dense_loss_and_grads
from ksparse.models.rbm import cd_gradients, free_energy
from ksparse.models.topk import topk_recipe_loss_and_grads
from ksparse.nn import dropout_mask
from ksparse.nn.encoder_decoder import geometric_median
from ksparse.training.random_streams import step_generator

OPTIONS = [
    dict(activation="relu", decoder="linear", pre_bias=False, scale=1.0, tied=True),
    dict(activation="relu", decoder="linear", pre_bias=True, scale=1.0, tied=False),
    dict(activation="sigmoid", decoder="sigmoid", pre_bias=True, scale=0.2, tied=True),
    dict(activation="relu", decoder="sigmoid", pre_bias=False, scale=0.2, tied=False),
]


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("with_masks", [False, True])
@pytest.mark.parametrize("with_kl", [False, True])
def test_dense_autoencoder_gradients_match_finite_differences(rng, options, with_masks, with_kl):
    options = dict(options)
    params = autoencoder_params(rng, 5, 4, options.pop("tied"))
    X = rng.random((6, 5))
    masks = (None, None)
    if with_masks:
        masks = (dropout_mask((6, 5), 0.2, rng, np.float64), dropout_mask((6, 4), 0.5, rng,
                                                                            np.float64))
    penalty = None
    if with_kl:
        penalty = (lambda H: ksparse.nn.kl_penalty(H, 0.3, 0.5),
                   lambda H: ksparse.nn.kl_penalty_backward(H, 0.3, 0.5))
    loss, grads, _ = dense_loss_and_grads(params, X, options, masks, penalty)
    for name, array in params.items():
        numeric = numerical_gradient(
            lambda: dense_loss_and_grads(params, X, options, masks, penalty)[0], array)
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-5, atol=1e-8, err_msg=name)


def test_denoising_masks_are_fresh_per_step_and_off_in_transform(rng):
    X = rng.random((40, 6))
    model = DenoisingAutoencoder(n_hidden=8, epochs=2, batch_size=10, random_state=0).fit(X)
    first = model._masks(X[:10], 8, step_generator(1, 0), np)[0]
    second = model._masks(X[:10], 8, step_generator(1, 1), np)[0]
    assert first is not None and not np.array_equal(first, second)
    assert abs((first == 0).mean() - 0.2) < 0.15
    clean = dense_forward(model._parameters(), X, "relu", "linear")[0]
    np.testing.assert_array_equal(model.transform(X), clean)  # no noise at test time
    np.testing.assert_array_equal(model.transform(X), model.transform(X))


def test_dropout_changes_training_and_defaults_are_the_papers():
    assert DenoisingAutoencoder().input_dropout == 0.2 and DenoisingAutoencoder().hidden_dropout == 0
    assert DropoutAutoencoder().hidden_dropout == 0.5
    X = np.random.default_rng(0).random((60, 6))
    settings = dict(n_hidden=8, epochs=2, batch_size=10, random_state=0)
    plain, dropped = ReLUAutoencoder(**settings).fit(X), DropoutAutoencoder(**settings).fit(X)
    assert not np.allclose(plain.W_, dropped.W_)


NOISY = [
    lambda: DropoutAutoencoder(input_dropout=0.2, n_hidden=10, epochs=4, batch_size=16,
                               random_state=3),
    lambda: RBM(n_hidden=10, persistent=True, cd_steps=2, epochs=4, batch_size=16,
                random_state=3),
    lambda: TopKAutoencoder(n_hidden=10, k=2, dead_steps=3, epochs=4, batch_size=16,
                            random_state=3),
    lambda: KLSparseAutoencoder(n_hidden=10, epochs=4, batch_size=16, random_state=3),
]


@pytest.mark.parametrize("make", NOISY)
@pytest.mark.parametrize("stop_epoch", [0, 2])
def test_interrupted_and_resumed_fit_is_bitwise_identical(tmp_path, make, stop_epoch):
    X = np.random.default_rng(0).random((70, 6))
    reference = make().fit(X)

    def stop(model, epoch, logs):
        if epoch == stop_epoch:
            raise KeyboardInterrupt

    path = tmp_path / "run.ckpt"
    with pytest.raises(KeyboardInterrupt):
        make().fit(X, checkpoint=path, callbacks=[stop])
    resumed = make().fit(X, checkpoint=path, resume=True)
    for name in ("W_", "b_", "b_prime_", "P_"):
        if getattr(reference, name, None) is not None:
            assert np.array_equal(getattr(resumed, name), getattr(reference, name)), name
    assert resumed.history_ == reference.history_


def exact_cd1(params, v0):
    """E[CD-1 update] for one visible vector, by enumerating every h0 and v1."""
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    W, b, c = params["W"], params["b"], params["b_prime"]
    ph0 = sig(v0 @ W + b)
    neg_W, neg_b, neg_c = 0, 0, 0
    for h in itertools.product([0, 1], repeat=len(b)):
        h = np.array(h, float)
        p_h = np.prod(np.where(h == 1, ph0, 1 - ph0))
        pv = sig(W @ h + c)
        for v in itertools.product([0, 1], repeat=len(c)):
            v = np.array(v, float)
            p = p_h * np.prod(np.where(v == 1, pv, 1 - pv))
            ph1 = sig(v @ W + b)
            neg_W, neg_b, neg_c = neg_W + p * np.outer(v, ph1), neg_b + p * ph1, neg_c + p * v
    return {"W": neg_W - np.outer(v0, ph0), "b": neg_b - ph0, "b_prime": neg_c - v0}


def test_cd1_statistics_of_a_small_rbm_match_an_exact_computation(rng):
    params = {"W": rng.standard_normal((3, 2)), "b": rng.standard_normal(2) * 0.5,
              "b_prime": rng.standard_normal(3) * 0.5}
    v0 = np.array([1.0, 0.0, 1.0])
    V = np.tile(v0, (40000, 1))  # the batch mean is a Monte Carlo average over the chains
    grads, chain, _ = cd_gradients(params, V, V, 1, np.random.default_rng(0))
    exact = exact_cd1(params, v0)
    for name in exact:  # entries are bounded by 1: the standard error is below 0.005
        np.testing.assert_allclose(grads[name], exact[name], atol=0.02, err_msg=name)
    assert set(np.unique(chain)) <= {0.0, 1.0}


def test_free_energy_against_a_sum_over_hidden_states(rng):
    params = {"W": rng.standard_normal((3, 2)), "b": rng.standard_normal(2),
              "b_prime": rng.standard_normal(3)}
    V = rng.random((4, 3))
    by_hand = []
    for v in V:
        energies = [-(v @ params["b_prime"] + np.array(h) @ params["b"]
                      + v @ params["W"] @ np.array(h))
                    for h in itertools.product([0, 1], repeat=2)]
        by_hand.append(-np.log(np.exp(-np.array(energies)).sum()))
    np.testing.assert_allclose(free_energy(params, V), by_hand, rtol=1e-12)


def test_rbm_history_and_refusals():
    X = (np.random.default_rng(0).random((80, 6)) < 0.3).astype(float)
    model = RBM(n_hidden=5, epochs=3, batch_size=20, random_state=0)
    model.fit(X, X_val=X[:20])
    assert {"loss", "val_loss", "val_free_energy"} <= set(model.history_[-1])
    assert model.history_[-1]["val_free_energy"] == pytest.approx(model.free_energy(X[:20]))
    with pytest.raises(ValueError, match="center and pre_bias must be False"):
        RBM(center=True).fit(X)


def topk_params(rng, n_features=5, n_hidden=6):
    W = rng.standard_normal((n_features, n_hidden))
    return {"W": W / np.linalg.norm(W, axis=0), "P": rng.standard_normal((n_hidden, n_features)),
            "b": rng.standard_normal(n_hidden) * 0.1, "b_prime": rng.standard_normal(n_features)}


@pytest.mark.parametrize("pre_bias", [True, False])
def test_topk_recipe_gradients_match_finite_differences_with_and_without_pre_bias(rng, pre_bias):
    params, X = topk_params(rng), rng.standard_normal((4, 5))
    no_dead = np.zeros(6, dtype=bool)
    _, grads, _ = topk_recipe_loss_and_grads(params, X, 2, no_dead, 2, 0.5, pre_bias)
    centre = params["b_prime"] if pre_bias else 0.0
    z0 = (X - centre) @ params["P"].T + params["b"]
    kept = z0 >= np.sort(z0, axis=1)[:, [-2]]  # Γ held fixed: the loss is smooth around it

    def loss():
        c = params["b_prime"] if pre_bias else 0.0
        z = (X - c) @ params["P"].T + params["b"]
        X_hat = np.maximum(z * kept, 0) @ params["W"].T + params["b_prime"]
        return ((X_hat - X) ** 2).sum() / X.shape[0]

    for name, array in params.items():
        numeric = numerical_gradient(loss, array)
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-5, atol=1e-8, err_msg=name)


def test_topk_without_pre_bias_encodes_x_itself_as_its_encoder_layer_says():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((256, 6)) + 3  # a large shared mean: x − b′ and x differ a lot
    model = TopKAutoencoder(n_hidden=8, k=2, pre_bias=False, epochs=20, batch_size=32,
                            random_state=0).fit(X)
    layer = model.encoder_layer()
    assert layer.centre is None
    z = X @ layer.W + layer.b  # (256, 8): what the exported layer computes
    H = model.transform(X)
    kept = H != 0
    np.testing.assert_allclose(H[kept], z[kept], rtol=1e-12, atol=1e-12)


def test_topk_recipe_gradients_with_auxk_match_finite_differences(rng):
    params, X = topk_params(rng), rng.standard_normal((4, 5))
    dead = np.array([False, True, False, True, True, False])
    _, grads, _ = topk_recipe_loss_and_grads(params, X, 2, dead, 2, 0.5)
    # AuxK's target, the residual x − x̂, is held fixed (no gradient flows into it).
    z0 = (X - params["b_prime"]) @ params["P"].T + params["b"]
    kept = z0 >= np.sort(z0, axis=1)[:, [-2]]
    X_hat = np.maximum(z0 * kept, 0) @ params["W"].T + params["b_prime"]
    E = X - X_hat
    chosen = np.where(dead, z0, -np.inf) >= np.sort(np.where(dead, z0, -np.inf), axis=1)[:, [-2]]

    def loss():
        z = (X - params["b_prime"]) @ params["P"].T + params["b"]
        main = ((np.maximum(z * kept, 0) @ params["W"].T + params["b_prime"] - X) ** 2).sum()
        aux = ((np.maximum(z * chosen, 0) @ params["W"].T - E) ** 2).sum()
        return (main + 0.5 * aux) / X.shape[0]

    for name, array in params.items():
        numeric = numerical_gradient(loss, array)
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-5, atol=1e-8, err_msg=name)


def test_auxk_value_on_a_hand_made_case():
    # Identity dictionary, two features, four latents; latents 2 and 3 are dead.
    W = np.array([[1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0]])
    params = {"W": W, "P": W.T.copy(), "b": np.array([0.0, 0.0, 0.0, -0.5]),
              "b_prime": np.zeros(2)}
    X = np.array([[3.0, 2.0]])
    # k = 1 keeps latent 0 or 2 (z = 3, ties to the lower index: 0): x̂ = (3, 0), e = (0, 2).
    # AuxK with aux_k = 1 among the dead {2, 3}: z_2 = 3 > z_3 = 1.5, so ê = (3, 0).
    dead = np.array([False, False, True, True])
    main = topk_recipe_loss_and_grads(params, X, 1, np.zeros(4, bool), 1, 0.25)[0]
    total = topk_recipe_loss_and_grads(params, X, 1, dead, 1, 0.25)[0]
    assert float(main) == pytest.approx(4.0)  # ‖(0, 2)‖²
    assert float(total - main) == pytest.approx(0.25 * (9.0 + 4.0))  # ‖(0, 2) − (3, 0)‖²


def test_unit_norm_decoder_and_projected_gradient(rng):
    X = rng.standard_normal((64, 5)) + 1.0
    model = TopKAutoencoder(n_hidden=8, k=2, epochs=3, batch_size=16, random_state=0).fit(X)
    np.testing.assert_allclose(np.linalg.norm(model.W_, axis=0), 1.0, rtol=1e-12)
    params = model._parameters()
    _, grads, _ = model._training_step(params, X[:16], step=0, total_steps=1, rng=None)
    np.testing.assert_allclose((params["W"] * grads["W"]).sum(axis=0), 0.0, atol=1e-12)
    raw = topk_recipe_loss_and_grads(params, X[:16], 2, model._dead(np), 4, 1 / 32)[1]["W"]
    assert np.abs((params["W"] * raw).sum(axis=0)).max() > 1e-6  # there was something to remove
    X_hat = model.reconstruct(X)  # the FVU by hand: error over the spread around the mean
    expected = ((X_hat - X) ** 2).sum() / ((X - X.mean(axis=0)) ** 2).sum()
    assert model.fraction_of_variance_unexplained(X) == pytest.approx(expected, rel=1e-12)
    assert "dead_fraction" in model.history_[-1]


def test_geometric_median_minimises_the_sum_of_distances(rng):
    X = np.vstack([rng.standard_normal((30, 3)), [[50.0, 50.0, 50.0]]])  # one far outlier
    m = geometric_median(X)
    cost = lambda c: np.sqrt(((X - c) ** 2).sum(axis=1)).sum()  # noqa: E731
    for step in np.eye(3) * 1e-3:
        assert cost(m) <= cost(m + step) and cost(m) <= cost(m - step)
    assert np.abs(m).max() < 1.0  # the outlier barely moves it; the mean moves by 1.6


def test_kl_model_stays_finite_with_relu_units_above_one():
    X = np.random.default_rng(0).random((64, 6)) * 50  # large inputs: ReLU activities >> 1
    model = KLSparseAutoencoder(n_hidden=8, decoder="linear", epochs=1, batch_size=16,
                                init_std=0.5, learning_rate=1e-9, random_state=0).fit(X)
    assert all(np.isfinite(h["loss"]) for h in model.history_)
    assert model.transform(X).mean(axis=0).max() > 1  # the case the clipping is for


ALL = [ReLUAutoencoder, DenoisingAutoencoder, DropoutAutoencoder, KLSparseAutoencoder, RBM,
       TopKAutoencoder, BatchTopKAutoencoder, JumpReLUAutoencoder]


@pytest.mark.parametrize("cls", ALL)
def test_every_model_saves_and_loads(tmp_path, cls):
    X = np.random.default_rng(0).random((40, 6))
    kwargs = {"k": 2} if "k" in cls().get_params() else {}
    model = cls(n_hidden=7, epochs=1, batch_size=16, random_state=0, **kwargs)
    model.fit(X).save(tmp_path / "m.npz")
    loaded = ksparse.load(tmp_path / "m.npz")
    assert type(loaded) is cls and loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(loaded.transform(X), model.transform(X))
    np.testing.assert_array_equal(loaded.reconstruct(X), model.reconstruct(X))
