"""What the training loop records and does, against independent recomputations (§4.2).

The loop of :mod:`ksparse.training` owns the per-epoch reshuffle, the epoch
loss, the learning-rate and sparsity schedules as logged, the validation loss
at the epoch's k, the non-finite check, the live-unit mask of a checkpointed
half-finished epoch, and (through the fine-tuned network's step) the α·k units
kept per hidden layer. Each test recomputes one of these with plain NumPy from
what the test itself built — top-k by sorting, linear ramps written out by
hand, losses summed row by row — never by calling the code under test again.

Only :func:`watch_steps` touches a private hook (the model's training step);
everything else goes through ``fit``, callbacks, ``checkpoint=``/``resume=``
and ``history_``.
"""
import json
import os
import signal

import numpy as np
import pytest

from ksparse import KSparseAutoencoder, NonFiniteLossError
from ksparse.finetune import SparseMLPClassifier

AE_ARRAYS = ("W_", "b_", "b_prime_")  # public arrays of a tied autoencoder


def watch_steps(model, names=AE_ARRAYS, *, interrupt_at=None, poison=None):
    """Record every training step of ``model``; the one private hook these tests use.

    Parameters
    ----------
    model : estimator
        Its ``_training_step`` is wrapped on the instance.
    names : tuple of str
        Public arrays copied before every step (the parameters the step sees).
    interrupt_at : int, optional
        Step index (from 0) during which a Ctrl-C (SIGINT) arrives.
    poison : (int, int, float), optional
        ``(step index, gradient number, value)``: that step returns its own
        finite loss but the value in the first entry of one of its gradients
        (gradients numbered in sorted name order).

    Returns
    -------
    steps : list of dict
        Filled during ``fit``: per step ``params`` (name -> array copy),
        ``X`` (the minibatch, copied) and ``loss`` (float).
    """
    inner, steps = model._training_step, []

    def step(params, *batch, **kwargs):
        index = len(steps)
        steps.append({"params": {n: np.array(getattr(model, n)) for n in names},
                      "X": np.array(batch[0])})
        if index == interrupt_at:
            os.kill(os.getpid(), signal.SIGINT)  # deferred by the loop to the step's end
        loss, grads, aux = inner(params, *batch, **kwargs)
        steps[-1]["loss"] = float(loss)
        if poison is not None and poison[0] == index:
            grads = dict(grads)
            name = sorted(grads)[poison[1]]
            grads[name] = grads[name].copy()
            grads[name].flat[0] = poison[2]
        return loss, grads, aux

    model._training_step = step
    return steps


def topk_mask(Z, k):
    """supp_k of every row by sorting: the k largest entries (random data has no ties)."""
    top = np.argsort(-Z, axis=1)[:, :k]  # (n_rows, k)
    mask = np.zeros(Z.shape, dtype=bool)  # (n_rows, n_units)
    np.put_along_axis(mask, top, True, axis=1)
    return mask


def ae_row_losses(p, X, k):
    """‖x − x̂‖² of every row of a tied autoencoder with arrays ``p`` (W_, b_, b_prime_)."""
    Z = X @ p["W_"] + p["b_"]  # (n_rows, n_hidden)
    Z_k = np.where(topk_mask(Z, k), Z, 0.0)  # (n_rows, n_hidden)
    X_hat = Z_k @ p["W_"].T + p["b_prime_"]  # (n_rows, n_features)
    return ((X - X_hat) ** 2).sum(axis=1)  # (n_rows,)


def ae(**kwargs):
    settings = dict(n_hidden=6, k=2, epochs=4, batch_size=4, learning_rate=0.05,
                    random_state=0)
    settings.update(kwargs)
    return KSparseAutoencoder(**settings)


