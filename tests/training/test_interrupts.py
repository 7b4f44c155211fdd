"""Ctrl-C anywhere in training leaves a checkpoint that resumes to the uninterrupted run.

A Ctrl-C is a real SIGINT sent to this process (``signal.raise_signal``
runs the handler before it returns) at a chosen moment: inside an update
after its first parameter, in an epoch's end (validation, the checkpoint
write, a callback, between the history and the position), and a second one
while the first one's checkpoint is written. A KeyboardInterrupt raised by
code inside an update stands for what no signal can do any more.
"""
import os
import signal
import threading

import numpy as np
import pytest

import ksparse.training.checkpoint as checkpoint_module
import ksparse.training.loop as loop
from ksparse import KSparseAutoencoder
from ksparse.training.checkpoint import read_progress
from ksparse.training.interrupts import deferred_interrupts, held_interrupts

STEPS_PER_EPOCH = 7  # 100 rows in minibatches of 16
EPOCHS = 4


def make_model(**kwargs):
    settings = dict(n_hidden=20, k=3, k_start=8, epochs=EPOCHS, batch_size=16, lr_end=0.001,
                    random_state=7)
    return KSparseAutoencoder(**{**settings, **kwargs})


@pytest.fixture
def X(rng):
    return rng.standard_normal((100, 8)).astype(np.float32)


@pytest.fixture
def X_val(rng):
    return rng.standard_normal((30, 8)).astype(np.float32)


def ctrl_c(times=1):
    for _ in range(times):
        signal.raise_signal(signal.SIGINT)


