"""Multi-TopK and Matryoshka (options of the TopK model) and the BatchTopK model.

Gradients against float64 finite differences with the supports held fixed,
the batch selection against a full sort of the flattened batch, the
threshold's running mean by hand, the inference rule, bitwise resume,
storage and partial_fit.
"""
import copy

import numpy as np
import pytest

import ksparse
from ksparse import BatchTopKAutoencoder, TopKAutoencoder
from ksparse.models.batch_topk import (
    batch_topk_code,
    batch_topk_loss_and_grads,
    update_threshold,
)
from ksparse.models.matryoshka import check_prefixes
from ksparse.models.topk import topk_recipe_loss_and_grads
from _numerical import (
    RecordingGenerator,
    flat_sort_reference,
    numerical_gradient,
    sort_reference_mask,
)


def topk_params(rng, n_features=5, n_hidden=6):
    W = rng.standard_normal((n_features, n_hidden))
    return {"W": W / np.linalg.norm(W, axis=0), "P": rng.standard_normal((n_hidden, n_features)),
            "b": rng.standard_normal(n_hidden) * 0.1, "b_prime": rng.standard_normal(n_features)}


def encoder_z(params, X):
    return (X - params["b_prime"]) @ params["P"].T + params["b"]  # (n_samples, n_hidden)


def recon_loss(params, X, kept, m=None):
    """‖x − W ReLU(z ⊙ kept) − b′‖² per row, with the support ``kept`` held fixed.

    With ``m``: from the first m latents alone, W[:, :m] and z[:, :m] (a Matryoshka prefix).
    """
    z = encoder_z(params, X)[:, :m]
    X_hat = np.maximum(z * kept[:, :m], 0) @ params["W"][:, :m].T + params["b_prime"]
    return ((X_hat - X) ** 2).sum() / X.shape[0]


def assert_grads_match(loss, params, grads):
    for name, array in params.items():
        numeric = numerical_gradient(loss, array)
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-5, atol=1e-8, err_msg=name)


# ------------------------------------------------------------------------- Multi-TopK
@pytest.mark.parametrize("with_auxk", [False, True])
def test_multi_topk_gradients_match_finite_differences(rng, with_auxk):
    params, X = topk_params(rng), rng.standard_normal((4, 5))
    dead = np.array([False, True, False, True, True, False]) if with_auxk else np.zeros(6, bool)
    loss, grads, _ = topk_recipe_loss_and_grads(params, X, 2, dead, 2, 0.5, True,
                                                multi_k=4, multi_k_weight=0.125)
    z0 = encoder_z(params, X)
    kept2 = sort_reference_mask(z0, 2)  # both supports held fixed: the loss is smooth there
    kept4 = sort_reference_mask(z0, 4)
    E = X - (np.maximum(z0 * kept2, 0) @ params["W"].T + params["b_prime"])  # fixed AuxK target
    chosen = sort_reference_mask(np.where(dead, z0, -np.inf), 2)

    def total():
        value = recon_loss(params, X, kept2) + 0.125 * recon_loss(params, X, kept4)
        if with_auxk:
            E_hat = np.maximum(encoder_z(params, X) * chosen, 0) @ params["W"].T
            value += 0.5 * ((E_hat - E) ** 2).sum() / X.shape[0]
        return value

    assert float(loss) == pytest.approx(total(), rel=1e-12)
    assert_grads_match(total, params, grads)


def test_multi_topk_off_is_the_plain_recipe_and_weight_scales_the_second_loss(rng):
    params, X = topk_params(rng), rng.standard_normal((4, 5))
    dead = np.zeros(6, bool)
    plain = topk_recipe_loss_and_grads(params, X, 2, dead, 2, 0.5)[0]
    single = topk_recipe_loss_and_grads(params, X, 2, dead, 2, 0.5, multi_k=2, multi_k_weight=0.5)
    assert float(single[0]) == pytest.approx(1.5 * float(plain), rel=1e-12)
    assert TopKAutoencoder().multi_k is None  # off by default


