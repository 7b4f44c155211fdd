"""The non-finite check read every N steps (``check_every``, :mod:`ksparse.training.finite_check`).

The reference is the per-step check (``check_every=1``): it reads every
step's loss and gradient sum before the update. With ``check_every=N`` the
updates run ahead and are rolled back when a window held a bad step; each
test runs both and asks for the same error, the same arrays bit for bit and
the same history — and, for the point of the option, fewer host reads.
"""
import os
import signal

import numpy as np
import pytest

import ksparse.training.finite_check as finite_check
import ksparse.training.loop as training
from ksparse import RBM, KSparseAutoencoder, NonFiniteLossError, TopKAutoencoder

SMALL = dict(n_hidden=6, epochs=3, batch_size=4, random_state=0)
MODELS = {
    "k-sparse, momentum": lambda **kw: KSparseAutoencoder(k=2, learning_rate=0.05, **SMALL, **kw),
    "k-sparse, Adam, centred": lambda **kw: KSparseAutoencoder(
        k=2, optimizer="adam", learning_rate=0.01, center=True, **SMALL, **kw),
    # A replayed window must run its steps with the schedules' length (k and η fall).
    "k-sparse, k and η scheduled": lambda **kw: KSparseAutoencoder(
        k=2, k_start=5, learning_rate=0.05, lr_end=0.005, **SMALL, **kw),
    "TopK (projection and idle counters)": lambda **kw: TopKAutoencoder(
        k=2, dead_steps=2, learning_rate=0.01, **SMALL, **kw),
    # Weights large enough for the chain's start to change its samples.
    "RBM (persistent chain)": lambda **kw: RBM(persistent=True, learning_rate=0.05,
                                              init_std=2.0, **SMALL, **kw),
}


def fitted(model):
    """Every fitted array of ``model`` (parameters, chains, counters), copied."""
    return {name: np.array(value) for name, value in vars(model).items()
            if name.endswith("_") and isinstance(value, np.ndarray)}


def assert_same_arrays(got, expected):
    """Every array of ``expected`` (from :func:`fitted`) equal in ``got``, bit for bit."""
    for key in expected:
        np.testing.assert_array_equal(got[key], expected[key], err_msg=key)


def poison_step(model, at, what="gradient", value=np.nan):
    """Make step ``at`` (the run's step number) return a bad gradient entry or a bad loss."""
    inner = model._training_step

    def step(params, *batch, **kwargs):
        loss, grads, aux = inner(params, *batch, **kwargs)
        if kwargs["step"] == at and what == "loss":
            loss = loss * value
        elif kwargs["step"] == at:
            grads = dict(grads)
            name = sorted(grads)[0]
            grads[name] = grads[name].copy()
            grads[name].flat[-1] = value
        return loss, grads, aux

    model._training_step = step


def fit_until_error(make, X, every, **poison):
    model = make(check_every=every)
    poison_step(model, **poison)
    with pytest.raises(NonFiniteLossError) as info:
        model.fit(X)
    return model, str(info.value)


@pytest.fixture
def X(rng):
    return rng.uniform(0.0, 1.0, (10, 5))  # 3 minibatches per epoch, the last one short


@pytest.mark.parametrize("every", [2, 3, 7, 1000])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_a_bad_gradient_stops_at_the_same_step_with_the_same_arrays(X, name, every):
    poison = dict(at=7, what="gradient")  # epoch 2, its second minibatch
    reference, message = fit_until_error(MODELS[name], X, 1, **poison)
    model, deferred_message = fit_until_error(MODELS[name], X, every, **poison)
    assert "epoch 2, step 7 " in message
    assert deferred_message == message
    expected, got = fitted(reference), fitted(model)
    assert set(got) == set(expected)
    assert_same_arrays(got, expected)
    assert model.history_ == reference.history_  # the two finished epochs, losses included
    assert len(model.history_) == 2


@pytest.mark.parametrize("every", [2, 1000])
def test_a_window_read_at_the_epochs_end_replays_on_the_schedules(X, every):
    # Step 8 is the last of the run: no later step fails first, so the epoch's
    # closing read finds it, and the replay runs steps 6 and 7 again (every=1000)
    # with k and η of their own steps.
    make = MODELS["k-sparse, k and η scheduled"]
    reference, message = fit_until_error(make, X, 1, at=8)
    model, deferred_message = fit_until_error(make, X, every, at=8)
    assert deferred_message == message and "epoch 2, step 8 " in message
    assert_same_arrays(fitted(model), fitted(reference))