def assert_same_run(a, b):
    for name in ("W_", "b_", "b_prime_"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert a.history_ == b.history_


def resumed(path, X, X_val, **kwargs):
    return make_model(**kwargs).fit(X, X_val=X_val, checkpoint=path, resume=True)


# ------------------------------------------------------------ the end of an epoch
def in_validation(model, monkeypatch, epoch):
    measure, calls = model._validation_loss, []

    def validation_with_ctrl_c(*args, **kwargs):
        calls.append(1)
        if len(calls) == epoch + 1:
            ctrl_c()
        return measure(*args, **kwargs)

    model._validation_loss = validation_with_ctrl_c
    return []


def in_checkpoint_write(model, monkeypatch, epoch):
    write, calls = checkpoint_module._atomic_savez, []

    def write_with_ctrl_c(path, arrays):
        calls.append(1)
        if len(calls) == epoch + 1:
            ctrl_c()
        return write(path, arrays)

    monkeypatch.setattr(checkpoint_module, "_atomic_savez", write_with_ctrl_c)
    return []


def in_callback(model, monkeypatch, epoch):
    return [lambda m, e, logs: ctrl_c() if e == epoch else None]


@pytest.mark.parametrize("when", [in_validation, in_checkpoint_write, in_callback])
@pytest.mark.parametrize("epoch", [1, EPOCHS - 1])
def test_ctrl_c_in_an_epochs_end_stops_at_its_boundary_and_resumes(tmp_path, X, X_val,
                                                                    monkeypatch, when, epoch):
    # The last epoch's Ctrl-C used to be dropped (fit returned as if never pressed);
    # an earlier one ran a step of the next epoch before it stopped.
    reference = make_model().fit(X, X_val=X_val)
    path = tmp_path / "run.ckpt"
    model = make_model()
    callbacks = when(model, monkeypatch, epoch)
    boundary = f"epoch {epoch + 1}, step {(epoch + 1) * STEPS_PER_EPOCH}:"
    with pytest.raises(KeyboardInterrupt, match=f"{boundary}.*checkpoint saved to"):
        model.fit(X, X_val=X_val, checkpoint=path, callbacks=callbacks)
    assert len(model.history_) == epoch + 1  # the epoch's work is all there
    assert read_progress(path)["step"] == (epoch + 1) * STEPS_PER_EPOCH
    monkeypatch.undo()
    assert_same_run(resumed(path, X, X_val), reference)


@pytest.mark.parametrize("epoch", [1, EPOCHS - 1])
def test_two_ctrl_c_between_the_history_and_the_position_wait_for_both(tmp_path, X, X_val,
                                                                       monkeypatch, epoch):
    # The second one used to land there: the checkpoint held the epoch in its
    # history but not in its position, and the resumed run recorded it twice.
    reference = make_model().fit(X, X_val=X_val)
    next_epoch, calls = loop._next_epoch, []

    def next_epoch_after_ctrl_c(state, rng):
        calls.append(1)
        if len(calls) == epoch + 1:
            ctrl_c(times=2)
        return next_epoch(state, rng)

    monkeypatch.setattr(loop, "_next_epoch", next_epoch_after_ctrl_c)
    path = tmp_path / "run.ckpt"
    with pytest.raises(KeyboardInterrupt):
        make_model().fit(X, X_val=X_val, checkpoint=path)
    assert read_progress(path)["epoch"] == epoch + 1
    monkeypatch.undo()
    assert_same_run(resumed(path, X, X_val), reference)


class CtrlCOnAppend(list):
    """A history that receives a Ctrl-C just after its next entry is added (once)."""

    sent = False

    def append(self, entry):
        super().append(entry)
        if not self.sent:
            self.sent = True
            ctrl_c()


def test_a_ctrl_c_in_a_partial_fit_passs_bookkeeping_waits_for_its_end(X):
    # It used to land between the history and the pass count: the next pass
    # was recorded under the number of the one before.
    model = make_model(total_steps=30).partial_fit(X[:50])
    model._run.history = CtrlCOnAppend(model._run.history)
    with pytest.raises(KeyboardInterrupt):
        model.partial_fit(X[50:])
    model.partial_fit(X[:50])
    assert [logs["epoch"] for logs in model.history_] == [0, 1, 2]


# ------------------------------------------------------------------- an update
def split_updates(model, at_step, interrupt):
    """Make the optimizer update W, call ``interrupt``, then update the rest, at ``at_step``."""
    make_optimizer, steps = model._make_optimizer, []

    def make(params):
        optimizer = make_optimizer(params)
        step = optimizer.step

        def step_in_two(grads, eta):  # momentum SGD updates each array on its own
            steps.append(1)
            step({"W": grads["W"]}, eta)
            if len(steps) == at_step + 1:
                interrupt()
            step({name: g for name, g in grads.items() if name != "W"}, eta)

        optimizer.step = step_in_two
        return optimizer

    model._make_optimizer = make


@pytest.mark.parametrize("check_every", [1, 4])
def test_a_second_ctrl_c_inside_an_update_waits_for_its_end(tmp_path, X, X_val, check_every):
    # It used to raise between W and the biases, and that half update was saved.
    reference = make_model(check_every=check_every).fit(X, X_val=X_val)
    path = tmp_path / "run.ckpt"
    model = make_model(check_every=check_every)
    split_updates(model, at_step=9, interrupt=lambda: ctrl_c(times=2))
    with pytest.raises(KeyboardInterrupt, match="epoch 1, step 10:"):
        model.fit(X, X_val=X_val, checkpoint=path)
    assert read_progress(path)["step"] == 10  # step 9 whole, in the checkpoint
    assert_same_run(resumed(path, X, X_val, check_every=check_every), reference)


def test_an_update_cut_by_a_raised_interrupt_is_never_saved(tmp_path, X, X_val):
    # No signal can cut an update now, but code can raise inside one: the
    # checkpoint then keeps the last whole state instead of the half update.
    reference = make_model().fit(X, X_val=X_val)
    path = tmp_path / "run.ckpt"
    model = make_model()

    def raise_interrupt():
        raise KeyboardInterrupt

    split_updates(model, at_step=9, interrupt=raise_interrupt)
    with pytest.raises(KeyboardInterrupt, match=f"inside an update.*{path.name} keeps its last"):
        model.fit(X, X_val=X_val, checkpoint=path)
    assert read_progress(path)["step"] == STEPS_PER_EPOCH  # epoch 0's checkpoint stands
    assert_same_run(resumed(path, X, X_val), reference)


def test_a_second_ctrl_c_while_the_checkpoint_is_written_waits_for_it(tmp_path, X, X_val,
                                                                      monkeypatch):
    # It used to abort the write: the file kept the checkpoint of an epoch before.
    reference = make_model().fit(X, X_val=X_val)
    model = make_model()
    step_fn = model._training_step

    def step_with_ctrl_c(params, *batch, step, **options):
        if step == 9:
            ctrl_c()  # the first: stop after this step
        return step_fn(params, *batch, step=step, **options)

    model._training_step = step_with_ctrl_c
    write, calls = checkpoint_module._atomic_savez, []

    def write_with_ctrl_c(path, arrays):
        calls.append(1)
        if len(calls) == 2:  # after epoch 0's, the interrupted run's own
            ctrl_c()
        return write(path, arrays)

    monkeypatch.setattr(checkpoint_module, "_atomic_savez", write_with_ctrl_c)
    path = tmp_path / "run.ckpt"
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, X_val=X_val, checkpoint=path)
    assert len(calls) == 2
    assert read_progress(path)["step"] == 10
    assert sorted(os.listdir(tmp_path)) == ["run.ckpt"]  # no temporary file left
    monkeypatch.undo()
    assert_same_run(resumed(path, X, X_val), reference)