def test_a_multi_topk_model_is_read_at_any_k(rng):
    X = rng.standard_normal((96, 6)) + 1.0
    model = TopKAutoencoder(n_hidden=10, k=2, multi_k=8, epochs=2, batch_size=32,
                            random_state=0, verbose=False).fit(X)
    plain = TopKAutoencoder(n_hidden=10, k=2, epochs=2, batch_size=32, random_state=0,
                            verbose=False).fit(X)
    assert not np.array_equal(model.W_, plain.W_)  # the second loss changed the training
    H = model.transform(X, k=5)
    assert (H != 0).sum(axis=1).max() == 5 and model.k == 2  # read at 5, the model untouched
    wider = copy.deepcopy(model).set_params(k=5)
    np.testing.assert_array_equal(H, wider.transform(X))
    np.testing.assert_array_equal(model.reconstruct(X, k=5), wider.reconstruct(X))
    fvu = model.fraction_of_variance_unexplained
    assert fvu(X, k=5) == wider.fraction_of_variance_unexplained(X)
    np.testing.assert_array_equal(model.transform(X, k=None), model.transform(X))
    with pytest.raises(ValueError, match=r"k must be an int in \[1, n_hidden=10\]"):
        model.transform(X, k=11)


# ------------------------------------------------------------------------- Matryoshka
@pytest.mark.parametrize("weight", [1.0, 0.3])
@pytest.mark.parametrize("batch", [False, True])
def test_matryoshka_gradients_match_finite_differences(rng, batch, weight):
    params, X = topk_params(rng), rng.standard_normal((4, 5))
    dead = np.array([False, True, False, True, True, False])
    options = dict(prefixes=(1, 4, 6), prefix_weight=weight)
    if batch:
        loss, grads = batch_topk_loss_and_grads(params, X, 2, dead, 2, 0.5, **options)[:2]
    else:
        loss, grads, _ = topk_recipe_loss_and_grads(params, X, 2, dead, 2, 0.5, **options)
    z0 = encoder_z(params, X)
    kept = flat_sort_reference(z0, 2) if batch else sort_reference_mask(z0, 2)  # held fixed
    E = X - (np.maximum(z0 * kept, 0) @ params["W"].T + params["b_prime"])
    chosen = sort_reference_mask(np.where(dead, z0, -np.inf), 2)

    def total():  # the full code once (the prefix 6 = n_hidden is it), then the prefixes 1 and 4
        E_hat = np.maximum(encoder_z(params, X) * chosen, 0) @ params["W"].T
        prefixes = recon_loss(params, X, kept, 1) + recon_loss(params, X, kept, 4)
        return recon_loss(params, X, kept) + weight * prefixes + 0.5 * ((E_hat - E) ** 2).sum() / 4

    assert float(loss) == pytest.approx(total(), rel=1e-12)
    assert_grads_match(total, params, grads)


def test_matryoshka_off_or_only_the_full_prefix_is_the_plain_recipe(rng):
    params, X = topk_params(rng), rng.standard_normal((4, 5))
    dead = np.zeros(6, bool)
    plain = topk_recipe_loss_and_grads(params, X, 2, dead, 2, 0.5)
    for prefixes in (None, (6,)):
        same = topk_recipe_loss_and_grads(params, X, 2, dead, 2, 0.5, prefixes=prefixes)
        assert float(same[0]) == float(plain[0])
        for name in params:
            np.testing.assert_array_equal(same[1][name], plain[1][name])
    assert TopKAutoencoder().prefixes is None and BatchTopKAutoencoder().prefixes is None
    assert TopKAutoencoder().prefix_weight == BatchTopKAutoencoder().prefix_weight == 1.0


@pytest.mark.parametrize("cls", [TopKAutoencoder, BatchTopKAutoencoder])
def test_prefix_weight_must_not_be_negative(cls):
    with pytest.raises(ValueError, match="prefix_weight"):
        cls(n_hidden=8, k=2, prefixes=(2,), prefix_weight=-0.5).fit(np.ones((4, 3)))


@pytest.mark.parametrize("value", [(), (3, 3), (4, 2), (0, 2), (2, 9), (2.0,), "2", (True,)])
def test_prefixes_must_be_increasing_ints_up_to_n_hidden(value):
    with pytest.raises(ValueError, match=r"prefixes must be None or increasing ints in \[1, n_h"):
        check_prefixes("prefixes", value, {"n_hidden": 8})
    assert check_prefixes("prefixes", [2, 8], {"n_hidden": 8}) == (2, 8)
    with pytest.raises(ValueError, match="prefixes must be"):
        TopKAutoencoder(n_hidden=8, k=2, prefixes=value).fit(np.ones((4, 3)))


def prefix_fvu(model, X, m):
    """FVU of x̂ from the first m latents and decoder columns alone."""
    X_hat = model.transform(X)[:, :m] @ model.W_[:, :m].T + model.b_prime_
    return ((X - X_hat) ** 2).sum() / ((X - X.mean(axis=0)) ** 2).sum()


