"""The output folder as a cache across runs: targets, modes, stale checkpoints, training time."""
from pathlib import Path

import pytest

import ksparse.reproduce as reproduce
from ksparse.reproduce import TARGETS
from ksparse.reproduce.report import Row


def _fake_runner(calls):
    """A target that records which target and mode ran, and puts its mode into its row."""
    def runner_of(target):
        def fake_target(ctx):
            calls.append((target, ctx.quick))
            key = f"{target}/row"
            if key not in ctx.results:
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
