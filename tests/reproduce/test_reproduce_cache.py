"""The output folder as a cache across runs: targets, modes, stale checkpoints, training time."""
import os
from pathlib import Path

import numpy as np
import pytest

import ksparse.reproduce as reproduce
from ksparse.reproduce import TARGETS
from ksparse.reproduce.report import Row


def _fake_runner(calls, computed=None):
    """A target that records which target and mode ran (and computed its row), and puts its
    mode into its row: 9 % with quick settings, 1 % with full ones."""
    def runner_of(target):
        def fake_target(ctx):
            calls.append((target, ctx.quick))
            key = f"{target}/row"
            if key not in ctx.results:
                (computed if computed is not None else []).append((target, ctx.quick))
                ours = 9.0 if ctx.quick else 1.0
                ctx.remember(key, vars(Row(f"{target} model", ours, 1.35, f"quick={ctx.quick}")))
            return {"title": target, "rows": [ctx.results[key]]}
        return fake_target
    return runner_of


@pytest.mark.parametrize("targets, expected", [
    ("table1", ["table1"]),
    ("all", list(TARGETS)),
    (("fig3", "table1"), ["fig3", "table1"]),
])
def test_run_takes_one_target_name_as_a_string(tmp_path, monkeypatch, targets, expected):
    calls = []
    monkeypatch.setattr(reproduce, "_runner", _fake_runner(calls))
    report = reproduce.run(targets, out=str(tmp_path), quick=True)
    assert [target for target, _ in calls] == expected
    text = Path(report).read_text(encoding="utf-8")
    assert f"    ksparse reproduce {' '.join(expected)}\n" in text