@pytest.mark.parametrize("cls", [TopKAutoencoder, BatchTopKAutoencoder])
def test_with_prefixes_the_first_latents_reconstruct_on_their_own(cls):
    rng = np.random.default_rng(0)
    sources = (rng.random((200, 12)) < 0.25) * rng.random((200, 12))  # sparse causes
    X = sources @ rng.standard_normal((12, 8)) + 0.05 * rng.standard_normal((200, 8))
    kw = dict(n_hidden=12, k=3, epochs=10, batch_size=20, learning_rate=1e-2, random_state=0,
              verbose=False)
    plain, nested = cls(**kw).fit(X), cls(prefixes=(2, 6), **kw).fit(X)
    assert prefix_fvu(nested, X, 2) < 0.85 * prefix_fvu(plain, X, 2)


# -------------------------------------------------------------------------- BatchTopK
@pytest.mark.parametrize("k", [1, 2, 5])
def test_batch_selection_matches_a_sort_of_the_flattened_batch(rng, k):
    for z in (rng.standard_normal((7, 5)),
              np.round(rng.standard_normal((7, 5)) * 2) / 2):  # many ties, zeros among them
        h, passes = batch_topk_code(z, k)
        kept = flat_sort_reference(z, k)
        np.testing.assert_array_equal(passes, kept & (z > 0))
        np.testing.assert_array_equal(h, np.where(kept & (z > 0), z, 0.0))
    # rows may keep more or fewer than k: the batch, not the row, has k per row on average
    z = np.array([[5.0, 4.0, 3.0], [0.1, 0.2, 0.3]])
    np.testing.assert_array_equal(batch_topk_code(z, 1)[1], [[True, True, False]] + [[False] * 3])
    # ties: the lowest flat (row-major) index wins
    ties = batch_topk_code(np.ones((2, 2)), 1)[1]
    np.testing.assert_array_equal(ties, [[True, True], [False, False]])


def test_batch_topk_gradients_match_finite_differences(rng):
    params, X = topk_params(rng), rng.standard_normal((4, 5))
    dead = np.array([False, True, False, True, True, False])
    loss, grads, mask, smallest = batch_topk_loss_and_grads(params, X, 2, dead, 2, 0.5)
    z0 = encoder_z(params, X)
    kept = flat_sort_reference(z0, 2)  # the batch support held fixed
    E = X - (np.maximum(z0 * kept, 0) @ params["W"].T + params["b_prime"])
    chosen = sort_reference_mask(np.where(dead, z0, -np.inf), 2)

    def total():
        E_hat = np.maximum(encoder_z(params, X) * chosen, 0) @ params["W"].T
        return recon_loss(params, X, kept) + 0.5 * ((E_hat - E) ** 2).sum() / X.shape[0]

    assert float(loss) == pytest.approx(total(), rel=1e-12)
    assert_grads_match(total, params, grads)
    np.testing.assert_array_equal(mask, kept & (z0 > 0))
    assert float(smallest) == z0[kept & (z0 > 0)].min()


def test_threshold_running_mean_on_a_hand_computed_case():
    theta = np.zeros((), dtype=np.float64)
    theta = update_threshold(theta, np.float64(2.0), 1.0)  # the first step: θ = t
    assert float(theta) == 2.0
    theta = update_threshold(theta, np.float64(1.0), 0.25)  # 2 + 0.25 · (1 − 2)
    assert float(theta) == 1.75
    theta = update_threshold(theta, np.float64(np.nan), 0.25)  # nothing kept: unchanged
    assert float(theta) == 1.75
    # the smallest kept activity of a batch: z = [[3, −1], [0.5, 2]], k = 1 keeps 3 and 2
    params = {"W": np.eye(2), "P": np.eye(2), "b": np.zeros(2), "b_prime": np.zeros(2)}
    X = np.array([[3.0, -1.0], [0.5, 2.0]])
    assert float(batch_topk_loss_and_grads(params, X, 1, np.zeros(2, bool), 1, 0.0)[3]) == 2.0


def small_batch_topk(**kw):
    settings = dict(n_hidden=10, k=2, dead_steps=3, epochs=4, batch_size=16, random_state=3,
                    threshold_rate=0.1, verbose=False)
    return BatchTopKAutoencoder(**{**settings, **kw})


