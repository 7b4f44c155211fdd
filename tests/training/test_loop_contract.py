"""What :func:`ksparse.training.loop.train` promises a model that plugs into it (§4.2).

The loop's module docstring lists the hooks a model provides and what the
loop passes them. These tests drive ``train`` directly with the smallest
model that keeps those promises — a least-squares fit of one vector, whose
every step is known — and record what the loop hands over: the parameters
of the run, the step and the schedules' length for the held-out measures,
the checkpoints written with the default arguments, the progress bar, and
the message of a Ctrl-C without a checkpoint file.
"""
import numpy as np
import pytest

import ksparse.training.finite_check as finite_check
import ksparse.training.loop as loop
from ksparse import KSparseAutoencoder
from ksparse.nn.optim import MomentumSGD


class MeanModel:
    """Fits ``w`` to the mean row by gradient descent on ½‖x − w‖² averaged over a minibatch.

    ``measure='loss'`` provides ``_validation_loss``; ``'metrics'`` provides
    ``_validation_metrics`` instead. Each records the arguments it was given.
    """

    def __init__(self, measure="loss", epochs=3, batch_size=4):
        self.epochs, self.batch_size = epochs, batch_size
        self.learning_rate, self.lr_end, self.momentum, self.verbose = 0.1, None, 0.0, False
        self.seen = []
        if measure == "metrics":
            self._validation_metrics = self._record

    def _make_optimizer(self, params):
        return MomentumSGD(params, self.momentum)

    def _training_step(self, params, X, *, step, total_steps, rng):
        r = params["w"] - X  # (batch, n_features)
        loss = 0.5 * (r**2).sum(axis=1).mean()
        return np.asarray(loss), {"w": r.mean(axis=0)}, {}

    def _record(self, params, X_val, *, step, total_steps):
        self.seen.append((params, step, total_steps))
        return {"val_loss": float(0.5 * ((params["w"] - X_val) ** 2).sum(axis=1).mean())}

    def _validation_loss(self, params, X_val, *, step, total_steps):
        return self._record(params, X_val, step=step, total_steps=total_steps)["val_loss"]

    def _epoch_logs(self, step, total_steps):
        return {}

    def _after_step(self, params, aux):
        pass


@pytest.fixture
def data(rng):
    return rng.standard_normal((10, 3)), rng.standard_normal((4, 3))  # 3 steps an epoch


