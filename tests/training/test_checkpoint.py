"""Interrupted and resumed runs end bitwise identical to uninterrupted ones."""
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from ksparse import KSparseAutoencoder
from ksparse.training.checkpoint import read_progress


def make_model(**kwargs):
    settings = dict(n_hidden=20, k=3, k_start=8, epochs=5, batch_size=16, lr_end=0.001,
                    random_state=7)
    settings.update(kwargs)
    return KSparseAutoencoder(**settings)


@pytest.fixture
def X(rng):
    return rng.standard_normal((100, 8)).astype(np.float32)


@pytest.fixture
def reference(X):
    return make_model().fit(X)


def assert_same_run(a, b):
    for name in ("W_", "b_", "b_prime_"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert a.history_ == b.history_


def stop_at(epoch):
    def callback(model, e, logs):
        if e == epoch:
            raise KeyboardInterrupt
    return callback


@pytest.mark.parametrize("stop_epoch", [0, 2, 4])
def test_keyboard_interrupt_in_callback_then_resume(tmp_path, X, reference, stop_epoch):
    path = tmp_path / "run.ckpt"
    with pytest.raises(KeyboardInterrupt, match=f"checkpoint saved to {path}"):
        make_model().fit(X, checkpoint=path, callbacks=[stop_at(stop_epoch)])
    resumed = make_model().fit(X, checkpoint=path, resume=True)
    assert_same_run(resumed, reference)


def test_ctrl_c_mid_epoch_stops_after_a_whole_step_and_resumes(tmp_path, X, reference):
    path = tmp_path / "run.ckpt"
    model = make_model()
    step_fn = model._training_step
    seen = []

    def step_with_ctrl_c(params, *batch, step, **options):
        seen.append(step)
        if step == 11:  # mid-epoch: 7 steps per epoch
            os.kill(os.getpid(), signal.SIGINT)
        return step_fn(params, *batch, step=step, **options)

    model._training_step = step_with_ctrl_c
    with pytest.raises(KeyboardInterrupt, match=r"epoch 1, step 12.*last completed step"):
        model.fit(X, checkpoint=path)
    assert seen[-1] == 11  # the update in progress was finished, no other started
    assert np.isfinite(model.W_).all()
    resumed = make_model().fit(X, checkpoint=path, resume=True)
    assert_same_run(resumed, reference)


def test_process_killed_between_steps_resumes_from_last_checkpoint(tmp_path, X, reference):
    path, data = tmp_path / "run.ckpt", tmp_path / "X.npy"
    np.save(data, X)
    script = textwrap.dedent(f"""
        import os, signal
        import numpy as np
        from ksparse import KSparseAutoencoder
        def die(model, epoch, logs):
            if epoch == 2:
                os.kill(os.getpid(), signal.SIGKILL)
        KSparseAutoencoder(n_hidden=20, k=3, k_start=8, epochs=5, batch_size=16,
                           lr_end=0.001, random_state=7, verbose=False).fit(
            np.load({str(data)!r}), checkpoint={str(path)!r}, callbacks=[die])
    """)
    env = dict(os.environ, KSPARSE_BACKEND="numpy")
    result = subprocess.run([sys.executable, "-c", script], env=env)
    assert result.returncode == -signal.SIGKILL
    resumed = make_model().fit(X, checkpoint=path, resume=True)
    assert_same_run(resumed, reference)


def test_resume_without_checkpoint_file_starts_fresh(tmp_path, X, reference):
    resumed = make_model().fit(X, checkpoint=tmp_path / "none.ckpt", resume=True)
    assert_same_run(resumed, reference)
    assert (tmp_path / "none.ckpt").exists()


def test_completed_checkpoint_resumes_to_the_same_model(tmp_path, X, reference):
    path = tmp_path / "run.ckpt"
    make_model().fit(X, checkpoint=path, checkpoint_every=2)
    assert_same_run(make_model().fit(X, checkpoint=path, resume=True), reference)


@pytest.mark.parametrize("change", [{"k": 4}, {"epochs": 6}, {"random_state": 8}])
def test_checkpoint_of_another_run_is_refused(tmp_path, X, change):
    path = tmp_path / "run.ckpt"
    make_model().fit(X, checkpoint=path)
    with pytest.raises(ValueError, match="belongs to a different run"):
        make_model(**change).fit(X, checkpoint=path, resume=True)


def test_checkpoint_arguments_are_validated(X):
    with pytest.raises(ValueError, match="resume=True needs checkpoint"):
        make_model().fit(X, resume=True)
    with pytest.raises(ValueError, match="checkpoint_every must be in"):
        make_model().fit(X, checkpoint="x.ckpt", checkpoint_every=0)
    with pytest.raises(TypeError, match="checkpoint must be a path"):
        make_model().fit(X, checkpoint=3)


def test_a_checkpoint_path_training_could_not_write_is_refused_before_training(tmp_path, X):
    model = make_model()
    with pytest.raises(ValueError, match="the folder .* does not exist"):
        model.fit(X, checkpoint=tmp_path / "missing" / "run.ckpt")
    with pytest.raises(ValueError, match="is not a regular file"):
        model.fit(X, checkpoint=tmp_path)  # a folder
    assert getattr(model, "history_", None) is None  # not one epoch ran


@pytest.mark.parametrize("resume", [False, True])
def test_a_saved_model_is_never_overwritten_by_a_checkpoint(tmp_path, X, resume):
    path = tmp_path / "model.npz"
    make_model(epochs=1).fit(X).save(path)
    before = path.read_bytes()
    match = "exists and is not a ksparse checkpoint" if not resume else "not a ksparse checkpoint"
    with pytest.raises(ValueError, match=match):
        make_model().fit(X, checkpoint=path, resume=resume)
    assert path.read_bytes() == before


def test_an_old_checkpoint_is_replaced_by_a_new_run(tmp_path, X, reference):
    path = tmp_path / "run.ckpt"
    make_model(random_state=8).fit(X, checkpoint=path)
    make_model().fit(X, checkpoint=path)  # without resume: a new run takes its place
    assert read_progress(path)["step"] == len(reference.history_) * 7


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_device_is_not_read_as_a_checkpoint_or_a_model(X):
    import ksparse

    with pytest.raises(ValueError, match="/dev/zero is not a regular file"):
        ksparse.load("/dev/zero")
    with pytest.raises(ValueError, match="/dev/zero is not a regular file"):
        make_model().fit(X, checkpoint="/dev/zero", resume=True)


def test_a_float64_run_does_not_resume_a_float32_checkpoint(tmp_path, X):
    path = tmp_path / "run.ckpt"
    make_model().fit(X, checkpoint=path)  # float32 data: a float32 run
    with pytest.raises(ValueError, match="'param/W' is float32 but this run trains in float64"):
        make_model().fit(X.astype(np.float64), checkpoint=path, resume=True)


def topk_family_checkpoint(tmp_path, X, cls_name):
    """A finished run's checkpoint, a maker of the same model, and the checkpoint's arrays."""
    from ksparse import models

    path = tmp_path / "run.ckpt"
    make = lambda: getattr(models, cls_name)(n_hidden=8, k=2, epochs=2,  # noqa: E731
                                             batch_size=16, random_state=0, verbose=False)
    make().fit(X, checkpoint=path)
    with np.load(path, allow_pickle=False) as archive:
        return path, make, {name: archive[name] for name in archive.files}


def rewrite(path, arrays):
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def test_an_unset_batch_topk_threshold_may_be_nan_in_a_checkpoint(tmp_path, X):
    path, make, arrays = topk_family_checkpoint(tmp_path, X, "BatchTopKAutoencoder")
    rewrite(path, {**arrays, "extra/threshold": np.array(np.nan, np.float32)})  # before a batch
    assert np.isnan(make().fit(X, checkpoint=path, resume=True).threshold_)  # nothing left to run


@pytest.mark.parametrize("counters, match", [
    (lambda idle: idle.astype(np.float32) * np.nan, "extra/steps_idle"),  # not counts at all
    (lambda idle: -np.ones_like(idle), "'extra/steps_idle' holds negative values"),
])
def test_idle_counters_that_no_run_writes_are_refused(tmp_path, X, counters, match):
    path, make, arrays = topk_family_checkpoint(tmp_path, X, "TopKAutoencoder")
    rewrite(path, {**arrays, "extra/steps_idle": counters(arrays["extra/steps_idle"])})
    with pytest.raises(ValueError, match=match):
        make().fit(X, checkpoint=path, resume=True)


def test_adam_with_pre_bias_resumes_bitwise(tmp_path, X):
    options = dict(optimizer="adam", learning_rate=0.001, pre_bias=True)
    reference = make_model(**options).fit(X)
    path = tmp_path / "adam.ckpt"
    with pytest.raises(KeyboardInterrupt):
        make_model(**options).fit(X, checkpoint=path, callbacks=[stop_at(1)])
    assert_same_run(make_model(**options).fit(X, checkpoint=path, resume=True), reference)


def test_a_damaged_checkpoint_is_called_a_checkpoint(tmp_path, X):
    path = tmp_path / "run.ckpt"
    path.write_bytes(b"PK\x03\x04 cut short")
    with pytest.raises(ValueError, match="is not a ksparse checkpoint"):
        make_model().fit(X, checkpoint=path, resume=True)