def test_fit_learns_the_threshold_and_transform_applies_it(rng):
    X = rng.random((70, 6))
    steps = []
    real = BatchTopKAutoencoder._after_step

    def record(self, params, aux):
        steps.append((float(self.threshold_), float(aux["smallest"])))
        real(self, params, aux)

    model = small_batch_topk()
    model._after_step = record.__get__(model)
    model.fit(X)
    assert np.isnan(steps[0][0])  # θ unset before the first batch, which sets it
    theta = steps[0][1]
    for before, t in steps[1:]:
        assert before == theta
        theta = theta + 0.1 * (t - theta)  # the running mean at threshold_rate
    assert float(model.threshold_) == pytest.approx(theta, rel=1e-12) and theta > 0
    layer = model.encoder_layer()
    z = (X - layer.centre) @ layer.W + layer.b
    np.testing.assert_array_equal(model.transform(X), np.where(z > theta, z, 0.0))
    with pytest.raises(ValueError, match="reads at its threshold_"):
        model.transform(X, k=3)


@pytest.mark.parametrize("make", [
    small_batch_topk,
    lambda: TopKAutoencoder(n_hidden=10, k=2, multi_k=6, dead_steps=3, epochs=4, batch_size=16,
                            random_state=3, verbose=False),
    lambda: small_batch_topk(prefixes=(3, 6)),
])
def test_resume_mid_run_is_bitwise_identical(tmp_path, make):
    X = np.random.default_rng(0).random((70, 6))
    reference = make().fit(X)

    def stop(model, epoch, logs):
        if epoch == 1:
            raise KeyboardInterrupt

    path = tmp_path / "run.ckpt"
    with pytest.raises(KeyboardInterrupt):
        make().fit(X, checkpoint=path, callbacks=[stop])
    resumed = make().fit(X, checkpoint=path, resume=True)
    for name in ("W_", "P_", "b_", "b_prime_", "steps_idle_", "threshold_"):
        if hasattr(reference, name):
            assert np.array_equal(getattr(resumed, name), getattr(reference, name)), name
    assert resumed.history_ == reference.history_


def test_save_load_round_trip_keeps_the_threshold(tmp_path):
    X = np.random.default_rng(0).random((40, 6))
    model = small_batch_topk(epochs=1).fit(X)
    model.save(tmp_path / "m.npz")
    loaded = ksparse.load(tmp_path / "m.npz")
    assert type(loaded) is BatchTopKAutoencoder and loaded.get_params() == model.get_params()
    assert float(loaded.threshold_) == float(model.threshold_) > 0
    np.testing.assert_array_equal(loaded.transform(X), model.transform(X))
    np.testing.assert_array_equal(loaded.reconstruct(X), model.reconstruct(X))


def test_partial_fit_continues_fit_like_a_longer_fit():
    X = np.random.default_rng(1).random((48, 6))
    longer = small_batch_topk(epochs=3, random_state=RecordingGenerator(5)).fit(X)
    orders_longer = longer.random_state.orders
    shorter = small_batch_topk(epochs=2, random_state=RecordingGenerator(5)).fit(X)
    theta_after_fit = float(shorter.threshold_)
    shorter.partial_fit(X[orders_longer[-1]])
    assert float(shorter.threshold_) != theta_after_fit
    for name in ("W_", "P_", "b_", "b_prime_", "steps_idle_", "threshold_"):
        np.testing.assert_array_equal(getattr(shorter, name), getattr(longer, name), err_msg=name)


@pytest.mark.parametrize("model", [
    TopKAutoencoder(n_hidden=12, k=2, k_start=8, epochs=4, batch_size=16, random_state=0),
    TopKAutoencoder(n_hidden=12, k=2, k_start=8, multi_k=4, epochs=4, batch_size=16,
                    random_state=0),
])
def test_validation_under_the_schedule_reads_the_k_being_trained(rng, model):
    # As the k-sparse model measures it: val_loss at the schedule's k of that epoch
    # (logged as "k"), so that it compares with the training loss.
    X, X_val = rng.standard_normal((64, 6)), rng.standard_normal((20, 6))
    seen = []

    def record(m, epoch, logs):
        x_hat = m.reconstruct(X_val, k=logs["k"])
        seen.append((logs["k"], logs["val_loss"], float(((x_hat - X_val) ** 2).sum(axis=1).mean())))

    model.fit(X, X_val=X_val, callbacks=[record])
    assert seen[0][0] > seen[-1][0] == 2  # the first epoch ends with k still above its final 2
    for _, logged, expected in seen:
        assert logged == pytest.approx(expected, rel=1e-12)
