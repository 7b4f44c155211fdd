"""Training checkpoints: everything needed to resume a run bit for bit.

A checkpoint is one ``.npz`` file (written atomically, read without pickle)
holding the parameters, the optimizer state (momentum velocities), the
position in the run (epoch, global step, step inside the epoch, the running
loss and live-unit mask of a half-finished epoch), the random generator
state from before the current epoch's shuffle, and the history so far. The
model's class and hyper-parameters are stored too, so a checkpoint is never
resumed by a different model. Every array is checked before anything is
restored: its shape and dtype against the model's own, its values against
what a run can write (finite; the model's own ``_checkpoint_rules``, such as
TopK's idle counters never above the steps taken).

A checkpoint written by ``partial_fit`` (a stream: no fixed number of
samples, a pass per call) also holds the centre ``mean_`` that its first
call fixed, since no later call could recompute it.
"""
__all__ = ["TrainState", "save_checkpoint", "load_checkpoint", "read_progress", "run_identity"]

import dataclasses
import json
import math
import os

import numpy as np

from ..backend import get_array_module, to_device, to_numpy
from ..validation import check_checkpoint_args
from ..io.model_files import (
    _atomic_savez,
    _json_safe,
    _load_json_header,
    _read_archive,
    check_format,
)
from .interrupts import held_interrupts

FORMAT_NAME = "ksparse-checkpoint"
FORMAT_VERSION = 2  # 2: the per-step noise seed and a model's extra state


@dataclasses.dataclass
class TrainState:
    """Where a training run stands between two steps.

    Attributes
    ----------
    epoch : int
        Epoch in progress (or the next one to start when ``position == 0``).
    step : int
        Global steps completed.
    position : int
        Steps completed inside ``epoch``.
    loss_sum : float
        Sum of (batch loss × batch size) over the steps done in ``epoch``.
    alive : bool array of shape (n_hidden,) or None
        Units selected so far in ``epoch``.
    epoch_rng_state : dict or None
        The generator's state before ``epoch`` drew its minibatch order.
    step_seed : int
        Seed of the per-step noise generators
        (:func:`ksparse.training.random_streams.step_generator`).
    """

    epoch: int = 0
    step: int = 0
    position: int = 0
    loss_sum: float = 0.0
    alive: object = None
    epoch_rng_state: dict = None
    step_seed: int = 0


def run_identity(model, n_samples):
    """What makes two runs the same: the class and settings (``verbose`` and ``check_every``
    aside, which do not change results) and the number of rows; JSON values."""
    params = {k: _json_safe(v, k) for k, v in model.get_params().items()}
    params.pop("verbose", None)  # showing a progress bar does not change results
    params.pop("check_every", None)  # nor does when the non-finite check reads the steps
    return {"class": type(model).__name__, "params": params, "n_samples": n_samples}


def save_checkpoint(path, model, params, optimizer, state, history, n_samples):
    """Write the full training state to ``path`` atomically.

    ``n_samples`` is None for a stream (``partial_fit``).
    """
    arrays = {f"param/{k}": to_numpy(v) for k, v in params.items()}
    if n_samples is None and getattr(model, "mean_", None) is not None:
        arrays["centre"] = to_numpy(model.mean_)
    arrays.update({k: to_numpy(v) for k, v in optimizer.get_state().items()})
    if state.alive is not None:
        arrays["alive"] = to_numpy(state.alive)
    arrays.update({f"extra/{k}": to_numpy(v) for k, v in extra_state(model).items()})
    fields = dataclasses.asdict(state)
    fields.pop("alive")
    header = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "run": run_identity(model, n_samples),
        "state": fields,
        "history": history,
    }
    arrays["__header__"] = np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)
    with held_interrupts():  # a second Ctrl-C waits for the file: the run's stop is in it
        _atomic_savez(os.fspath(path), arrays)


