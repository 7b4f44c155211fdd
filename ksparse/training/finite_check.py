"""The non-finite check of the training loop, per step or every N steps (§4.2).

A step whose loss or gradient holds a NaN or an infinity must never leave its
mark on the parameters. The plain way, the reference, reads the loss and the
sum of the gradients on the host before every update
(``_check_finite`` in :mod:`ksparse.training.loop`). On a GPU that host transfer waits
for every kernel of the step, once per step, and a step of a 784 → 1000
model is short enough for the wait to dominate.

:class:`FiniteCheck` with ``every = N > 1`` lets the updates run ahead: each
step leaves its loss and gradient sum on the device, and every N steps (and
at the end of every epoch or pass, before a checkpoint, and at a Ctrl-C) all
of them come to the host in a single transfer. When they are all finite the
losses are added to the epoch's sum, in step order, exactly as the per-step
check adds them. When one is not, the run goes back to a copy of its state
taken at the start of the window (parameters, optimizer state, the model's
extra state, the counters) and replays the window's minibatches with the
per-step check, which stops before the first non-finite update with the same
error. Each step draws its noise from (run seed, step) alone, so on the CPU
the replay repeats the window bit for bit: the model ends at the parameters
of its last finite step, as with the per-step check.
"""
__all__ = ["DEVICE_CHECK_EVERY", "FiniteCheck", "check_every_for"]

import dataclasses

import numpy as np

from ..backend import get_array_module, to_numpy
from .checkpoint import extra_state

#: Steps between host reads on a GPU when ``check_every`` is left to None:
#: long enough to hide the transfer, short enough to keep a replay cheap.
DEVICE_CHECK_EVERY = 50


def check_every_for(model, params):
    """Steps between finiteness reads: ``model.check_every``, or by backend when None.

    None means every step with NumPy (a host read costs nothing there) and
    every :data:`DEVICE_CHECK_EVERY` steps with CuPy.
    """
    every = getattr(model, "check_every", None)
    if every is not None:
        return int(every)
    xp = get_array_module(next(iter(params.values())))
    return 1 if xp is np else DEVICE_CHECK_EVERY


def _copy(arrays):
    """Copies of a dict of arrays, each on its own backend."""
    return {name: get_array_module(a).array(a, copy=True) for name, a in arrays.items()}


@dataclasses.dataclass
class _Snapshot:
    """What a run must get back to when a window held a non-finite step."""

    params: dict
    optimizer: dict
    extra: dict
    state: object  # a shallow copy of the TrainState: its fields are replaced, not mutated


class FiniteCheck:
    """Reads the loss and gradients of a run's steps for NaN and infinity.

    Parameters
    ----------
    every : int >= 1
        Steps between host reads. 1: each step is checked before its update
        (the reference). N > 1: checked N at a time, with a rollback and
        replay when one of them was not finite (see the module docstring).

    Attributes
    ----------
    pending : list of (array of shape (2,), int, object)
        For every step since the last read: its loss and gradient sum (on
        the device), its number of rows and where its minibatch came from
        (the caller's ``source``: indices into the data, not a copy of it).
    """

    def __init__(self, every):
        self.every = every
        self.pending = []
        self._snapshot = None

    @property
    def deferred(self):
        """True when updates run ahead of the check."""
        return self.every > 1

    def record(self, run, model, values, n_rows, source):
        """Note a step that is about to update ``run``; copy the run first when a window opens.

        ``values`` is the step's ``stack([loss, gradient sum])``, left on its
        device; ``source`` is what the caller needs to build the minibatch
        again for a replay.
        """
        if not self.pending:
            self._snapshot = _Snapshot(
                params=_copy(run.params), optimizer=_copy(run.optimizer.get_state()),
                extra=_copy(extra_state(model)), state=dataclasses.replace(run.state))
        self.pending.append((values, n_rows, source))

    @property
    def due(self):
        """True when the window is full."""
        return len(self.pending) >= self.every

    def settle(self, run, model):
        """Read the pending steps in one transfer.

        Returns
        -------
        replay : list of tuple
            Empty when every pending step was finite (their losses are then
            added to ``run.state.loss_sum``). Otherwise the run is back at
            the start of the window, and these are the ``source`` of the
            window's steps, for the caller to run again with the per-step check.
        """
        pending, self.pending = self.pending, []
        if not pending:
            return []
        xp = get_array_module(pending[0][0])
        values = to_numpy(xp.stack([v for v, _, _ in pending]))  # (n_steps, 2)
        if np.isfinite(values).all():
            for (loss, _), (_, n_rows, _) in zip(values.tolist(), pending):
                run.state.loss_sum += loss * n_rows
            self._snapshot = None
            return []
        self._restore(run, model)
        return [source for _, _, source in pending]

    def _restore(self, run, model):
        snap, self._snapshot = self._snapshot, None
        for name, array in snap.params.items():
            run.params[name][...] = array
        run.optimizer.set_state(snap.optimizer)
        if snap.extra:
            model._set_extra_state(snap.extra)
        for field in dataclasses.fields(snap.state):
            setattr(run.state, field.name, getattr(snap.state, field.name))
