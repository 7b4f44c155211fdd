"""The minibatch training loop shared by every ksparse model (paper §4.2).

:func:`train` is the whole of ``fit``'s training, written out top to bottom::

    for each epoch:
        reshuffle the rows (the order drawn from the epoch's saved generator)
        for each minibatch:                              _minibatch_update
            loss, grads = forward and backward           model._training_step
            check loss and grads for NaN and inf         _check_finite / run.check
            η from the learning-rate schedule            learning_rate_at
            optimizer update (Eq. 11, or Adam)           run.optimizer.step
            after-step hook                              model._after_step
        end of epoch: logs, history, checkpoint, callbacks

Ctrl-C stops at the next step (or epoch) boundary and saves a checkpoint; a
second one interrupts at once, but an update, the epoch's bookkeeping and a
checkpoint write finish first (:mod:`ksparse.training.interrupts`), so a
checkpoint holds only states the run passed through. The non-finite check
reads every step before its update, or every ``check_every`` steps with a
rollback and replay when one of them was not finite
(:mod:`ksparse.training.finite_check`). The same minibatch update
also runs as *passes* of a :class:`Run` that lives on between calls
(:func:`start_run`, :func:`begin_pass`, :func:`pass_steps`,
:func:`end_pass`): that is ``partial_fit`` (:mod:`ksparse.inputs.incremental`).
The data may be arrays or minibatch sources (:mod:`ksparse.inputs.streaming`)
that read rows only when a minibatch asks for them.

A model plugs in by providing

``model._training_step(params, *batch, step, total_steps, rng)``
    one forward/backward pass on a minibatch; returns ``(loss, grads, aux)``
    where ``aux`` may hold ``"active"``, a boolean (n_hidden,) vector of the
    hidden units used in this minibatch, and ``"k"``, the sparsity level.
    The model applies its own schedules from ``step`` and ``total_steps``
    (e.g. the sparsity level k of §4.2.1). ``rng`` is a NumPy Generator
    derived from (run seed, step) alone, for any noise the step needs
    (dropout, input corruption, sampling): the same step of a run always
    draws the same numbers, so a resumed run stays bitwise identical to one
    that was never interrupted;
``model._validation_loss(params, *validation, step, total_steps)``
    the loss on held-out data at the current step; a model may instead
    provide ``_validation_metrics`` (same arguments) returning a dict that
    holds ``"val_loss"`` and other held-out measures (e.g. ``"val_error"``);
``model._epoch_logs(step, total_steps)``
    a dict of model-specific values to record (e.g. the sparsity level);
``model._make_optimizer(params)``
    the optimizer (:class:`ksparse.base.Estimator` makes momentum SGD, Eq. 11, or Adam);
``model._after_step(params, aux)``
    called after each update with the step's ``aux`` (e.g. to
    project parameters back onto a constraint set, or to update counters).
    With the per-step check it never runs after a step refused as
    non-finite; with ``check_every`` > 1 it runs before the step is read,
    and a refused step takes the run back to the parameters, optimizer
    state and extra state of the window's start, so the hook keeps its
    effects in those;
``model._extra_state()`` and ``model._set_extra_state(arrays)``
    optional: arrays of training state that checkpoints (and the rollback)
    must carry;

and the hyper-parameters ``epochs``, ``batch_size``, ``learning_rate``,
``lr_end``, ``verbose``,
and optionally ``check_every`` and ``total_steps`` (the schedules' length).
The loop owns everything else: the reshuffle, the learning-rate schedule,
the non-finite check, dead-unit counts, the history, checkpoints, Ctrl-C and
the callbacks.
"""
__all__ = ["NonFiniteLossError", "Run", "begin_pass", "end_pass",
           "pass_steps", "planned_steps", "start_run", "step_generator", "step_seed", "train"]

import contextlib
import dataclasses
import math
import os

import numpy as np

from ..backend import get_array_module, to_device, to_numpy
from ..nn.schedules import learning_rate_at
from .checkpoint import TrainState, load_checkpoint, save_checkpoint
from .finite_check import FiniteCheck, check_every_for
from .interrupts import deferred_interrupts, held_interrupts, interruption
from .progress import progress_bar, progress_postfix
from .random_streams import generator_state, step_generator, step_seed
from .threads import limited_blas_threads


class NonFiniteLossError(FloatingPointError):
    """Training produced a NaN or infinite loss or gradient."""


