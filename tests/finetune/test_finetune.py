"""Fine-tuning networks: gradients through the α·k masks, frozen layers, learning, checks."""
import numpy as np
import pytest
from _numerical import numerical_gradient

from ksparse import KSparseAutoencoder
from ksparse.finetune import SparseMLPClassifier, layerwise_finetune
from ksparse.finetune import network as N
from ksparse.nn.supp_k import topk_mask


def make_params(rng, sizes, n_classes):
    params = {}
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{layer}"] = rng.standard_normal((n_in, n_out))
        params[f"b{layer}"] = rng.standard_normal(n_out) * 0.5
    params["W_out"] = rng.standard_normal((sizes[-1], n_classes)) * 0.5
    params["b_out"] = rng.standard_normal(n_classes) * 0.5
    return params


def min_selection_gap(params, X, n_active):
    """Smallest gap, over rows and layers, between the last kept and the first dropped unit."""
    _, inputs, _ = N.forward(params, X, n_active)
    gaps = []
    for layer in range(1, N.n_hidden_layers(params) + 1):
        z = inputs[layer - 1] @ params[f"W{layer}"] + params[f"b{layer}"]
        s = -np.sort(-z, axis=1)
        gaps.append((s[:, n_active - 1] - s[:, n_active]).min())
    return min(gaps)


@pytest.mark.parametrize("sizes", [(5, 8), (5, 8, 6)])
def test_gradients_match_finite_differences_through_the_masks(rng, sizes):
    X, y, n_active = rng.standard_normal((6, sizes[0])), rng.integers(0, 3, 6), 3
    params = make_params(rng, sizes, 3)
    # The selection must not flip under the ±1e-6 perturbation (no near-ties).
    assert min_selection_gap(params, X, n_active) > 1e-3
    loss, grads, masks = N.loss_and_grads(params, X, y, n_active)
    assert all(np.array_equal(m.sum(axis=1), np.full(6, n_active)) for m in masks)
    assert set(grads) == set(params)
    for name in params:
        expected = numerical_gradient(
            lambda: N.loss_and_grads(params, X, y, n_active)[0], params[name]
        )
        np.testing.assert_allclose(grads[name], expected, rtol=1e-6, atol=1e-9)
    # Units outside every row's selection pass no gradient to their bias.
    never = ~masks[-1].any(axis=0)
    assert np.all(grads[f"b{len(masks)}"][never] == 0)


def test_forward_matches_an_explicit_loop(rng):
    params = make_params(rng, (4, 7, 5), 2)
    X = rng.standard_normal((3, 4))
    S = N.forward(params, X, 2)[0]
    for x, s in zip(X, S):
        h = x
        for layer in (1, 2):
            z = params[f"W{layer}"].T @ h + params[f"b{layer}"]
            h = np.where(z >= np.sort(z)[-2], z, 0.0)
        np.testing.assert_allclose(s, params["W_out"].T @ h + params["b_out"])


@pytest.mark.parametrize(
    "n_trainable, expected", [(0, {"W_out", "b_out"}), (1, {"W_out", "b_out", "W2", "b2"})]
)
def test_partial_backward_gives_the_same_gradients_for_fewer_layers(rng, n_trainable, expected):
    params = make_params(rng, (5, 8, 6), 3)
    X, y = rng.standard_normal((6, 5)), rng.integers(0, 3, 6)
    full = N.loss_and_grads(params, X, y, 3)[1]
    part = N.loss_and_grads(params, X, y, 3, n_trainable)[1]
    assert set(part) == expected
    for name in expected:
        np.testing.assert_array_equal(part[name], full[name])


def blobs(rng, n=240, n_features=10, n_classes=3, spread=0.6):
    centers = rng.standard_normal((n_classes, n_features)) * 2
    y = np.arange(n) % n_classes
    return centers[y] + rng.standard_normal((n, n_features)) * spread, y


def small(**kwargs):
    settings = dict(
        hidden_layers=(24,), k=3, alpha=2, epochs=15, batch_size=32, learning_rate=0.1,
        momentum=0.5, lr_end=0.01, random_state=0,
    )
    settings.update(kwargs)
    return SparseMLPClassifier(**settings)


