"""Hostile training checkpoints: ``fit(..., resume=True)`` refuses them clearly.

The checkpoints are edited copies of real ones saved after the first of two
epochs: truncated, empty or random files, a model file in place of a
checkpoint, headers missing fields or holding fields of the wrong type or
range, parameters of the wrong shape, dtype or value, a damaged random
generator state or Adam step count, and pickles. Each refusal is a
ValueError naming the file, finishes within seconds, allocates little memory
(see ``_hostile.refuse``) and leaves the checkpoint file as it was.
"""
import re

import numpy as np
import pytest

from ksparse import KSparseAutoencoder

from _hostile import (
    TouchOnUnpickle,
    npy_header_only,
    npy_of,
    npz_bytes,
    npz_members,
    random_files,
    raw_header,
    read_json_header,
    refuse,
    replace_member,
    with_json_header,
    write,
)


CK_SETTINGS = dict(n_hidden=8, k=2, epochs=2, batch_size=16, random_state=0)


def _stop(model, epoch, logs):
    raise KeyboardInterrupt


@pytest.fixture(scope="module")
def ck_data():
    return np.random.default_rng(1).standard_normal((40, 6)).astype(np.float32)


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory, ck_data):
    """Bytes of checkpoints saved after the first of two epochs, per optimizer."""
    folder = tmp_path_factory.mktemp("ck")
    out = {}
    for optimizer in ("momentum", "adam"):
        path = folder / f"{optimizer}.npz"
        with pytest.raises(KeyboardInterrupt):
            KSparseAutoencoder(optimizer=optimizer, **CK_SETTINGS).fit(
                ck_data, checkpoint=path, callbacks=[_stop])
        out[optimizer] = path.read_bytes()
    return out


def ck_edit(data, state=None, arrays=None, drop=(), **header_changes):
    members = npz_members(data)
    header = read_json_header(members)
    header.update(header_changes)
    header["state"] = header["state"] if state is None else {**header["state"], **state}
    for key in drop:
        header.pop(key)
    for name, array in (arrays or {}).items():
        members[f"{name}.npy"] = npy_of(array)
    return with_json_header(members, header)


def _set_state(data, value):
    members = npz_members(data)
    header = read_json_header(members)
    header["state"] = value
    return with_json_header(members, header)