def _step_values(loss, grads):
    """``[loss, sum of every gradient entry]`` on the step's device: finite only if all are."""
    xp = get_array_module(loss)
    grad_total = sum(g.sum() for g in grads.values())
    return xp.stack([loss, grad_total])  # (2,)


def _check_finite(values, epoch, step):
    """The loss as a Python float; raises before the update when it or any gradient is not finite.

    ``values`` is :func:`_step_values` of the step: both scalars reach the
    host in one transfer.
    """
    loss_value, grad_value = (float(v) for v in to_numpy(values))
    if not (math.isfinite(loss_value) and math.isfinite(grad_value)):
        raise NonFiniteLossError(
            f"Non-finite loss or gradient at epoch {epoch}, step {step} "
            f"(loss={loss_value!r}). The model keeps the parameters of the last "
            "finite step. Scale the inputs (e.g. pixels to [0, 1]) or lower "
            "learning_rate."
        )
    return loss_value


@contextlib.contextmanager
def _pending_checks_first(model, run, total_steps):
    """On an error in a step, read the deferred checks before it propagates.

    The NaN of an unchecked step can make a later one fail (top-k of NaN);
    reading the window first (and replaying it) raises the
    :class:`NonFiniteLossError` of that step instead.
    """
    try:
        yield
    except Exception:
        _settle(model, run, total_steps)
        raise


def _minibatch_update(model, run, arrays, idx, total_steps, deferred=False):
    """One update on the minibatch ``idx`` of ``arrays``; advances ``run.state``.

    Forward and backward (``model._training_step``), the non-finite check,
    η from its schedule, the optimizer's update, the model's after-step hook.
    The step's loss and gradients are checked before the update, or, when
    ``deferred``, left on the device for ``run.check`` to read with others.
    """
    state = run.state
    batch = tuple(a[idx] for a in arrays)
    n_rows = batch[0].shape[0]
    # Overflow is not an error here: the check reports it, naming the step.
    with (_pending_checks_first(model, run, total_steps),
          np.errstate(over="ignore", invalid="ignore")):
        rng = step_generator(state.step_seed, state.step)
        loss, grads, aux = model._training_step(
            run.params, *batch, step=state.step, total_steps=total_steps, rng=rng
        )
        values = _step_values(loss, grads)  # (2,)
        # From the check to the counters, all or nothing: a Ctrl-C waits for the end.
        with held_interrupts():
            if deferred:
                run.check.record(run, model, values, n_rows, (arrays, idx))
            else:
                state.loss_sum += _check_finite(values, state.epoch, state.step) * n_rows
            eta = learning_rate_at(state.step, total_steps, model.learning_rate, model.lr_end)
            run.optimizer.step(grads, eta)
            model._after_step(run.params, aux)  # the estimator's default does nothing
            if "active" in aux:
                state.alive = aux["active"] if state.alive is None else state.alive | aux["active"]
            state.step += 1
            state.position += 1


def _settle(model, run, total_steps):
    """Read the deferred checks; replay the window step by step if one was not finite.

    The replay raises :class:`NonFiniteLossError` at the first non-finite
    step, before its update (see :mod:`ksparse.training.finite_check`).
    """
    with held_interrupts():  # the losses counted, or the window rolled back, whole
        replay = run.check.settle(run, model)
    for arrays, idx in replay:
        _minibatch_update(model, run, arrays, idx, total_steps)


def _save(checkpoint, model, run, total_steps, n_samples):
    """Check every pending step, then write the training state to ``checkpoint`` (if given)."""
    _settle(model, run, total_steps)  # a checkpoint never holds an unchecked step
    if checkpoint is not None:
        save_checkpoint(checkpoint, model, run.params, run.optimizer, run.state, run.history,
                        n_samples)


def _epoch_logs(model, params, state, n_samples, validation, total_steps):
    """The epoch's record: mean loss, η, dead units, the model's values, held-out measures."""
    last = state.step - 1  # schedules are reported as of the epoch's last step
    logs = {"epoch": state.epoch, "loss": state.loss_sum / n_samples}
    logs["learning_rate"] = learning_rate_at(last, total_steps, model.learning_rate, model.lr_end)
    if state.alive is not None:
        logs["dead_units"] = int(state.alive.size - int(state.alive.sum()))
    logs.update(model._epoch_logs(last, total_steps))
    if validation is not None:
        # Overflow on held-out data is not an error: a non-finite val_loss is recorded.
        with np.errstate(over="ignore", invalid="ignore"):
            logs.update(_validation_logs(model, params, validation, last, total_steps))
    return logs