def load_checkpoint(path, model, params, optimizer, n_samples):
    """Restore ``params`` and ``optimizer`` in place from ``path``.

    Everything in the file is checked before anything is restored, so a
    refused checkpoint leaves ``params`` and ``optimizer`` as they were.

    Returns
    -------
    state : TrainState
    history : list of dict

    Raises
    ------
    ValueError
        When the file is not a checkpoint, is damaged or inconsistent, or was
        written by a different model, different hyper-parameters or a
        different number of samples (None: a stream, see ``partial_fit``).
    """
    path = os.fspath(path)
    arrays = _read_archive(path, "ksparse checkpoint")
    header = _load_json_header(arrays, path, "ksparse checkpoint")
    check_format(header, path, FORMAT_NAME, FORMAT_VERSION, "ksparse checkpoint")
    if header["format_version"] == 1 and isinstance(header.get("state"), dict):
        # Version 1 predates per-step noise; no model then drew any, so any seed is exact.
        header["state"].setdefault("step_seed", 0)
    _check_run(header, model, n_samples, path)
    _check_header(header, path, model, stream=n_samples is None)
    _check_position(header["state"], path, model, n_samples)
    restored = {name: _expect(arrays, f"param/{name}", p, path) for name, p in params.items()}
    moments = {k: _expect(arrays, k, v, path) for k, v in optimizer.get_state().items()}
    alive = _expect_alive(arrays, params, path)
    extra = _expect_extra(arrays, model, path)
    _refuse_negative({**{k: v for k, v in moments.items() if k.startswith("adam_v/")},
                      **{f"extra/{k}": v for k, v in extra.items() if v.dtype.kind in "iu"}},
                     path)  # means of squares; counters (steps idle, ...)
    _check_values({**{f"param/{k}": v for k, v in restored.items()},
                   **{f"extra/{k}": v for k, v in extra.items()}},
                  model, header["state"]["step"], path)
    centre = None
    if n_samples is None and getattr(model, "mean_", None) is not None:
        centre = _expect(arrays, "centre", model.mean_, path)
    xp = get_array_module(next(iter(params.values())))
    with held_interrupts():  # restored whole: a Ctrl-C waits for the last array
        try:
            optimizer.set_state({k: to_device(v, xp) for k, v in moments.items()})
        except (ValueError, TypeError, KeyError) as exc:
            raise ValueError(f"{path} holds an invalid optimizer state: {exc}") from exc
        for name, p in params.items():
            p[...] = to_device(restored[name], xp)
        if extra:
            model._set_extra_state({k: to_device(v, xp) for k, v in extra.items()})
        if centre is not None:
            model.mean_ = to_device(centre, xp)
    state = TrainState(**header["state"])
    state.alive = None if alive is None else to_device(alive, xp)
    return state, header["history"]


def read_progress(path):
    """How far the run saved in ``path`` went, read from its header alone.

    For a ``partial_fit`` checkpoint, ``epoch`` is the number of calls
    done, so a restartable loop knows which piece of data comes next.

    Returns
    -------
    progress : dict
        ``epoch`` (epochs or partial_fit calls completed), ``step`` (global
        steps), ``stream`` (True for a partial_fit checkpoint).
    """
    path = os.fspath(path)
    header = _load_json_header(_read_archive(path, "ksparse checkpoint"), path,
                               "ksparse checkpoint")
    check_format(header, path, FORMAT_NAME, FORMAT_VERSION, "ksparse checkpoint")
    state, run = header.get("state"), header.get("run")
    if not isinstance(state, dict) or not isinstance(run, dict):
        raise ValueError(f"{path} is not a complete ksparse checkpoint.")
    return {"epoch": state.get("epoch"), "step": state.get("step"),
            "stream": run.get("n_samples") is None}


def check_checkpoint(checkpoint, checkpoint_every, resume):
    """``fit``'s checkpoint arguments, and a path that training can write without loss.

    Checked before any training: the folder must exist, the path must not
    be a folder or a device, and a file already there may only be replaced
    when it is a ksparse checkpoint (a new run takes an old run's place; a
    saved model or anything else is not overwritten).
    """
    check_checkpoint_args(checkpoint, checkpoint_every, resume)
    if checkpoint is None:
        return
    path = os.fspath(checkpoint)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ValueError(f"checkpoint {path}: the folder {folder} does not exist.")
    if not os.path.exists(path):
        return
    if not os.path.isfile(path):
        raise ValueError(f"checkpoint {path} is not a regular file.")
    if not resume:
        try:
            read_progress(path)
        except ValueError as exc:
            raise ValueError(f"checkpoint {path} exists and is not a ksparse checkpoint, so "
                             "training would overwrite it; remove it or choose another path.") \
                from exc