def test_a_ctrl_c_while_a_checkpoint_is_restored_waits_for_the_last_array(tmp_path, X):
    path = tmp_path / "run.ckpt"
    with pytest.raises(KeyboardInterrupt):
        make_model().fit(X, checkpoint=path,
                         callbacks=[lambda m, e, logs: ctrl_c() if e == 1 else None])
    with np.load(path) as archive:
        saved = {name: archive[f"param/{name}"] for name in ("W", "b", "b_prime")}
    model = make_model()
    make_optimizer = model._make_optimizer

    def make(params):
        optimizer = make_optimizer(params)
        set_state = optimizer.set_state

        def set_state_with_ctrl_c(state):
            ctrl_c()
            set_state(state)

        optimizer.set_state = set_state_with_ctrl_c
        return optimizer

    model._make_optimizer = make
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, checkpoint=path, resume=True)
    for name, array in saved.items():  # every parameter restored, none left as drawn
        np.testing.assert_array_equal(getattr(model, f"{name}_"), array)


# ------------------------------------------------------- the context managers
def test_held_interrupts_delivers_a_ctrl_c_after_the_block_and_restores_the_handler():
    before = signal.getsignal(signal.SIGINT)
    done = []
    with pytest.raises(KeyboardInterrupt):
        with held_interrupts():
            ctrl_c(times=2)
            done.append("the whole block")
    assert done == ["the whole block"]
    assert signal.getsignal(signal.SIGINT) is before


@pytest.mark.parametrize("inside", [0, 1, 2])
def test_inside_training_held_ctrl_c_are_delivered_in_order(inside):
    # The first asks training to stop; the second interrupts, after the block.
    with deferred_interrupts() as interrupts:
        raised = False
        try:
            with held_interrupts():
                ctrl_c(times=inside)
                assert not interrupts.requested
        except KeyboardInterrupt:
            raised = True
        assert (interrupts.requested, raised) == (inside >= 1, inside == 2)
        interrupts.requested = False  # answered, as the loop answers it


def test_a_ctrl_c_nobody_answered_is_delivered_when_training_ends():
    with pytest.raises(KeyboardInterrupt):
        with deferred_interrupts():
            ctrl_c()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_off_the_main_thread_nothing_is_installed():
    seen = []

    def work():
        with deferred_interrupts() as interrupts, held_interrupts():
            seen.append((signal.getsignal(signal.SIGINT), interrupts.requested))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == [(signal.default_int_handler, False)]