@pytest.mark.parametrize("measure", ["loss", "metrics"])
def test_held_out_measures_get_the_runs_params_and_the_epochs_last_step(data, measure):
    X, X_val = data
    model, params = MeanModel(measure), {"w": np.zeros(3)}
    history = loop.train(model, params, (X,), validation=(X_val,),
                         rng=np.random.default_rng(0))
    assert [step for _, step, _ in model.seen] == [2, 5, 8]  # 3 steps an epoch, from 0
    assert [total for _, _, total in model.seen] == [9, 9, 9]
    assert all(p is params for p, _, _ in model.seen)  # the run's own arrays
    # The last measure is of the trained w, by hand.
    expected = 0.5 * ((params["w"] - X_val) ** 2).sum(axis=1).mean()
    assert history[-1]["val_loss"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("measure", ["loss", "metrics"])
def test_a_partial_pass_measures_held_out_data_with_the_runs_params(data, measure):
    X, X_val = data
    model, params = MeanModel(measure), {"w": np.zeros(3)}
    run = loop.start_run(model, params, np.random.default_rng(0))
    for _ in range(2):
        loop.begin_pass(run)
        loop.pass_steps(model, run, (X,), 6)
        loop.end_pass(model, run, X.shape[0], 6, validation=(X_val,))
    assert [(p is params, step, total) for p, step, total in model.seen] == [
        (True, 2, 6), (True, 5, 6)]


def test_by_default_a_checkpoint_follows_every_epoch_and_an_old_one_is_not_resumed(
        data, tmp_path, monkeypatch):
    X, _ = data
    saved, loaded = [], []
    monkeypatch.setattr(loop, "save_checkpoint",
                        lambda path, model, params, opt, state, *rest: saved.append(state.epoch))
    monkeypatch.setattr(loop, "load_checkpoint", lambda *args: loaded.append(args))
    path = tmp_path / "run.npz"
    path.write_bytes(b"an earlier run")  # exists: must be left alone without resume=True
    loop.train(MeanModel(epochs=3), {"w": np.zeros(3)}, (X,), rng=np.random.default_rng(0),
               checkpoint=path)
    assert saved == [1, 2, 3]
    assert loaded == []


def test_ctrl_c_without_a_checkpoint_file_names_no_file(data):
    X, _ = data

    def stop(model, epoch, logs):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as info:
        loop.train(MeanModel(), {"w": np.zeros(3)}, (X,), rng=np.random.default_rng(0),
                   callbacks=[stop])
    assert str(info.value) == ("training interrupted at epoch 1, step 3: the model keeps the "
                               "parameters of its last completed step")


class RecordingBar:
    """Stands in for the tqdm bar (the tests hide tqdm's own): records what the loop shows."""

    def __init__(self, model, epoch):
        self.initial, self.updates, self.postfixes, self.closed = epoch, [], [], False

    def update(self, n):
        self.updates.append(n)

    def set_postfix(self, postfix, refresh):
        self.postfixes.append(postfix)

    def close(self):
        self.closed = True


@pytest.fixture
def bars(monkeypatch):
    made = []
    monkeypatch.setattr(loop, "progress_bar",
                        lambda model, epoch: made.append(RecordingBar(model, epoch)) or made[-1])
    return made


def test_the_progress_bar_counts_epochs_and_shows_each_loss(rng, bars):
    X = rng.standard_normal((12, 4))
    model = KSparseAutoencoder(n_hidden=5, k=2, k_start=4, epochs=3, batch_size=4,
                               random_state=0).fit(X)
    (bar,) = bars
    assert bar.initial == 0 and bar.updates == [1, 1, 1] and bar.closed
    assert bar.postfixes == [{"loss": f"{logs['loss']:.4g}", "k": logs["k"]}
                             for logs in model.history_]


def test_a_resumed_bar_starts_at_the_checkpoints_epoch(rng, tmp_path, bars):
    X = rng.standard_normal((12, 4))
    path = tmp_path / "run.npz"
    settings = dict(n_hidden=5, k=2, epochs=3, batch_size=4, random_state=0)

    def stop_after_two(model, epoch, logs):
        if len(model.history_) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        KSparseAutoencoder(**settings).fit(X, checkpoint=path, callbacks=[stop_after_two])
    KSparseAutoencoder(**settings).fit(X, checkpoint=path, resume=True)
    assert [bar.initial for bar in bars] == [0, 2]
    assert bars[1].updates == [1]


def test_check_every_defaults_by_the_backend_of_the_params(monkeypatch):
    on_device = np.zeros(2)  # stands in for a CuPy array
    monkeypatch.setattr(finite_check, "get_array_module",
                        lambda a: "cupy" if a is on_device else np)
    no_setting = MeanModel()
    assert finite_check.check_every_for(no_setting, {"w": np.zeros(2)}) == 1
    assert finite_check.check_every_for(no_setting, {"w": on_device}) == \
        finite_check.DEVICE_CHECK_EVERY
    no_setting.check_every = 3
    assert finite_check.check_every_for(no_setting, {"w": on_device}) == 3


def test_a_non_finite_step_names_itself_and_the_remedies(data):
    X, _ = data
    X = X.copy()
    X[5, 1] = np.inf  # its minibatch's loss and gradient are not finite

    model, params = MeanModel(), {"w": np.zeros(3)}
    with pytest.raises(loop.NonFiniteLossError) as info:
        loop.train(model, params, (X,), rng=np.random.default_rng(0))
    message = str(info.value)
    assert message.startswith("Non-finite loss or gradient at epoch 0, step ")
    assert message.endswith("(loss=inf). The model keeps the parameters of the last finite "
                            "step. Scale the inputs (e.g. pixels to [0, 1]) or lower "
                            "learning_rate.")