def _validation_logs(model, params, validation, step, total_steps):
    """``val_loss`` and whatever else the model measures on held-out data, as floats."""
    metrics = getattr(model, "_validation_metrics", None)
    if metrics is None:
        loss = model._validation_loss(params, *validation, step=step, total_steps=total_steps)
        return {"val_loss": float(loss)}
    values = metrics(params, *validation, step=step, total_steps=total_steps)
    return {name: float(value) for name, value in values.items()}


def _next_epoch(state, rng):
    """Move ``state`` to the start of the next epoch, whose order ``rng`` will draw."""
    state.epoch += 1
    state.position, state.loss_sum, state.alive = 0, 0.0, None
    state.epoch_rng_state = generator_state(rng)


def _index_module(array):
    """Where minibatch indices live: the data's own module (a source may say otherwise)."""
    module = getattr(array, "index_module", None)
    return module if module is not None else get_array_module(array)


def planned_steps(model, n_samples):
    """Length of the schedules: ``total_steps`` when set, else epochs × ceil(n / batch)."""
    total = getattr(model, "total_steps", None)
    if total is not None:
        return int(total)  # a NumPy integer would make the schedules NumPy floats
    return int(model.epochs) * math.ceil(n_samples / model.batch_size)


@dataclasses.dataclass
class Run:
    """A training run between two calls: parameters, optimizer, position and history.

    ``fit`` makes one and runs its epochs; ``partial_fit`` keeps it on the
    model and continues it call after call, so that the optimizer state, the
    step counter behind the schedules and the history carry over.
    """

    params: dict
    optimizer: object
    state: TrainState
    history: list
    total_steps: object = None  # the schedules' length, once a fit has fixed it
    check: FiniteCheck = None  # reads the steps' losses and gradients for NaN and inf


def start_run(model, params, rng):
    """A new run over ``params``: a fresh optimizer at step 0, noise seeded from ``rng``."""
    state = TrainState(epoch_rng_state=generator_state(rng), step_seed=step_seed(rng))
    check = FiniteCheck(check_every_for(model, params))
    return Run(params, model._make_optimizer(params), state, [], check=check)


def train(model, params, arrays, *, validation=None, callbacks=None, rng=None,
          checkpoint=None, checkpoint_every=1, resume=False, run=None):
    """Train ``params`` in place with the model's optimizer over minibatches of ``arrays``.

    Parameters
    ----------
    model : object
        Provides the hooks and hyper-parameters listed in the module docstring.
    params : dict of arrays
        Parameters on the training backend, updated in place.
    arrays : tuple of arrays
        Training data sharing their first axis, e.g. ``(X,)`` or ``(X, y)``;
        each may be a :class:`ksparse.inputs.streaming.Batches` source, indexed
        like an array. A model whose step returns gradients for only some
        parameters trains only those (the others stay frozen).
    validation : tuple of arrays, optional
        Held-out data in the same layout, e.g. ``(X_val,)``.
    callbacks : list of callables, optional
        Each called after every epoch as ``callback(model, epoch, logs)``.
    rng : numpy.random.Generator
        Draws the minibatch order of every epoch (on the host).
    checkpoint : str or os.PathLike, optional
        File that receives the full training state every ``checkpoint_every``
        epochs, at the end, and when training is interrupted (Ctrl-C) —
        unless code raised KeyboardInterrupt inside an update, whose half
        state is never saved: the last checkpoint then stands.
    checkpoint_every : int
        Epochs between checkpoints.
    resume : bool
        Continue from ``checkpoint`` when that file exists; the result is
        bitwise identical (on the CPU) to a run that was never interrupted.
    run : Run, optional
        The run to use (from :func:`start_run` with the same ``rng``); a new
        one by default.

    Returns
    -------
    history : list of dict
        One dict per epoch: ``epoch``, ``loss``, ``learning_rate`` and, when
        known, ``k``, ``dead_units`` and ``val_loss``. The list is also set as
        ``model.history_`` before the first epoch, so it survives an error.
    """
    n_samples = arrays[0].shape[0]
    run = start_run(model, params, rng) if run is None else run
    run.total_steps = total_steps = planned_steps(model, n_samples)
    if resume and checkpoint is not None and os.path.exists(checkpoint):
        run.state, run.history = load_checkpoint(checkpoint, model, params, run.optimizer,
                                                 n_samples)
    model.history_ = run.history
    state, xp = run.state, _index_module(arrays[0])
    bar = progress_bar(model, state.epoch)
    with deferred_interrupts() as interrupts, limited_blas_threads(model.batch_size, params):
        try:
            while state.epoch < model.epochs:
                # This epoch's reshuffle, from the generator as it was at the epoch's start.
                rng.bit_generator.state = state.epoch_rng_state
                order = to_device(rng.permutation(n_samples), xp)  # (n_samples,)
                first = state.position * model.batch_size  # > 0 when resumed mid-epoch
                for begin in range(first, n_samples, model.batch_size):
                    idx = order[begin : begin + model.batch_size]  # (batch,)
                    _minibatch_update(model, run, arrays, idx, total_steps, run.check.deferred)
                    if run.check.due or interrupts.requested:  # read the deferred checks
                        _settle(model, run, total_steps)
                    if interrupts.requested:  # Ctrl-C: stop at this step boundary
                        raise KeyboardInterrupt
                _settle(model, run, total_steps)  # every step of the epoch checked
                logs = _epoch_logs(model, run.params, state, n_samples, validation, total_steps)
                with held_interrupts():  # the history and the position move on together
                    run.history.append(logs)
                    _next_epoch(state, rng)
                if state.epoch % checkpoint_every == 0 or state.epoch == model.epochs:
                    _save(checkpoint, model, run, total_steps, n_samples)
                bar.update(1)
                bar.set_postfix(progress_postfix(logs), refresh=False)
                for callback in callbacks or ():
                    callback(model, logs["epoch"], logs)
                if interrupts.requested:  # Ctrl-C in the epoch's end: stop at its boundary
                    raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise _interrupted(model, run, interrupts, checkpoint, n_samples) from None
    bar.close()
    return run.history