# ------------------------------------------------------------------ minibatch order
def test_every_epoch_visits_every_row_once_in_a_new_order(rng):
    X = rng.standard_normal((10, 5))  # distinct rows, so each batch row names its index
    model = ae()
    steps = watch_steps(model)
    model.fit(X)
    row_of = {row.tobytes(): i for i, row in enumerate(X)}
    assert len(steps) == 4 * 3  # ceil(10 / 4) = 3 steps per epoch
    orders = []
    for epoch in range(4):
        batches = [s["X"] for s in steps[3 * epoch : 3 * epoch + 3]]
        assert [b.shape[0] for b in batches] == [4, 4, 2]  # the last minibatch is short
        order = [row_of[row.tobytes()] for b in batches for row in b]
        assert sorted(order) == list(range(10))  # a permutation: every row exactly once
        orders.append(tuple(order))
    assert len(set(orders)) == 4  # reshuffled every epoch (two equal: chance 1/10!)
    assert tuple(range(10)) not in orders  # and shuffled at all


# ------------------------------------------------------------------------ epoch loss
def test_epoch_loss_weights_a_short_last_batch_by_its_size(rng):
    X = rng.standard_normal((10, 5))  # batches of 4, 4 and 2 rows
    model = ae(epochs=2)
    steps = watch_steps(model)
    model.fit(X)
    for epoch, logs in enumerate(model.history_):
        epoch_steps = steps[3 * epoch : 3 * epoch + 3]
        # Each batch's mean loss recomputed from the weights that batch saw.
        batch_means = [ae_row_losses(s["params"], s["X"], 2).mean() for s in epoch_steps]
        sizes = [s["X"].shape[0] for s in epoch_steps]
        expected = sum(m * n for m, n in zip(batch_means, sizes)) / 10
        assert logs["loss"] == pytest.approx(expected, rel=1e-12)
        unweighted = sum(m * 4 for m in batch_means) / 10  # the short batch counted as full
        assert abs(expected - unweighted) > 1e-3 * expected  # the case discriminates


def test_epoch_loss_is_the_mean_row_loss_when_weights_barely_move(rng):
    """Public API only: with η = 1e-30 every batch sees the final weights."""
    X = rng.standard_normal((10, 5))
    model = ae(epochs=1, learning_rate=1e-30).fit(X)
    fitted = {n: getattr(model, n) for n in AE_ARRAYS}
    expected = ae_row_losses(fitted, X, 2).mean()  # size-weighted batch means = row mean
    assert model.history_[0]["loss"] == pytest.approx(expected, rel=1e-12)


# ------------------------------------------------- schedules and validation per epoch
def test_logged_learning_rate_k_and_validation_loss_follow_the_hand_schedule(rng):
    X, X_val = rng.standard_normal((12, 5)), rng.standard_normal((7, 5))
    # 12 rows / 4 per batch = 3 steps per epoch, 4 epochs: steps 0..11, the last of
    # each epoch 2, 5, 8, 11. η ramps 0.05 -> 0.01 over steps 0..11 (11 intervals);
    # k ramps 9 -> 2 over the first 12 // 2 = 6 steps, then holds:
    #   step 2: 9 - 7·2/6 = 6.67 -> 7;  step 5: 9 - 7·5/6 = 3.17 -> 3;  steps 8, 11: 2.
    expected_lr = [0.05 - 0.04 * s / 11 for s in (2, 5, 8, 11)]
    expected_k = [7, 3, 2, 2]
    model = ae(n_hidden=12, k=2, k_start=9, learning_rate=0.05, lr_end=0.01)
    seen = []

    def check(m, epoch, logs):
        now = {n: np.array(getattr(m, n)) for n in AE_ARRAYS}  # weights at the epoch's end
        seen.append((epoch, dict(logs), ae_row_losses(now, X_val, expected_k[epoch]).mean()))

    model.fit(X, X_val=X_val, callbacks=[check])
    assert [e for e, _, _ in seen] == [0, 1, 2, 3]
    for (epoch, logs, val_loss), lr, k in zip(seen, expected_lr, expected_k):
        assert logs["learning_rate"] == pytest.approx(lr, rel=1e-12), epoch
        assert logs["k"] == k, epoch
        assert logs["val_loss"] == pytest.approx(val_loss, rel=1e-12), epoch
    assert model.history_ == [logs for _, logs, _ in seen]