def extra_state(model):
    """The arrays of a model's training state beyond parameters and optimizer (may be empty)."""
    get = getattr(model, "_extra_state", None)
    return {} if get is None else get()


def _check_run(header, model, n_samples, path):
    expected = run_identity(model, n_samples)
    if "run" not in header:
        raise ValueError(f"{path} is not a complete ksparse checkpoint: it names no run.")
    written = header["run"]
    if isinstance(written, dict) and isinstance(written.get("params"), dict):
        # A hyper-parameter added since the file was written counts as its default there.
        defaults = type(model)._param_defaults()
        missing = {name: value for name, value in expected["params"].items()
                   if name not in written["params"] and name in defaults
                   and value == _json_safe(defaults[name], name)}
        written = dict(written, params=dict(written["params"], **missing))
    if written != expected:
        raise ValueError(
            f"{path} belongs to a different run: it was written for {header['run']!r:.500}, "
            f"this run is {expected}. Use another checkpoint path or resume=False."
        )


_STATE_FIELDS = {f.name for f in dataclasses.fields(TrainState)} - {"alive"}


def _check_header(header, path, model, stream=False):
    """Refuse a ``state`` or ``history`` that could not have been written by :func:`train`."""
    state = header.get("state")
    if not isinstance(state, dict) or set(state) != _STATE_FIELDS:
        fields = sorted(state) if isinstance(state, dict) else type(state).__name__
        raise ValueError(
            f"{path} has a malformed training state {fields!r:.200}; expected the "
            f"fields {sorted(_STATE_FIELDS)}."
        )
    for name in ("epoch", "step", "position"):
        value = state[name]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{path}: state {name!r} must be an integer >= 0, got {value!r:.80}.")
    if stream and state["position"] != 0:
        raise ValueError(f"{path}: a partial_fit checkpoint is written between passes, but its "
                         f"state 'position' is {state['position']}.")
    if not stream and state["epoch"] > model.epochs:
        raise ValueError(
            f"{path}: state 'epoch' is {state['epoch']}, beyond this run's {model.epochs} epochs."
        )
    seed = state["step_seed"]
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**128:
        raise ValueError(f"{path}: state 'step_seed' must be an integer in [0, 2**128), got "
                         f"{seed!r:.80}.")
    loss_sum = state["loss_sum"]
    is_number = isinstance(loss_sum, (int, float)) and not isinstance(loss_sum, bool)
    if not (is_number and math.isfinite(loss_sum)):
        raise ValueError(
            f"{path}: state 'loss_sum' must be a finite number, got {loss_sum!r:.80}."
        )
    _check_rng_state(state["epoch_rng_state"], path)
    history = header.get("history")
    if not isinstance(history, list) or not all(isinstance(h, dict) for h in history):
        raise ValueError(f"{path}: 'history' must be a list of dicts, got {history!r:.80}.")


def _check_position(state, path, model, n_samples):
    """A fit run's steps come ceil(n_samples / batch_size) to an epoch: refuse a state off that grid."""
    if n_samples is None:  # partial_fit: passes of any length
        return
    per_epoch = math.ceil(n_samples / model.batch_size)
    epoch, step, position = state["epoch"], state["step"], state["position"]
    if position > per_epoch or step != epoch * per_epoch + position:
        raise ValueError(f"{path}: state epoch {epoch}, step {step}, position {position} is no "
                         f"point of this run ({per_epoch} steps an epoch).")


# NumPy's bit generators, by the name their state dicts carry.
_BIT_GENERATORS = {
    cls.__name__: cls
    for cls in (np.random.PCG64, np.random.PCG64DXSM, np.random.MT19937, np.random.Philox,
                np.random.SFC64)
}


