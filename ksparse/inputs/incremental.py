"""``partial_fit``: the training loop of §4.2 continued call by call, on data seen piece by piece.

Each call is one pass of minibatch updates over its X, in X's own row order
(``batch_size`` rows at a time, the last minibatch possibly shorter). What
carries over from call to call is everything ``fit`` carries from one
minibatch to the next: the parameters, the optimizer state (momentum
velocities or Adam's moments), the global step that drives the
learning-rate and sparsity schedules and the per-step noise, a model's
extra state (e.g. TopK's dead-unit counters, an RBM's persistent chain),
and the history, which gets one entry per call (as ``fit`` records one per
epoch).

The first call initialises the model from its own X: the initial weights
come from ``random_state`` exactly as in ``fit``; with ``center=True`` the
centre ``mean_`` is fixed at the mean of that first X, or at the ``mean``
given to it, and never changes afterwards (a running mean would move the
data under weights already learned); with ``pre_bias``, b′ starts at the
mean of that first X (TopK's at its geometric median), summed in that X's
row order.

So ``fit(X)`` and a chain of ``partial_fit`` calls over X's minibatches in
fit's shuffled order give bitwise the same model on the CPU, provided the
chain starts from fit's centre, starts from the same initial values (a b′
started from the data is the mean of the first call's rows, not of X's)
and sees the same schedule length: ``total_steps``, which ``fit`` derives
as epochs × ceil(n / batch_size) and which ``partial_fit`` needs to be
told when ``lr_end`` or ``k_start`` is set. Fit's centre is the mean of
all of X as the model reads it, converted to the dtype it trains in: pass
``mean=X.astype(dtype).mean(axis=0)`` to the first call, where ``dtype``
is the model's ``dtype`` when set, else X's own for float32 and float64
data and float64 for any other. ``X.mean(axis=0)`` is that centre only
when X already has that dtype: the float64 mean of float64 data, rounded
to float32, is not the float32 mean of its float32 rows. ``partial_fit``
after ``fit`` continues fit's run.
"""
__all__ = ["partial_fit", "schedule_length", "start_or_continue"]

import os

import numpy as np

from ..backend import get_array_module, get_xp, to_device
from ..training.checkpoint import check_checkpoint, load_checkpoint
from ..training.loop import begin_pass, end_pass, pass_steps, start_run
from ..validation import (
    check_finite,
    check_n_features,
    check_random_state,
)
from .streaming import Batches


def schedule_length(model):
    """The ``total_steps`` the schedules of this run use (None: no schedule needs one).

    Raises
    ------
    ValueError
        Before any work, when a schedule is set (``lr_end``, ``k_start``, a
        model's own ``_schedule_settings``) but the run's length is unknown
        (neither ``total_steps`` nor a previous ``fit``).
    """
    if model.total_steps is not None:
        return model.total_steps
    known = None if model._run is None else model._run.total_steps
    scheduled = [name for name in model._schedule_settings
                 if getattr(model, name, None) is not None]
    if known is None and scheduled:
        raise ValueError(
            f"partial_fit needs total_steps, the number of steps the {scheduled[0]} schedule "
            "runs over (e.g. passes × ceil(n_samples / batch_size)); it is unknown here."
        )
    return known


def check_mean(model, mean, n_features, dtype, xp):
    """The ``mean`` argument as the model's centre (on ``xp``, in ``dtype``), or None.

    Raises
    ------
    ValueError
        When ``mean`` is given without ``center=True``, has the wrong shape,
        holds NaN or infinity, or differs from the centre already fixed.
    """
    if mean is None:
        return None
    if not model.center:
        raise ValueError("mean is the centre of center=True; this model has center=False.")
    values = np.asarray(to_device(mean, np) if get_array_module(mean) is not np else mean)
    if values.shape != (n_features,) or values.dtype.kind not in "biuf":
        raise ValueError(f"mean must be {n_features} real numbers, got shape {values.shape} "
                         f"and dtype {values.dtype}.")
    check_finite(values.astype(dtype), "mean")
    centre = to_device(values.astype(dtype), xp)
    if model.mean_ is not None and not bool((centre == model.mean_).all()):
        raise ValueError("mean differs from the centre fixed by the first partial_fit call.")
    return centre


def start_or_continue(model, rows, *, mean=None, checkpoint=None, resume=False):
    """The minibatch source for ``rows``, initialising the model and its run when needed.

    A model not yet fitted is initialised from ``rows`` (see the module
    docstring). A fitted model without a run to continue (loaded from a
    file, or whose arrays were replaced) starts a new run from its current
    weights: a fresh optimizer at step 0. A run that starts here resumes
    from ``checkpoint`` when ``resume`` is set and the file exists.

    Returns
    -------
    batches : ksparse.inputs.streaming.Batches
    """
    if getattr(model, "W_", None) is None:
        xp = get_xp()
        centre = check_mean(model, mean, rows.shape[1], rows.dtype, xp)
        rng = check_random_state(model.random_state)
        batches = model._initialise(rows, xp, rng, centre)
        model._run = start_run(model, model._parameters(), rng)
        _maybe_resume(model, checkpoint, resume)
    else:
        check_n_features(model, rows)
        xp = get_array_module(model.W_)
        check_mean(model, mean, rows.shape[1], rows.dtype, xp)
        params = model._parameters()
        run = model._run
        if run is None or any(run.params.get(k) is not v for k, v in params.items()):
            rng = check_random_state(model.random_state)
            model._new_run_state(rng, xp)  # e.g. TopK's idle counters, an RBM's chain
            model._run = start_run(model, params, rng)
            model._run.history = list(getattr(model, "history_", None) or [])
            model._run.state.epoch = len(model._run.history)  # the history goes on
            _maybe_resume(model, checkpoint, resume)
        batches = Batches(rows, xp, resident=True, keep_sparse=model._sparse_rows())
    batches.mean = model.mean_  # a resumed run brings its own centre
    model.history_ = model._run.history
    return batches


def _maybe_resume(model, checkpoint, resume):
    if not (resume and checkpoint is not None and os.path.exists(checkpoint)):
        return
    run = model._run
    run.state, run.history = load_checkpoint(checkpoint, model, run.params, run.optimizer, None)


def partial_fit(model, X, *, mean=None, X_val=None, callbacks=None, checkpoint=None,
                resume=False):
    """One pass of minibatch updates over X, continuing ``model``'s run (see the module docstring).

    Returns
    -------
    model
    """
    values = model._validate_for_training(callbacks)
    check_checkpoint(checkpoint, 1, resume)
    total_steps = schedule_length(model)
    fitted = getattr(model, "W_", None)
    dtype = values["dtype"] if fitted is None else fitted.dtype
    rows, val_rows = model._check_training_data(X, X_val, dtype)
    batches = start_or_continue(model, rows, mean=mean, checkpoint=checkpoint, resume=resume)
    run = model._run
    validation = model._validation_data(val_rows, batches.xp)
    begin_pass(run)
    pass_steps(model, run, (batches,), total_steps)
    end_pass(model, run, rows.shape[0], total_steps, validation=validation,
             callbacks=callbacks, checkpoint=checkpoint)
    return model