def test_one_step_run_uses_learning_rate_not_lr_end(rng):
    X = rng.standard_normal((6, 4))  # one minibatch, one epoch: a single step
    settings = dict(epochs=1, batch_size=6, momentum=0.0, learning_rate=0.1)
    ramped = ae(lr_end=0.001, **settings).fit(X)
    constant = ae(lr_end=None, **settings).fit(X)
    small = ae(**dict(settings, learning_rate=0.001)).fit(X)
    assert ramped.history_[0]["learning_rate"] == 0.1
    np.testing.assert_array_equal(ramped.W_, constant.W_)  # the step used η = 0.1
    assert not np.allclose(ramped.W_, small.W_)  # and η = 0.001 would have shown


# ------------------------------------------------------------------ non-finite checks
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("which", [0, 1, 2])
def test_non_finite_gradient_with_finite_loss_stops_and_keeps_the_weights(rng, value, which):
    X = rng.standard_normal((10, 5))
    model = ae(epochs=3)
    steps = watch_steps(model, poison=(4, which, value))  # step 4: epoch 1, second batch
    with pytest.raises(NonFiniteLossError, match=r"epoch 1, step 4\b"):
        model.fit(X)
    assert np.isfinite(steps[4]["loss"])  # only the gradient was bad
    assert len(steps) == 5  # no step after the bad one
    for name in AE_ARRAYS:  # the bad update was not applied, the previous one was
        np.testing.assert_array_equal(getattr(model, name), steps[4]["params"][name])
    assert not np.array_equal(steps[4]["params"]["W_"], steps[3]["params"]["W_"])
    assert len(model.history_) == 1  # epoch 0 was recorded before the error


# ----------------------------------------------------------- half-finished epochs
def read_checkpoint(path):
    """The training state and live-unit mask stored in a checkpoint file."""
    with np.load(path, allow_pickle=False) as archive:
        header = json.loads(archive["__header__"].tobytes().decode("utf-8"))
        alive = archive["alive"] if "alive" in archive.files else None
    return header["state"], alive


def live_units(steps, k):
    """bool (n_hidden,): units in the top k of some row of some of these steps."""
    masks = [topk_mask(s["X"] @ s["params"]["W_"] + s["params"]["b_"], k) for s in steps]
    return np.any([m.any(axis=0) for m in masks], axis=0)


def test_checkpoint_mid_epoch_keeps_every_epoch_counter(tmp_path, rng):
    X = rng.standard_normal((12, 5))  # 4 steps of 3 rows per epoch
    settings = dict(n_hidden=30, k=2, epochs=3, batch_size=3, random_state=5)
    reference = ae(**settings)
    ref_steps = watch_steps(reference)
    reference.fit(X)
    expected_dead = [30 - int(live_units(ref_steps[4 * e : 4 * e + 4], 2).sum()) for e in range(3)]
    assert [h["dead_units"] for h in reference.history_] == expected_dead
    # The case discriminates: epoch 1's last step alone leaves more units dead.
    assert 30 - int(live_units(ref_steps[7:8], 2).sum()) != expected_dead[1]

    path = tmp_path / "run.ckpt"
    interrupted = ae(**settings)
    steps = watch_steps(interrupted, interrupt_at=6)  # epoch 1, after 3 of its 4 steps
    with pytest.raises(KeyboardInterrupt, match="epoch 1, step 7"):
        interrupted.fit(X, checkpoint=path)
    state, alive = read_checkpoint(path)
    assert (state["epoch"], state["step"], state["position"]) == (1, 7, 3)
    done = steps[4:7]  # the three steps of epoch 1 that finished
    loss_sum = sum(ae_row_losses(s["params"], s["X"], 2).sum() for s in done)
    assert state["loss_sum"] == pytest.approx(loss_sum, rel=1e-12)
    np.testing.assert_array_equal(alive, live_units(done, 2))

    resumed = ae(**settings).fit(X, checkpoint=path, resume=True)
    assert resumed.history_ == reference.history_  # dead_units and loss of epoch 1 included
    for name in AE_ARRAYS:
        np.testing.assert_array_equal(getattr(resumed, name), getattr(reference, name))