def _check_rng_state(rng_state, path):
    """The state must be one a NumPy bit generator accepts (tried on a scratch one)."""
    name = rng_state.get("bit_generator") if isinstance(rng_state, dict) else None
    if not isinstance(name, str) or name not in _BIT_GENERATORS:
        raise ValueError(
            f"{path}: state 'epoch_rng_state' does not name a NumPy bit generator "
            f"(got {rng_state!r:.80})."
        )
    try:
        _BIT_GENERATORS[name](0).state = rng_state
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise ValueError(
            f"{path}: state 'epoch_rng_state' is not a valid {name} state ({exc!r:.120})."
        ) from exc


def _expect(arrays, name, like, path, nan_when_unset=False):
    """``arrays[name]``, refused unless it has the shape and kind of ``like``.

    A float array must have ``like``'s very dtype (a run in float32 does not
    resume one in float64) and be finite, or NaN where ``nan_when_unset``.
    """
    array = arrays.get(name)
    if array is None:
        raise ValueError(f"{path} lacks array {name!r} of shape {tuple(like.shape)}.")
    if array.shape != tuple(like.shape):
        raise ValueError(f"{path}: array {name!r} has shape {array.shape}, but this run's "
                         f"has shape {tuple(like.shape)}.")
    kinds = {"f": "f", "b": "b"}.get(like.dtype.kind, "iu")
    if array.dtype.kind not in kinds:
        raise ValueError(f"{path}: array {name!r} has the wrong dtype {array.dtype}.")
    if array.dtype.kind == "f" and array.dtype != like.dtype:
        raise ValueError(f"{path}: array {name!r} is {array.dtype} but this run trains in "
                         f"{like.dtype}: the checkpoint belongs to a different run.")
    unset = np.isnan(array) if nan_when_unset and array.dtype.kind == "f" else False
    if array.dtype.kind == "f" and not (np.isfinite(array) | unset).all():
        raise ValueError(f"{path}: array {name!r} holds NaN or infinite values.")
    return array


def _expect_extra(arrays, model, path):
    """The model's extra training state (``_extra_state``), each array checked.

    Each must have the shape and kind of the model's own array of that name
    (e.g. TopK's ``steps_idle``, one counter per latent); an ``extra/``
    array that the model does not keep is refused.
    """
    kept = extra_state(model)
    unknown = sorted(name for name in arrays
                     if name.startswith("extra/") and name[len("extra/"):] not in kept)
    if unknown:
        raise ValueError(f"{path} holds extra state {unknown[0]!r} that "
                         f"{type(model).__name__} does not keep: it belongs to a different run.")
    unset = getattr(model, "_nan_when_unset", ())  # e.g. BatchTopK's threshold_ before a batch
    return {k: _expect(arrays, f"extra/{k}", v, path, f"{k}_" in unset)
            for k, v in kept.items()}


def _check_values(arrays, model, step, path):
    """Refuse arrays, by name, that hold a value no run of ``model`` writes (its own rules).

    The rules are the model's ``_checkpoint_rules(step)``: ``{name: (test,
    values)}``, ``test(array)`` true where a value is possible after
    ``step`` steps of a run, ``values`` saying which values those are.
    """
    rules = getattr(model, "_checkpoint_rules", None)
    for name, (test, values) in ({} if rules is None else rules(step)).items():
        if name in arrays and not bool(np.all(test(arrays[name]))):
            raise ValueError(f"{path}: array {name!r} must hold {values}.")


def _refuse_negative(arrays, path):
    """Refuse arrays, by name, that hold a negative value where none can be."""
    for name, array in arrays.items():
        if (array < 0).any():
            raise ValueError(f"{path}: array {name!r} holds negative values.")


def _expect_alive(arrays, params, path):
    alive = arrays.get("alive")
    if alive is None:
        return None
    # Models that record live units (autoencoders) do so per hidden bias.
    n_units = params["b"].shape[0] if "b" in params else None
    if alive.dtype != np.bool_ or alive.ndim != 1 or n_units not in (None, alive.shape[0]):
        raise ValueError(
            f"{path}: array 'alive' must be a boolean vector of {n_units} units, got "
            f"{alive.dtype} of shape {alive.shape}."
        )
    return alive
