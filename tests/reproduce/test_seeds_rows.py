"""``ksparse.reproduce.seeds`` on hand-made rows: names, the spread, the summary row, the note.

Fast and exact, written against the surviving mutants of ``seeds.py`` (issue 26);
the end-to-end run of several seeds is in ``test_reproduce_seeds.py``.
"""
import numpy as np
import pytest

from ksparse.reproduce.context import Context
from ksparse.reproduce.seeds import run_rows, seed_key, seeded, seeds_note, spread


@pytest.mark.parametrize("seed, name, key", [
    (0, "mnist-k25", "table1/k25"),
    (1, "mnist-k25-seed1", "table1/k25/seed1"),
    (12, "mnist-k25-seed12", "table1/k25/seed12"),
])
def test_seed_zero_keeps_the_single_runs_names(seed, name, key):
    assert seeded("mnist-k25", seed) == name
    assert seed_key("table1/k25", seed) == key


@pytest.mark.parametrize("values, expected", [
    ([1.5], dict(n=1, mean=1.5, sd=None, min=1.5, max=1.5, ddof=1)),
    ([4.0, 2.0], dict(n=2, mean=3.0, sd=np.sqrt(2.0), min=2.0, max=4.0, ddof=1)),
    ([1.0, 2.0, 4.0], dict(n=3, mean=7 / 3, sd=np.sqrt(7 / 3), min=1.0, max=4.0, ddof=1)),
])
def test_spread_field_by_field(values, expected):
    stats = spread(values)
    assert stats.keys() == expected.keys()
    for key, value in expected.items():
        assert stats[key] == (value if value is None else pytest.approx(value)), key


ERRORS = [1.0, 2.0, 4.0]


def seeded_job(calls, seconds=(10.0, 11.0, 12.0), dead=(0, 1, 2)):
    def job(seed):
        calls.append(("a", seed))
        return dict(name="A", ours=ERRORS[seed], paper=1.5, settings=f"lr {seed}",
                    seconds=seconds[seed], dead_units=dead[seed], alpha=float(seed + 1))
    return job


def unseeded_job(calls):
    def job(seed):
        calls.append(("b", seed))
        return dict(name="B", ours=7.0, paper=7.2)
    return job


@pytest.fixture
def ctx(tmp_path, monkeypatch):
    context = Context(str(tmp_path), verbose=False, seeds=3)
    context.lines = []
    monkeypatch.setattr(context, "log", context.lines.append)
    return context


def test_run_rows_trains_each_seed_once_then_summarises(ctx):
    calls = []
    jobs = [("t/b", unseeded_job(calls), False), ("t/a", seeded_job(calls), True)]
    rows = run_rows(ctx, jobs)[::-1]
    assert calls == [("b", 0), ("a", 0), ("a", 1), ("a", 2)]
    sd = float(np.std(ERRORS, ddof=1))
    assert rows[0] == pytest.approx(dict(
        name="A", ours=7 / 3, paper=1.5, settings="seed 0: lr 0", seconds=33.0,
        dead_units=1.0, sd=sd, low=1.0, high=4.0, n_seeds=3, alpha=1.0))  # seed 0's alpha
    assert rows[1] == dict(name="B", ours=7.0, paper=7.2)
    assert ctx.results["seeds/t/a"] == dict(
        spread(ERRORS), seeds=[0, 1, 2], test_error=ERRORS, dead_units=[0, 1, 2],
        seconds=[10.0, 11.0, 12.0])
    assert sorted(k for k in ctx.results if k.startswith("t/") or k.startswith("seeds/")) == \
        ["seeds/t/a", "t/a", "t/a/seed1", "t/a/seed2", "t/b"]
    assert ctx.lines == ["t/b: 7.00 % (paper 7.2)", "t/a: 1.00 % (paper 1.5)",
                         "t/a/seed1: 2.00 % (paper 1.5)", "t/a/seed2: 4.00 % (paper 1.5)",
                         f"t/a: 2.33 ± {sd:.2f} % over 3 seeds"]
    # A second run reads every row back: nothing is computed or logged again.
    ctx.lines.clear()
    assert run_rows(ctx, jobs)[::-1] == rows and len(calls) == 4
    assert ctx.lines == [f"t/a: 2.33 ± {sd:.2f} % over 3 seeds"]


def test_a_summary_without_every_time_or_count_leaves_them_out(ctx):
    calls = []
    job = seeded_job(calls, seconds=(10.0, None, 12.0), dead=(3, 5, None))
    row, = run_rows(ctx, [("t/a", job, True)])
    assert row["seconds"] is None and row["dead_units"] is None
    ctx.results.clear()
    row, = run_rows(ctx, [("t/a", seeded_job(calls, dead=(3, 5, 10)), True)])
    assert (row["seconds"], row["dead_units"]) == (33.0, 6.0)
    ctx.results.clear()

    def without_settings(seed):
        return dict(name="A", ours=ERRORS[seed], paper=1.5)
    row, = run_rows(ctx, [("t/a", without_settings, True)])
    assert row["settings"] == "seed 0: "


def test_one_seed_keeps_the_row_as_it_is(tmp_path):
    ctx = Context(str(tmp_path), verbose=False, seeds=1)
    calls = []
    rows = run_rows(ctx, [("t/a", seeded_job(calls), True)])
    assert rows == [dict(name="A", ours=1.0, paper=1.5, settings="lr 0", seconds=10.0,
                         dead_units=0, alpha=1.0)]
    assert calls == [("a", 0)] and not any(k.startswith("seeds/") for k in ctx.results)
    assert seeds_note(ctx, [("t/a", None, True)]) == ""


NOTE = ("Rows trained from a random start show mean ± sd over seeds 0–2 (3 seeds: the "
        "random_state of the model's initialisation and minibatch order), sd being the sample "
        "standard deviation (ddof = 1), lowest–highest in brackets; their wall time is that of "
        "all seeds together, their dead units the mean. {also}Test error (%) of each seed, seed "
        "0 first:\n\n- A: {values}")


@pytest.mark.parametrize("detail, also, values", [
    (None, "", "1.00, 2.00, 4.00"),
    (lambda row: row["settings"], "The figure shows seed 0.",
     "1.00 (lr 0), 2.00 (lr 1), 4.00 (lr 2)"),
    (lambda row: "", "", "1.00, 2.00, 4.00"),
])
def test_seeds_note_lists_every_seeds_value(ctx, detail, also, values):
    calls = []
    jobs = [("t/b", unseeded_job(calls), False), ("t/a", seeded_job(calls), True)]
    run_rows(ctx, jobs)
    note = seeds_note(ctx, jobs, detail=detail, also=also) if also else \
        seeds_note(ctx, jobs, detail=detail)  # also="" by default
    assert note == \
        NOTE.format(also=also + " " if also else "", values=values)