def _interrupted(model, run, interrupts, checkpoint, n_samples):
    """Save the run after Ctrl-C, unless code cut an update short; the error to raise."""
    where = f"at epoch {run.state.epoch}, step {run.state.step}"
    if interrupts.torn:  # raised inside an update: its half state is never saved
        kept = f"; {os.fspath(checkpoint)} keeps its last checkpoint" if checkpoint else ""
        return KeyboardInterrupt(f"training interrupted {where} inside an update: the model's "
                                 f"parameters may be partly updated, and were not saved{kept}")
    _save(checkpoint, model, run, run.total_steps, n_samples)
    return interruption(where, f"; checkpoint saved to {os.fspath(checkpoint)}" if checkpoint
                        else "")


# ------------------------------------------------------------- passes (partial_fit)
def begin_pass(run):
    """Start a pass of a continued run: its loss and live units are counted afresh."""
    run.state.position, run.state.loss_sum, run.state.alive = 0, 0.0, None


def pass_steps(model, run, arrays, total_steps, order=None):
    """Minibatch updates over ``arrays`` in ``order`` (default: their own row order).

    Ctrl-C stops at the next step boundary: the model keeps the parameters
    of its last completed step, and no checkpoint is written.
    """
    n_samples = arrays[0].shape[0]
    order = np.arange(n_samples) if order is None else order  # (n_samples,)
    order = to_device(order, _index_module(arrays[0]))
    with deferred_interrupts() as interrupts, limited_blas_threads(model.batch_size, run.params):
        try:
            for begin in range(0, n_samples, model.batch_size):
                idx = order[begin : begin + model.batch_size]  # (batch,)
                _minibatch_update(model, run, arrays, idx, total_steps, run.check.deferred)
                if run.check.due or interrupts.requested:  # read the deferred checks
                    _settle(model, run, total_steps)
                if interrupts.requested:  # Ctrl-C: stop at this step boundary
                    raise KeyboardInterrupt
            _settle(model, run, total_steps)  # every step of the pass checked
            if interrupts.requested:  # Ctrl-C while the last steps were read
                raise KeyboardInterrupt
        except KeyboardInterrupt:
            note = "; a checkpoint keeps the state from before this pass"
            raise interruption(f"at step {run.state.step}", note) from None


def end_pass(model, run, n_samples, total_steps, *, validation=None, callbacks=None,
             checkpoint=None):
    """Record the pass in the history (as fit records an epoch), checkpoint, call callbacks.

    Returns
    -------
    logs : dict
    """
    logs = _epoch_logs(model, run.params, run.state, n_samples, validation, total_steps)
    with held_interrupts():  # the history and the pass count move on together
        run.history.append(logs)
        model.history_ = run.history
        run.state.epoch += 1
        begin_pass(run)
    _save(checkpoint, model, run, total_steps, None)
    for callback in callbacks or ():
        callback(model, logs["epoch"], logs)
    return logs
