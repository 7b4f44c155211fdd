"""Training checkpoints: everything needed to resume a run bit for bit.

A checkpoint is one ``.npz`` file (written atomically, read without pickle)
holding the parameters, the optimizer state (momentum velocities), the
position in the run (epoch, global step, step inside the epoch, the running
loss and live-unit mask of a half-finished epoch), the random generator
state from before the current epoch's shuffle, and the history so far. The
model's class and hyper-parameters are stored too, so a checkpoint is never
resumed by a different model.
"""
__all__ = ["TrainState", "save_checkpoint", "load_checkpoint"]

import dataclasses
import json
import os

import numpy as np

from .backend import get_array_module, to_device, to_numpy
from .io import _atomic_savez, _json_safe, _read_archive

FORMAT_NAME = "ksparse-checkpoint"
FORMAT_VERSION = 1


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
    """

    epoch: int = 0
    step: int = 0
    position: int = 0
    loss_sum: float = 0.0
    alive: object = None
    epoch_rng_state: dict = None


def _run_identity(model, n_samples):
    params = {k: _json_safe(v) for k, v in model.get_params().items()}
    params.pop("verbose", None)  # showing a progress bar does not change results
    return {"class": type(model).__name__, "params": params, "n_samples": n_samples}


def save_checkpoint(path, model, params, optimizer, state, history, n_samples):
    """Write the full training state to ``path`` atomically."""
    arrays = {f"param/{k}": to_numpy(v) for k, v in params.items()}
    arrays.update({k: to_numpy(v) for k, v in optimizer.get_state().items()})
    if state.alive is not None:
        arrays["alive"] = to_numpy(state.alive)
    fields = dataclasses.asdict(state)
    fields.pop("alive")
    header = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "run": _run_identity(model, n_samples),
        "state": fields,
        "history": history,
    }
    arrays["__header__"] = np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)
    _atomic_savez(os.fspath(path), arrays)


def load_checkpoint(path, model, params, optimizer, n_samples):
    """Restore ``params`` and ``optimizer`` in place from ``path``.

    Returns
    -------
    state : TrainState
    history : list of dict

    Raises
    ------
    ValueError
        When the file is not a checkpoint, or was written by a different
        model, different hyper-parameters or a different number of samples.
    """
    path = os.fspath(path)
    arrays = _read_archive(path)
    try:
        header = json.loads(arrays.pop("__header__").tobytes().decode("utf-8"))
        ok = header["format"] == FORMAT_NAME and header["format_version"] <= FORMAT_VERSION
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"{path} is not a ksparse checkpoint: {exc!r}") from exc
    if not ok:
        raise ValueError(f"{path} is not a ksparse checkpoint this version can read.")
    expected = _run_identity(model, n_samples)
    if header["run"] != expected:
        raise ValueError(
            f"{path} belongs to a different run: it was written for {header['run']}, "
            f"this run is {expected}. Use another checkpoint path or resume=False."
        )
    xp = get_array_module(next(iter(params.values())))
    for name, p in params.items():
        p[...] = to_device(_expect(arrays, f"param/{name}", p.shape, path), xp)
    optimizer.set_state(
        {k: to_device(_expect(arrays, k, v.shape, path), xp) for k, v in optimizer.get_state().items()}
    )
    state = TrainState(**header["state"])
    if "alive" in arrays:
        state.alive = to_device(arrays["alive"], xp)
    return state, header["history"]


def _expect(arrays, name, shape, path):
    if name not in arrays or arrays[name].shape != tuple(shape):
        raise ValueError(f"{path} lacks array {name!r} of shape {tuple(shape)}.")
    return arrays[name]