@pytest.mark.parametrize("hidden_layers", [(24,), (24, 16)])
def test_small_network_learns_a_synthetic_problem(rng, hidden_layers):
    X, y = blobs(rng)
    model = small(hidden_layers=hidden_layers)
    assert model.fit(X[:180], y[:180], X_val=X[180:], y_val=y[180:]) is model
    assert model.score(X[180:], y[180:]) > 0.95
    assert model.history_[-1]["val_loss"] < 0.5 * model.history_[0]["val_loss"]
    # η has decayed to 0.01 by the last epoch, so its live units are those of one
    # forward pass at the final weights: the top α·k = 6 of each layer, for some row.
    H, dead = X[:180], 0
    for layer in range(1, len(hidden_layers) + 1):
        Z = H @ getattr(model, f"W{layer}_") + getattr(model, f"b{layer}_")  # (180, n_l)
        kept = Z >= np.sort(Z, axis=1)[:, [-6]]  # no ties in random data
        dead += int((~kept.any(axis=0)).sum())
        H = np.where(kept, Z, 0.0)
    assert model.history_[-1]["dead_units"] == dead
    P = model.predict_proba(X)
    assert P.shape == (240, 3)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)


@pytest.mark.parametrize(
    "trainable, frozen, moving",
    [
        ("softmax", ["W1_", "b1_", "W2_", "b2_"], ["coef_"]),
        ("top", ["W1_", "b1_"], ["W2_", "coef_"]),
        ("all", [], ["W1_", "W2_"]),
    ],
)
def test_frozen_layers_do_not_change(rng, trainable, frozen, moving):
    X, y = blobs(rng, n=90)
    model = small(hidden_layers=(20, 12), epochs=2).fit(X, y)
    before = {name: getattr(model, name).copy() for name in frozen + moving}
    model.set_params(trainable=trainable, warm_start=True).fit(X, y)
    for name in frozen:
        np.testing.assert_array_equal(getattr(model, name), before[name])
    for name in moving:
        assert not np.array_equal(getattr(model, name), before[name])


def test_fit_is_deterministic_with_random_state(rng):
    X, y = blobs(rng, n=60)
    a, b = small(epochs=2).fit(X, y), small(epochs=2).fit(X, y)
    assert np.array_equal(a.W1_, b.W1_) and np.array_equal(a.coef_, b.coef_)


def autoencoders(rng, X, tied=True):
    settings = dict(
        k=4, epochs=10, batch_size=32, learning_rate=0.01, random_state=0
    )
    first = KSparseAutoencoder(n_hidden=24, tied=tied, alpha=1.5, **settings).fit(X)
    second = KSparseAutoencoder(n_hidden=16, **settings).fit(first.transform(X))
    return first, second


@pytest.mark.parametrize("tied", [True, False])
def test_from_autoencoders_copies_the_encoders(rng, tied):
    X, y = blobs(rng, n=60)
    first, second = autoencoders(rng, X, tied)
    model = SparseMLPClassifier.from_autoencoders([first, second], k=4, alpha=1.5)
    assert model.hidden_layers == (24, 16) and model.warm_start
    W_enc = first.W_ if tied else first.P_.T
    np.testing.assert_array_equal(model.W1_, W_enc)
    assert model.W1_ is not first.W_
    np.testing.assert_array_equal(model.b2_, second.b_)
    # The first hidden layer computes exactly the autoencoder's sparse features.
    params = {"W1": model.W1_, "b1": model.b1_, "W_out": np.zeros((24, 3)), "b_out": np.zeros(3)}
    H = N.forward(params, X, 6)[1][1]
    np.testing.assert_allclose(H, first.transform(X))


def test_from_autoencoders_checks_the_chain(rng):
    X, _ = blobs(rng, n=60)
    first, _ = autoencoders(rng, X)
    with pytest.raises(ValueError, match=r"autoencoders\[1\] expects 10 inputs"):
        SparseMLPClassifier.from_autoencoders([first, first])
    with pytest.raises(ValueError, match="autoencoders"):
        SparseMLPClassifier.from_autoencoders([KSparseAutoencoder()])
    with pytest.raises(ValueError, match=r"autoencoders\[0\] is not a fitted"):
        SparseMLPClassifier.from_autoencoders([KSparseAutoencoder(pre_bias=True)])
    with pytest.raises(ValueError, match="hidden_layers"):
        SparseMLPClassifier.from_autoencoders([first], hidden_layers=(3,))