@pytest.mark.parametrize("at", [1, 2, 4])
@pytest.mark.parametrize("every", [2, 1000])
def test_partial_fit_replays_a_window_on_the_schedules(X, every, at):
    # Two passes of 3 steps each (total_steps 6), k and η falling: a bad step
    # inside a window (1, 4), or the pass's last (2), read at the window's end,
    # at the pass's end or when a later step fails, ends as the per-step check does.
    make = MODELS["k-sparse, k and η scheduled"]
    runs = []
    for check_every in (1, every):
        model = make(check_every=check_every, total_steps=6)
        poison_step(model, at=at)
        with pytest.raises(NonFiniteLossError) as info:
            model.partial_fit(X)
            model.partial_fit(X)
        runs.append((str(info.value), fitted(model)))
    (message, expected), (deferred_message, got) = runs
    assert deferred_message == message and f"step {at} " in message
    assert_same_arrays(got, expected)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_a_bad_loss_is_rolled_back_in_the_middle_of_a_window(X, value):
    make = MODELS["k-sparse, Adam, centred"]
    poison = dict(at=4, what="loss", value=value)  # epoch 1; window of 3 from step 3
    reference, message = fit_until_error(make, X, 1, **poison)
    model, deferred_message = fit_until_error(make, X, 3, **poison)
    assert deferred_message == message and "step 4 " in message
    np.testing.assert_array_equal(model.W_, reference.W_)
    # The window's first step (3) was kept: the arrays are not those of the window's start.
    early, _ = fit_until_error(make, X, 1, at=3, what="loss", value=value)
    assert not np.array_equal(model.W_, early.W_)


@pytest.mark.parametrize("every", [2, 5, 1000])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_without_a_bad_step_the_run_is_the_same_bit_for_bit(X, name, every):
    reference = MODELS[name](check_every=1).fit(X, X_val=X[:3])
    model = MODELS[name](check_every=every).fit(X, X_val=X[:3])
    expected, got = fitted(reference), fitted(model)
    assert_same_arrays(got, expected)
    assert model.history_ == reference.history_


def count_calls(monkeypatch, module, name):
    calls = []
    inner = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(1)
        return inner(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


@pytest.mark.parametrize("every, reads", [(1, 0), (2, 6), (4, 3), (1000, 3)])
def test_the_host_reads_once_per_window_and_once_per_epoch_end(X, monkeypatch, every, reads):
    per_step = count_calls(monkeypatch, training, "_check_finite")
    windows = count_calls(monkeypatch, finite_check, "to_numpy")
    MODELS["k-sparse, momentum"](check_every=every).fit(X)  # 3 epochs of 3 steps
    assert len(per_step) == (9 if every == 1 else 0)
    assert len(windows) == reads


@pytest.mark.parametrize("every, reads", [(1, 0), (2, 2), (4, 1)])
def test_a_partial_fit_pass_reads_once_per_window_and_once_at_its_end(X, monkeypatch, every,
                                                                      reads):
    per_step = count_calls(monkeypatch, training, "_check_finite")
    windows = count_calls(monkeypatch, finite_check, "to_numpy")
    MODELS["k-sparse, momentum"](check_every=every).partial_fit(X)  # one pass of 3 steps
    assert len(per_step) == (3 if every == 1 else 0)
    assert len(windows) == reads


def test_partial_fit_checks_every_pass_to_the_end(X):
    make = MODELS["k-sparse, momentum"]
    reference, model = make(check_every=1), make(check_every=4)
    for _ in range(2):
        reference.partial_fit(X)
        model.partial_fit(X)
    np.testing.assert_array_equal(model.W_, reference.W_)
    assert model.history_ == reference.history_
    assert model._run.check.pending == []  # nothing left unread between calls


def test_ctrl_c_in_partial_fit_leaves_no_step_unread(X):
    model = MODELS["k-sparse, momentum"](check_every=4)
    inner = model._training_step

    def step(params, *batch, **kwargs):
        if kwargs["step"] == 1:
            os.kill(os.getpid(), signal.SIGINT)
        return inner(params, *batch, **kwargs)

    model._training_step = step
    with pytest.raises(KeyboardInterrupt) as info:
        model.partial_fit(X)
    assert str(info.value) == ("training interrupted at step 2: the model keeps the parameters "
                               "of its last completed step; a checkpoint keeps the state from "
                               "before this pass")
    assert model._run.check.pending == []
    assert model._run.state.step == 2


def test_ctrl_c_in_a_window_saves_a_checked_state_that_resumes_exactly(X, tmp_path):
    make = MODELS["k-sparse, Adam, centred"]
    path = str(tmp_path / "run.ckpt")
    model = make(check_every=4)
    inner = model._training_step

    def step(params, *batch, **kwargs):
        if kwargs["step"] == 5:  # inside the second window (steps 4-7)
            os.kill(os.getpid(), signal.SIGINT)
        return inner(params, *batch, **kwargs)

    model._training_step = step
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, checkpoint=path)
    resumed = make(check_every=4).fit(X, checkpoint=path, resume=True)
    reference = make(check_every=1).fit(X)
    np.testing.assert_array_equal(resumed.W_, reference.W_)
    assert resumed.history_ == reference.history_  # the interrupted epoch's loss included


@pytest.mark.parametrize("value, match", [(0, "check_every"), (-3, "check_every"),
                                          (2.5, "check_every")])
def test_check_every_is_validated_before_training(X, value, match):
    model = MODELS["k-sparse, momentum"](check_every=value)
    with pytest.raises((TypeError, ValueError), match=match):
        model.fit(X)
    assert not hasattr(model, "W_")


def test_check_every_defaults_to_every_step_on_numpy():
    params = {"W": np.zeros((2, 2))}
    assert finite_check.check_every_for(KSparseAutoencoder(), params) == 1
    assert finite_check.check_every_for(KSparseAutoencoder(check_every=9), params) == 9