# ------------------------------------------------------------ fine-tuned network: α·k
def test_finetuning_step_trains_exactly_the_top_alpha_k_units(rng):
    X, y = rng.standard_normal((2, 5)), np.array([0, 1])
    W1, b1 = rng.standard_normal((5, 40)), 0.1 * rng.standard_normal(40)
    coef = rng.standard_normal((40, 2))  # non-zero, so every kept unit gets a gradient
    net = SparseMLPClassifier(hidden_layers=(40,), k=3, alpha=2.2, epochs=1, batch_size=2,
                              learning_rate=0.5, momentum=0.0, lr_end=None, warm_start=True,
                              random_state=0)
    net.W1_, net.b1_, net.coef_ = W1.copy(), b1.copy(), coef.copy()
    net.intercept_, net.classes_ = np.zeros(2), np.array([0, 1])
    net.fit(X, y)  # one step from exactly these weights
    n_active = 7  # round(2.2 · 3) = round(6.6) = 7 (truncating would give 6, k itself 3)
    kept = topk_mask(X @ W1 + b1, n_active).any(axis=0)  # (40,), units of either row
    # A unit outside a row's top α·k passes that row no gradient: only kept units move.
    np.testing.assert_array_equal(net.b1_ != b1, kept)
    np.testing.assert_array_equal((net.W1_ != W1).any(axis=0), kept)
    assert net.history_[0]["dead_units"] == 40 - int(kept.sum())


def test_the_progress_bar_shows_k_beside_the_loss_when_it_is_scheduled():
    from ksparse.training.progress import progress_postfix

    assert progress_postfix({"loss": 13.04321, "k": 40}) == {"loss": "13.04", "k": 40}
    assert progress_postfix({"loss": 0.5}) == {"loss": "0.5"}


def test_the_k_sparse_history_carries_the_scheduled_k_the_bar_shows(rng):
    X = rng.random((64, 6)).astype(np.float32)
    model = KSparseAutoencoder(n_hidden=12, k=2, k_start=10, epochs=4, batch_size=16,
                               random_state=0).fit(X)
    ks = [logs["k"] for logs in model.history_]
    assert ks[0] > ks[-1] == 2  # k falls over the first half, then holds


def test_the_step_noise_depends_on_the_run_seed(rng):
    # Each step's generator is seeded by (run seed, step): two seeds, two noise streams.
    from ksparse.training.random_streams import step_generator, step_seed

    seeds = [step_seed(np.random.default_rng(s)) for s in (0, 1)]
    assert seeds[0] != seeds[1]
    draws = [step_generator(s, 0).random(4) for s in seeds]
    assert not np.array_equal(draws[0], draws[1])
    assert step_seed(np.random.default_rng(0)) == seeds[0]  # and the same seed, the same stream


@pytest.mark.parametrize("every, saved_after", [(1, [1, 2, 3]), (2, [None, 2, 3])])
def test_checkpoints_are_written_every_checkpoint_every_epochs(rng, tmp_path, every, saved_after):
    from ksparse.training.checkpoint import read_progress

    path = tmp_path / "run.ckpt"
    X = rng.random((40, 6)).astype(np.float32)
    seen = []

    def record(model, epoch, logs):
        seen.append(read_progress(path)["epoch"] if path.exists() else None)

    KSparseAutoencoder(n_hidden=8, k=2, epochs=3, batch_size=20, random_state=0).fit(
        X, checkpoint=path, checkpoint_every=every, callbacks=[record])
    assert seen == saved_after  # epochs the file held when each epoch's callbacks ran


def test_a_model_that_measures_more_on_held_out_data_records_it(rng):
    from ksparse import TopKAutoencoder

    X = rng.random((60, 6)).astype(np.float32)
    model = TopKAutoencoder(n_hidden=8, k=2, epochs=2, batch_size=20, random_state=0)
    model.fit(X[:40], X_val=X[40:])
    assert {"val_loss", "val_fvu"} <= set(model.history_[-1])