@pytest.mark.parametrize(
    "n_layers, expected", [(1, ["softmax", "top"]), (2, ["softmax", "top", "all"])]
)
def test_layerwise_finetune_runs_each_distinct_stage_from_the_last(rng, n_layers, expected):
    X, y = blobs(rng, n=120)
    aes = autoencoders(rng, X)[:n_layers]
    model = SparseMLPClassifier.from_autoencoders(
        aes, k=3, alpha=2, batch_size=32, learning_rate=0.1, random_state=0
    )
    W1 = model.W1_.copy()
    first_stage_W1 = []
    def record(m, epoch, logs):
        if m.trainable == "softmax":
            first_stage_W1.append(m.W1_.copy())

    callbacks = [record]
    model, histories = layerwise_finetune(model, X, y, epochs=[3, 3, 4], callbacks=callbacks)
    assert [stage for stage, _ in histories] == expected
    assert [len(h) for _, h in histories] == [3, 3, 4][: len(expected)]
    assert len(first_stage_W1) == 3
    assert all(np.array_equal(w, W1) for w in first_stage_W1)
    assert not np.array_equal(model.W1_, W1)
    # Each stage continues where the last one stopped, so the loss keeps falling.
    assert histories[-1][1][-1]["loss"] < histories[0][1][0]["loss"]
    assert model.score(X, y) > 0.9


@pytest.mark.parametrize(
    "n_rows, y, message",
    [
        (10, np.ones(10, dtype=int), "y must contain at least 2 classes"),
        (12, np.arange(9) % 2, "y has 9 labels"),
        (12, np.zeros((12, 3)), "y must be a 1-D"),
        (12, np.full(12, 0.5), "y must hold class labels"),
    ],
)
def test_bad_labels_raise_naming_y(rng, n_rows, y, message):
    X = rng.standard_normal((n_rows, 4))
    with pytest.raises(ValueError, match=message):
        small().fit(X, y)


@pytest.mark.parametrize(
    "params, error, message",
    [
        ({"trainable": "middle"}, ValueError, "trainable"),
        ({"trainable": 3}, ValueError, "trainable"),
        ({"hidden_layers": (24, 4), "k": 3, "alpha": 2}, ValueError, "alpha \\* k"),
        # alpha * k overflows to inf: refused, not an OverflowError in round()
        ({"alpha": 1e308}, ValueError, r"alpha \* k = 1e\+308 \* 3 = inf exceeds"),
        ({"hidden_layers": ()}, ValueError, "hidden_layers"),
        ({"momentum": 1.0}, ValueError, "momentum"),
        ({"center": "yes"}, TypeError, "center must be True or False"),
    ],
)
def test_bad_hyperparameters_raise(rng, params, error, message):
    X, y = blobs(rng, n=30)
    with pytest.raises(error, match=message):
        small(**params).fit(X, y)


def test_string_labels_and_feature_count(rng):
    X, y = blobs(rng, n=90)
    names = np.array(["a", "b", "c"])[y]
    model = small(epochs=5).fit(X, names)
    assert set(model.predict(X)) <= {"a", "b", "c"}
    assert model.score(X, names) > 0.8
    with pytest.raises(ValueError, match="expecting 10 features"):
        model.predict(X[:, :4])


def test_selection_is_topk_mask(rng):
    """The hidden layer keeps the same units as ksparse.nn.supp_k (ties included)."""
    params = make_params(rng, (3, 6), 2)
    X = np.zeros((2, 3))  # every z equals the bias: one selection for both rows
    params["b1"] = np.array([1.0, 2.0, 2.0, 0.0, 2.0, -1.0])
    masks = N.forward(params, X, 2)[2]
    np.testing.assert_array_equal(masks[0], topk_mask(np.tile(params["b1"], (2, 1)), 2))