@pytest.mark.parametrize("targets", [5, None])
def test_run_refuses_targets_that_are_no_names(tmp_path, targets):
    with pytest.raises(TypeError, match="targets must be a target name or a sequence"):
        reproduce.run(targets, out=str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_a_full_run_never_shows_the_quick_rows_of_the_same_folder(tmp_path, monkeypatch):
    import json

    calls, computed = [], []
    monkeypatch.setattr(reproduce, "_runner", _fake_runner(calls, computed))
    def run(quick):
        report = reproduce.run(["table1"], out=str(tmp_path), quick=quick, command="c")
        return Path(report).read_text(encoding="utf-8")
    quick = run(True)
    full = run(False)
    assert computed == [("table1", True), ("table1", False)]  # the full row computed anew
    assert "| table1 model | 9.00 |" in quick and "quick settings" in quick
    assert "| table1 model | 1.00 |" in full and "9.00" not in full
    assert "quick settings" not in full
    stored = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert (stored["mode"], stored["table1/row"]["ours"]) == ("full", 1.0)
    assert stored["other_modes"]["quick"]["table1/row"]["ours"] == 9.0  # kept, not lost
    # Each mode reads its own rows back, the other mode's staying aside: nothing is
    # computed again.
    for quick, ours in ((False, "1.00"), (True, "9.00"), (True, "9.00"), (False, "1.00")):
        assert f"| table1 model | {ours} |" in run(quick)
    assert len(computed) == 2 and len(calls) == 6


@pytest.mark.parametrize("stored", [
    {"protocol": 2, "table1/row": {"ours": 9.0}},  # before rows recorded their mode
    {"protocol": 3, "table1/row": {"ours": 9.0}},  # no mode: unknown
    {"protocol": 3, "mode": "other", "table1/row": {"ours": 9.0}},
])
def test_rows_of_no_known_mode_are_recomputed_and_model_times_kept(tmp_path, stored):
    import json

    from ksparse.reproduce.context import Context

    stored = dict(stored, **{"seconds/mnist-k25": 12.0})
    (tmp_path / "results.json").write_text(json.dumps(stored), encoding="utf-8")
    for quick in (True, False):
        assert Context(str(tmp_path), quick=quick).results == {"seconds/mnist-k25": 12.0}


# ------------------------------------------------ checkpoints and training time

# 40 rows in minibatches of 8: 5 steps an epoch, 20 in all.
SETTINGS = dict(n_hidden=8, k=2, epochs=4, batch_size=8, random_state=0)


@pytest.fixture
def steps(monkeypatch):
    """Training steps that tick a fake clock by one second each, and stop on demand.

    ``steps["stop"] = (step, exception)`` raises ``exception("stopped")`` instead
    of that global step; ``steps["ran"]`` lists the steps taken; the context reads the
    fake clock, so a training's seconds are its number of steps.
    """
    import types

    from ksparse import KSparseAutoencoder
    from ksparse.reproduce import context

    state = {"stop": None, "ran": [], "clock": 0.0}
    real = KSparseAutoencoder._training_step

    def training_step(self, *args, step, **kwargs):
        if state["stop"] and step == state["stop"][0]:
            raise state["stop"][1]("stopped")
        state["ran"].append(step)
        state["clock"] += 1.0
        return real(self, *args, step=step, **kwargs)

    monkeypatch.setattr(KSparseAutoencoder, "_training_step", training_step)
    monkeypatch.setattr(context, "time", types.SimpleNamespace(perf_counter=lambda: state["clock"]))
    return state


def _interrupted(ctx, steps, name, X, at, exception=KeyboardInterrupt,
                 match="training interrupted", **settings):
    """Train ``name`` in ``ctx`` until step ``at``, where ``exception`` stops it."""
    steps["stop"] = (at, exception)
    with pytest.raises(exception, match=match):
        ctx.autoencoder(name, X, **settings)
    steps["stop"] = None


def _fresh(X, **settings):
    from ksparse import KSparseAutoencoder

    return KSparseAutoencoder(**settings).fit(X)


def _leftover_of_other_settings(ctx, steps, X):
    _interrupted(ctx, steps, "m", X, 3, **dict(SETTINGS, epochs=2))  # e.g. a --quick run


def _leftover_of_an_older_ksparse(ctx, steps, X):
    from ksparse import KSparseAutoencoder

    steps["stop"] = (3, KeyboardInterrupt)
    with pytest.raises(KeyboardInterrupt, match="checkpoint saved"):  # named as before digests
        KSparseAutoencoder(**dict(SETTINGS, epochs=2)).fit(X, checkpoint=ctx.path(
            "models", "m.ckpt"))
    steps["stop"] = None


def _damaged_leftover_of_these_settings(ctx, steps, X):
    _interrupted(ctx, steps, "m", X, 3, **SETTINGS)
    [leftover] = os.listdir(ctx.path("models"))
    Path(ctx.path("models", leftover)).write_bytes(b"not a checkpoint")


@pytest.mark.parametrize("leftover", [_leftover_of_other_settings, _leftover_of_an_older_ksparse,
                                      _damaged_leftover_of_these_settings])
def test_a_checkpoint_the_run_cannot_resume_is_discarded_and_the_model_trained_afresh(
        tmp_path, rng, steps, leftover):
    from ksparse.reproduce.context import Context

    X = rng.random((40, 10))
    ctx = Context(str(tmp_path))
    leftover(ctx, steps, X)
    assert [f for f in os.listdir(ctx.path("models")) if f.endswith(".ckpt")]
    steps["ran"].clear()
    model, seconds = ctx.autoencoder("m", X, **SETTINGS)
    assert steps["ran"] == list(range(20))  # every step, from the start
    assert seconds == 20.0 and ctx.results["seconds/m"] == 20.0  # this training's alone
    assert "training/m" not in Context(str(tmp_path)).results
    expected = _fresh(X, **SETTINGS)
    for name in ("W_", "b_", "b_prime_"):
        np.testing.assert_array_equal(getattr(model, name), getattr(expected, name))
    assert os.listdir(ctx.path("models")) == ["m.npz"]


@pytest.mark.parametrize("stop, checkpointed", [
    ((18, KeyboardInterrupt, "training interrupted"), 18),  # Ctrl-C: saved where it stopped
    ((7, RuntimeError, "stopped"), 5),  # a crash: the checkpoint of the last epoch
])
def test_a_resumed_training_counts_the_time_of_every_session(tmp_path, rng, steps, stop,
                                                             checkpointed):
    from ksparse.reproduce.context import Context

    X = rng.random((40, 10))
    _interrupted(Context(str(tmp_path / "a")), steps, "m", X, *stop, **SETTINGS)
    steps["ran"].clear()
    model, seconds = Context(str(tmp_path / "a")).autoencoder("m", X, **SETTINGS)
    assert steps["ran"] == list(range(checkpointed, 20))  # resumed, not restarted
    # The same training in one session, timed by the same clock.
    _, one_session = Context(str(tmp_path / "b")).autoencoder("m", X, **SETTINGS)
    assert seconds == one_session == 20.0
    again = Context(str(tmp_path / "a"))
    assert again.results["seconds/m"] == 20.0 and "training/m" not in again.results
    assert again.autoencoder("m", X, **SETTINGS)[1] == 20.0  # loaded, with its time
    np.testing.assert_array_equal(model.W_, _fresh(X, **SETTINGS).W_)
