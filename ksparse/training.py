"""The minibatch training loop shared by every ksparse model (paper §4.2).

A model plugs into :func:`train` by providing

``model._training_step(params, *batch, step, total_steps)``
    one forward/backward pass on a minibatch; returns ``(loss, grads, aux)``
    where ``aux`` may hold ``"active"``, a boolean (n_hidden,) vector of the
    hidden units used in this minibatch, and ``"k"``, the sparsity level;
``model._validation_loss(params, *validation, step, total_steps)``
    the loss on held-out data at the current step;
``model._epoch_logs(step, total_steps)``
    a dict of model-specific values to record (e.g. the sparsity level);

and the hyper-parameters ``epochs``, ``batch_size``, ``learning_rate``,
``momentum``, ``lr_end`` and ``verbose``. The loop owns everything else:
the per-epoch reshuffle, the learning-rate schedule, momentum SGD (Eq. 11),
the non-finite check, dead-unit counts, the history and the callbacks.
"""
__all__ = ["NonFiniteLossError", "train", "check_random_state"]

import math
import numbers

import numpy as np
from tqdm.auto import tqdm

from .backend import get_array_module, to_device
from .optim import MomentumSGD
from .schedules import learning_rate_at


class NonFiniteLossError(FloatingPointError):
    """Training produced a NaN or infinite loss or gradient."""


def check_random_state(random_state):
    """Turn None, an int or a NumPy Generator into a NumPy Generator."""
    if random_state is None or isinstance(random_state, numbers.Integral):
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.Generator):
        return random_state
    raise TypeError(
        f"random_state must be None, an int or a numpy.random.Generator, got {random_state!r}."
    )


def _check_finite(loss, grads, epoch, step):
    """Raise before the update when the loss or any gradient is not finite."""
    # One scalar per gradient: a sum is finite only if every entry is.
    total = loss + sum(g.sum() for g in grads.values())
    if not math.isfinite(float(total)):
        raise NonFiniteLossError(
            f"Non-finite loss or gradient at epoch {epoch}, step {step} "
            f"(loss={float(loss)!r}). The model keeps the parameters of the last "
            "finite step. Scale the inputs (e.g. pixels to [0, 1]) or lower "
            "learning_rate."
        )


def _run_epoch(model, params, arrays, optimizer, order, epoch, step, total_steps):
    """One pass over the data in the given order; returns (mean loss, alive, step)."""
    n_samples = arrays[0].shape[0]
    loss_sum, alive = 0.0, None
    for start in range(0, n_samples, model.batch_size):
        idx = order[start : start + model.batch_size]  # (batch,)
        batch = tuple(a[idx] for a in arrays)
        with np.errstate(over="ignore", invalid="ignore"):  # reported by the check
            loss, grads, aux = model._training_step(
                params, *batch, step=step, total_steps=total_steps
            )
            _check_finite(loss, grads, epoch, step)
        eta = learning_rate_at(step, total_steps, model.learning_rate, model.lr_end)
        optimizer.step(grads, eta)
        loss_sum += float(loss) * idx.shape[0]
        if "active" in aux:
            alive = aux["active"] if alive is None else alive | aux["active"]
        step += 1
    return loss_sum / n_samples, alive, step


def train(model, params, arrays, *, validation=None, callbacks=None, rng=None):
    """Train ``params`` in place with momentum SGD over minibatches of ``arrays``.

    Parameters
    ----------
    model : object
        Provides the hooks and hyper-parameters listed in the module docstring.
    params : dict of arrays
        Parameters on the training backend, updated in place.
    arrays : tuple of arrays
        Training data sharing their first axis, e.g. ``(X,)`` or ``(X, y)``.
        A model whose step returns gradients for only some parameters
        trains only those (the others stay frozen).
    validation : tuple of arrays, optional
        Held-out data in the same layout, e.g. ``(X_val,)``.
    callbacks : list of callables, optional
        Each called after every epoch as ``callback(model, epoch, logs)``.
    rng : numpy.random.Generator
        Draws the minibatch order of every epoch (on the host).

    Returns
    -------
    history : list of dict
        One dict per epoch: ``epoch``, ``loss``, ``learning_rate`` and, when
        known, ``k``, ``dead_units`` and ``val_loss``. The list is also set as
        ``model.history_`` before the first epoch, so it survives an error.
    """
    xp = get_array_module(arrays[0])
    n_samples = arrays[0].shape[0]
    steps_per_epoch = math.ceil(n_samples / model.batch_size)
    total_steps = model.epochs * steps_per_epoch
    optimizer = MomentumSGD(params, model.momentum)
    history = model.history_ = []
    step = 0
    bar = tqdm(range(model.epochs), desc=type(model).__name__, disable=not model.verbose)
    for epoch in bar:
        order = to_device(rng.permutation(n_samples), xp)  # (n_samples,)
        loss, alive, step = _run_epoch(
            model, params, arrays, optimizer, order, epoch, step, total_steps
        )
        last = step - 1  # schedules are reported as of the epoch's last step
        logs = {"epoch": epoch, "loss": loss}
        logs["learning_rate"] = learning_rate_at(
            last, total_steps, model.learning_rate, model.lr_end
        )
        if alive is not None:
            logs["dead_units"] = int(alive.size - int(alive.sum()))
        logs.update(model._epoch_logs(last, total_steps))
        if validation is not None:
            logs["val_loss"] = float(
                model._validation_loss(params, *validation, step=last, total_steps=total_steps)
            )
        history.append(logs)
        bar.set_postfix(loss=f"{loss:.4g}", refresh=False)
        for callback in callbacks or ():
            callback(model, epoch, logs)
    return history