@pytest.mark.parametrize("option", ["pre_bias", "center"])
@pytest.mark.parametrize("center", [True, False])
def test_network_from_a_centring_autoencoder_computes_its_features(rng, option, center):
    X = rng.standard_normal((80, 6)) + 4.0
    ae = KSparseAutoencoder(n_hidden=10, k=2, alpha=2.0, epochs=3, random_state=0,
                            **{option: True}).fit(X)
    centre = ae.b_prime_ if option == "pre_bias" else ae.mean_
    net = SparseMLPClassifier.from_autoencoders([ae], k=2, alpha=2.0, center=center)
    if center:  # the centre is kept as the network's input centre, the bias as it was
        np.testing.assert_array_equal(net.mean_, centre)
        np.testing.assert_array_equal(net.b1_, ae.b_)
        z = (X - net.mean_) @ net.W1_ + net.b1_
    else:  # folded: z = Wᵀx + (b − Wᵀc) on raw inputs
        assert net.mean_ is None
        z = X @ net.W1_ + net.b1_
    np.testing.assert_allclose(z, (X - centre) @ ae.W_ + ae.b_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(np.where(topk_mask(z, 4), z, 0), ae.transform(X), atol=1e-12)


@pytest.mark.parametrize("options, center", [({"center": True}, True),
                                             ({"pre_bias": True}, True), ({}, False)])
def test_from_autoencoders_centres_when_the_first_autoencoder_does(rng, options, center):
    X = rng.standard_normal((60, 5)) + 2.0
    ae = KSparseAutoencoder(n_hidden=8, k=2, epochs=2, random_state=0, **options).fit(X)
    assert SparseMLPClassifier.from_autoencoders([ae], k=2, alpha=1.0).center is center


def test_centred_and_folded_networks_compute_the_same_function(rng):
    X, y = blobs(rng, n=90)
    ae = KSparseAutoencoder(n_hidden=24, k=3, epochs=4, center=True, random_state=0).fit(X + 5.0)
    nets = [SparseMLPClassifier.from_autoencoders([ae], k=3, alpha=2.0, center=c, epochs=1,
                                                  trainable="softmax",
                                                  random_state=0).fit(X + 5.0, y)
            for c in (True, False)]
    # Training only the softmax sees the same features, so everything agrees.
    np.testing.assert_allclose(nets[0].coef_, nets[1].coef_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(nets[0].decision_function(X + 5.0),
                               nets[1].decision_function(X + 5.0), rtol=1e-9, atol=1e-9)
    # Training the hidden layer differs: the folded network's steps on W1 see x, not x − x̄.
    for net in nets:
        net.set_params(trainable="all").fit(X + 5.0, y)
    assert not np.allclose(nets[0].W1_, nets[1].W1_)


def test_centre_is_the_training_mean_or_kept_when_warm_started(rng):
    X, y = blobs(rng, n=90)
    model = small(center=True, epochs=2).fit(X, y)
    np.testing.assert_allclose(model.mean_, X.mean(axis=0))
    # Predictions use x − mean_: the hidden layer of an explicit forward pass agrees.
    params = {"W1": model.W1_, "b1": model.b1_, "W_out": model.coef_, "b_out": model.intercept_}
    S = N.forward(params, X - model.mean_, model._n_active())[0]
    np.testing.assert_allclose(model.decision_function(X), S, rtol=1e-12)
    kept = model.mean_.copy()
    model.set_params(warm_start=True).fit(X[:40], y[:40])
    np.testing.assert_array_equal(model.mean_, kept)
    model.set_params(warm_start=False).fit(X[:40], y[:40])
    np.testing.assert_allclose(model.mean_, X[:40].mean(axis=0))
    assert small(epochs=1).fit(X, y).mean_ is None


def test_validation_error_is_recorded_every_epoch(rng):
    X, y = blobs(rng, spread=4.0)  # overlapping classes: errors of 20-30 %, not 0
    X_val, y_val = X[180:], y[180:]
    by_hand = []

    def error_now(m, epoch, logs):  # one hidden layer, α·k = 6, written out in NumPy
        Z = X_val @ m.W1_ + m.b1_  # (60, 24)
        H = np.where(Z >= np.sort(Z, axis=1)[:, [-6]], Z, 0.0)
        by_hand.append(np.mean((H @ m.coef_ + m.intercept_).argmax(axis=1) != y_val))

    model = small(epochs=3).fit(X[:180], y[:180], X_val=X_val, y_val=y_val,
                                callbacks=[error_now])
    assert [h["val_error"] for h in model.history_] == pytest.approx(by_hand, abs=1e-15)
    assert min(by_hand) > 0.1  # the check compares real error rates
    assert model.history_[-1]["val_error"] == pytest.approx(1 - model.score(X[180:], y[180:]))


def test_centring_network_round_trip(tmp_path, rng):
    import ksparse

    X, y = blobs(rng, n=60)
    model = small(center=True, epochs=2).fit(X + 3.0, y)
    model.save(tmp_path / "net.npz")
    loaded = ksparse.load(tmp_path / "net.npz")
    np.testing.assert_array_equal(loaded.mean_, model.mean_)
    np.testing.assert_array_equal(loaded.predict_proba(X + 3.0), model.predict_proba(X + 3.0))


def test_saving_a_network_from_autoencoders_before_fit_is_not_fitted(tmp_path, rng):
    import ksparse

    X, _ = blobs(rng, n=60)
    net = SparseMLPClassifier.from_autoencoders(autoencoders(rng, X)[:1], k=4, alpha=1.5)
    path = tmp_path / "net.npz"
    path.write_bytes(b"an earlier model")
    with pytest.raises(ksparse.NotFittedError, match="SparseMLPClassifier instance is not fitted"):
        net.save(path)
    assert path.read_bytes() == b"an earlier model"  # nothing written over it


@pytest.mark.parametrize("start", ["from_autoencoders", "fitted"])
def test_warm_start_refuses_inputs_the_kept_first_layer_cannot_take(rng, start):
    X, y = blobs(rng, n=60)  # 10 features
    if start == "fitted":
        net = small(epochs=1, warm_start=True).fit(X, y)
    else:
        net = SparseMLPClassifier.from_autoencoders(autoencoders(rng, X)[:1], k=4, alpha=1.5)
    W1 = net.W1_.copy()
    with pytest.raises(ValueError, match=r"X has 7 features, but the first hidden layer .* "
                                         r"\(W1_\) takes 10"):
        net.fit(X[:, :7], y)
    np.testing.assert_array_equal(net.W1_, W1)  # the kept layer is not redrawn
    net.set_params(warm_start=False, epochs=1).fit(X[:, :7], y)
    assert net.W1_.shape == (7, net.W1_.shape[1])  # starting afresh is allowed


def untrained_deep_net(rng):
    X, y = blobs(rng, n=60)
    net = SparseMLPClassifier.from_autoencoders(autoencoders(rng, X), k=3, alpha=2,
                                                batch_size=32, random_state=0)
    return net, X, y


@pytest.mark.parametrize(
    "options, error, message",
    [
        ({"stages": ["softmax", "bogus"]}, ValueError, r"stages\[1\] must be one of"),
        ({"stages": ["softmax", "top", 3]}, ValueError, r"stages\[2\] must be in \[0, 2\]"),
        ({"stages": []}, ValueError, "stages must name at least one stage"),
        # One string (or one int) is not a sequence of stages: 'all' reads as 'a', 'l', 'l'.
        ({"stages": "all"}, TypeError, r"stages must be a sequence .*got 'all'.*\['all'\]"),
        ({"stages": 2}, TypeError, "stages must be a sequence"),
        # epochs follow the estimators' own constraint on epochs, named per stage
        ({"epochs": 50.0}, TypeError, "epochs must be an integer, got 50.0"),
        ({"epochs": "3"}, TypeError, "epochs must be an integer, got '3'"),
        ({"epochs": 0}, ValueError, r"epochs must be in \[1, inf\], got 0"),
        ({"epochs": np.array(2.0)}, TypeError, "epochs must be an integer"),
        ({"epochs": [2, 2.5, 3]}, TypeError, r"epochs\[1\] must be an integer, got 2.5"),
        ({"epochs": [2, 2, 0]}, ValueError, r"epochs\[2\] must be in \[1, inf\]"),
        ({"epochs": [2, 2]}, ValueError, r"one value per stage \(3\)"),
    ],
)
def test_layerwise_finetune_refuses_bad_arguments_before_any_stage_trains(
        rng, options, error, message):
    net, X, y = untrained_deep_net(rng)
    params, W1, epochs_run = net.get_params(), net.W1_.copy(), []
    with pytest.raises(error, match=message):
        layerwise_finetune(net, X, y, callbacks=[lambda *args: epochs_run.append(1)], **options)
    assert epochs_run == [] and net.coef_ is None  # no stage trained
    assert net.get_params() == params  # nor was the model touched
    np.testing.assert_array_equal(net.W1_, W1)


def test_layerwise_finetune_runs_a_single_stage_given_as_a_list_of_one(rng):
    net, X, y = untrained_deep_net(rng)
    W1 = net.W1_.copy()
    net, histories = layerwise_finetune(net, X, y, stages=["top"], epochs=2)
    assert [(stage, len(history)) for stage, history in histories] == [("top", 2)]
    np.testing.assert_array_equal(net.W1_, W1)  # 'top' leaves the first layer alone


@pytest.mark.parametrize("epochs, expected", [([2, None, None], [2, 4, 4]),
                                              ([None, 1, None], [4, 1, 4]),
                                              ([None, 2, 3], [4, 2, 3])])
def test_layerwise_finetune_gives_a_none_stage_the_models_epochs_and_restores_them(
        rng, epochs, expected):
    # A stage given None trains model.epochs (4 here), not the count of the stage before it.
    net, X, y = untrained_deep_net(rng)
    net.set_params(epochs=4)
    net, histories = layerwise_finetune(net, X, y, epochs=epochs)
    assert [len(history) for _, history in histories] == expected
    assert net.epochs == 4  # the caller's setting is left as it was


def test_layerwise_finetune_restores_epochs_when_a_stage_raises(rng):
    net, X, y = untrained_deep_net(rng)
    net.set_params(epochs=4)

    def stop_in_the_second_stage(model, epoch, logs):
        if model.trainable == "top":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        layerwise_finetune(net, X, y, epochs=[2, 1, 3], callbacks=[stop_in_the_second_stage])
    assert net.trainable == "top" and net.epochs == 4
