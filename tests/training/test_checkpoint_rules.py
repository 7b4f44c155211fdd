"""A checkpoint's model-specific state is checked against the model's own rules on load.

Each model says which values its checkpointed state can hold
(``_checkpoint_rules``): TopK's idle counters count at most the steps taken,
BatchTopK's threshold is not negative, JumpReLU's thresholds keep their floor,
a persistent RBM's chain is binary. Checkpoints edited by hand to break a
rule are refused, naming the file and the array; the values a run writes,
up to the rules' bounds, are accepted.
"""
import re

import numpy as np
import pytest

from ksparse import models

STEPS = 3  # 40 rows in minibatches of 16: the checkpoint after one epoch holds 3 steps
OPTIONS = {
    "TopKAutoencoder": dict(k=2, dead_steps=2),
    "BatchTopKAutoencoder": dict(k=2),
    "JumpReLUAutoencoder": {},
    "RBM": dict(persistent=True),
}


def make(name):
    return getattr(models, name)(n_hidden=8, epochs=2, batch_size=16, random_state=0,
                                 **OPTIONS[name])


@pytest.fixture(scope="module")
def X():
    return np.random.default_rng(3).random((40, 6)).astype(np.float32)  # in [0, 1] for the RBM


def stop(model, epoch, logs):
    raise KeyboardInterrupt


def checkpoint_after_one_epoch(tmp_path, X, name):
    """The checkpoint path and its arrays by name."""
    path = tmp_path / "run.ckpt"
    with pytest.raises(KeyboardInterrupt):
        make(name).fit(X, checkpoint=path, callbacks=[stop])
    with np.load(path, allow_pickle=False) as archive:
        return path, {member: archive[member] for member in archive.files}


def rewrite(path, arrays):
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def eps(array):
    return np.finfo(array.dtype).eps


REFUSED = {
    "idle counts beyond the steps taken": (
        "TopKAutoencoder", "extra/steps_idle", lambda a: np.full_like(a, STEPS + 1),
        f"'extra/steps_idle' must hold idle-step counts from 0 to the run's {STEPS} steps"),
    # An unsigned count that the int64 counters would have read as negative.
    "idle counts past int64": (
        "TopKAutoencoder", "extra/steps_idle", lambda a: np.full(a.shape, 2**63 + 5, np.uint64),
        "'extra/steps_idle' must hold idle-step counts"),
    "idle counts of another size": (
        "TopKAutoencoder", "extra/steps_idle", lambda a: np.zeros(3, a.dtype),
        r"'extra/steps_idle' has shape \(3,\), but this run's has shape \(8,\)"),
    "a negative threshold": (
        "BatchTopKAutoencoder", "extra/threshold", lambda a: np.array(-0.5, a.dtype),
        "'extra/threshold' must hold a threshold >= 0"),
    "JumpReLU thresholds below their floor": (
        "JumpReLUAutoencoder", "param/theta", lambda a: np.zeros_like(a),
        "'param/theta' must hold thresholds >= "),
    "a chain of probabilities, not states": (
        "RBM", "extra/chain", lambda a: np.full_like(a, 0.37),
        "'extra/chain' must hold binary visible states"),
    "state the model does not keep": (
        "TopKAutoencoder", "extra/chain", lambda a: np.ones((16, 6), np.float32),
        "holds extra state 'extra/chain' that TopKAutoencoder does not keep"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_state_no_run_writes_is_refused_naming_file_and_array(tmp_path, X, case):
    name, member, edit, match = REFUSED[case]
    path, arrays = checkpoint_after_one_epoch(tmp_path, X, name)
    rewrite(path, {**arrays, member: edit(arrays.get(member))})
    content = path.read_bytes()
    with pytest.raises(ValueError, match=re.escape(str(path)) + ".*" + match):
        make(name).fit(X, checkpoint=path, resume=True)
    assert path.read_bytes() == content  # a refused checkpoint is left as it was


ACCEPTED = {
    "idle counts equal to the steps taken": (
        "TopKAutoencoder", "extra/steps_idle", lambda a: np.full_like(a, STEPS)),
    "an unset threshold": (
        "BatchTopKAutoencoder", "extra/threshold", lambda a: np.array(np.nan, a.dtype)),
    "a zero threshold": ("BatchTopKAutoencoder", "extra/threshold", lambda a: np.zeros_like(a)),
    "JumpReLU thresholds at their floor": (
        "JumpReLUAutoencoder", "param/theta", lambda a: np.full_like(a, eps(a))),
    "a chain of zeros and ones": (
        "RBM", "extra/chain", lambda a: (np.arange(a.size) % 2).reshape(a.shape).astype(a.dtype)),
}


@pytest.mark.parametrize("case", sorted(ACCEPTED))
def test_state_at_the_rules_bounds_is_accepted(tmp_path, X, case):
    name, member, edit = ACCEPTED[case]
    path, arrays = checkpoint_after_one_epoch(tmp_path, X, name)
    rewrite(path, {**arrays, member: edit(arrays[member])})
    assert len(make(name).fit(X, checkpoint=path, resume=True).history_) == 2


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_every_model_resumes_its_own_checkpoint_bitwise(tmp_path, X, name):
    reference = make(name).fit(X)
    path, _ = checkpoint_after_one_epoch(tmp_path, X, name)
    resumed = make(name).fit(X, checkpoint=path, resume=True)
    fitted = [n for n in ("W_", "P_", "b_", "b_prime_", "theta_", "threshold_", "chain_")
              if getattr(reference, n, None) is not None]
    for attribute in fitted:
        np.testing.assert_array_equal(getattr(resumed, attribute), getattr(reference, attribute))
    assert resumed.history_ == reference.history_