CK_CASES = {
    "truncated": lambda d: d[: len(d) // 3],
    "empty": lambda d: b"",
    "random bytes": lambda d: random_files(5, count=1, max_len=300)[0] + b"x",
    "a model file, not a checkpoint": "model",
    "header not JSON": lambda d: raw_header(d, b"\x00\x01"),
    "header JSON nested 10**5 deep": lambda d: raw_header(d, b"[" * 10**5 + b"]" * 10**5),
    "format_version a string": lambda d: ck_edit(d, format_version="1"),
    "newer format_version": lambda d: ck_edit(d, format_version=99),
    "other run": lambda d: ck_edit(d, run={"class": "KSparseAutoencoder"}),
    "run missing": lambda d: ck_edit(d, drop=("run",)),
    "state missing": lambda d: ck_edit(d, drop=("state",)),
    "state not a dict": lambda d: _set_state(d, [1]),
    "state unknown field": lambda d: ck_edit(d, state={"evil": 1}),
    # A string epoch failed comparing with an int in the loop; a negative one
    # trained extra epochs and overwrote the checkpoint.
    "epoch a string": lambda d: ck_edit(d, state={"epoch": "1"}),
    "epoch negative": lambda d: ck_edit(d, state={"epoch": -3}),
    "epoch beyond the run": lambda d: ck_edit(d, state={"epoch": 3}),
    "step a bool": lambda d: ck_edit(d, state={"step": True}),
    "loss_sum NaN": lambda d: ck_edit(d, state={"loss_sum": float("nan")}),
    "rng state garbage": lambda d: ck_edit(d, state={"epoch_rng_state": {"a": 1}}),
    "rng state null": lambda d: ck_edit(d, state={"epoch_rng_state": None}),
    "history missing": lambda d: ck_edit(d, drop=("history",)),
    "history not a list": lambda d: ck_edit(d, history=5),
    "param wrong shape": lambda d: ck_edit(d, arrays={"param/W": np.zeros((3, 3), np.float32)}),
    "param strings": lambda d: ck_edit(d, arrays={"param/W": np.full((6, 8), "a")}),
    # A NaN parameter was accepted; training then blamed the inputs.
    "param NaN": lambda d: ck_edit(d, arrays={"param/W": np.full((6, 8), np.nan, np.float32)}),
    "W declares 2**50 floats": lambda d: replace_member(
        d, "param/W.npy", npy_header_only((2**50,), "<f8")),
    "velocity missing": lambda d: npz_bytes({k: v for k, v in npz_members(d).items()
                                             if k != "velocity/W.npy"}),
    "velocity infinite": lambda d: ck_edit(d, arrays={"velocity/b": np.full(8, np.inf)}),
    # A wrong-sized mask was accepted; broadcasting then failed mid-training.
    # Mid-epoch: one step into the second epoch (3 steps an epoch), step 4.
    "alive wrong shape": lambda d: ck_edit(d, state={"position": 1, "step": 4},
                                           arrays={"alive": np.ones(3, bool)}),
    "alive not bool": lambda d: ck_edit(d, state={"position": 1, "step": 4},
                                        arrays={"alive": np.ones(8, np.float32)}),
    # Points no run of 3 steps an epoch passes: the last epoch was silently skipped.
    "position beyond the epoch": lambda d: ck_edit(d, state={"position": 999}),
    "step off the grid": lambda d: ck_edit(d, state={"step": 10**9}),
    "object array": lambda d: ck_edit(d, arrays={"param/b": np.array([None], dtype=object)}),
}

ADAM_CASES = {
    # A negative step count divided by zero in the bias correction (1 - beta**0).
    "adam_t negative": lambda d: ck_edit(d, arrays={"adam_t": np.array(-1)}),
    "adam_t a string": lambda d: ck_edit(d, arrays={"adam_t": np.array("x")}),
    "adam_t a float": lambda d: ck_edit(d, arrays={"adam_t": np.array(1.5)}),
    # A mean of squares below zero made sqrt NaN and failed deep inside the step.
    "adam_v negative": lambda d: ck_edit(d, arrays={"adam_v/W": -np.ones((6, 8), np.float32)}),
}


def _resume(path, data, optimizer="momentum"):
    return KSparseAutoencoder(optimizer=optimizer, **CK_SETTINGS).fit(
        data, checkpoint=path, resume=True)


def _check_checkpoint_refused(tmp_path, content, data, optimizer="momentum"):
    path = write(tmp_path / "ck.npz", content)
    refuse(lambda: _resume(path, data, optimizer), ValueError, match=re.escape(str(path)))
    assert path.read_bytes() == content  # a refused checkpoint is left as it was


def test_checkpoint_resume_baseline(tmp_path, checkpoints, ck_data):
    # The unmodified checkpoint resumes: the cases below differ only by their edit.
    for optimizer, content in checkpoints.items():
        path = write(tmp_path / f"{optimizer}.npz", content)
        assert len(_resume(path, ck_data, optimizer).history_) == 2


@pytest.mark.parametrize("case", sorted(CK_CASES))
def test_checkpoint_hostile(tmp_path, checkpoints, ck_data, model_bytes, case):
    edit = CK_CASES[case]
    content = model_bytes if edit == "model" else edit(checkpoints["momentum"])
    _check_checkpoint_refused(tmp_path, content, ck_data)


@pytest.mark.parametrize("case", sorted(ADAM_CASES))
def test_checkpoint_hostile_adam_state(tmp_path, checkpoints, ck_data, case):
    content = ADAM_CASES[case](checkpoints["adam"])
    _check_checkpoint_refused(tmp_path, content, ck_data, optimizer="adam")


def test_checkpoint_pickle_payload_never_runs(tmp_path, checkpoints, ck_data):
    marker = tmp_path / "code-ran"
    payload = np.array([TouchOnUnpickle(marker)], dtype=object)
    content = replace_member(checkpoints["momentum"], "velocity/b.npy", npy_of(payload))
    _check_checkpoint_refused(tmp_path, content, ck_data)
    assert not marker.exists()
