"""``ksparse reproduce --seeds N`` and ``--threads N`` on fake runs; the machine context."""
import json

import numpy as np
import pytest
from _cli_helpers import user_error
from test_reproduce import fake_mnist, ksparse_load, one_epoch  # noqa: F401 (a fixture)

import ksparse.reproduce as reproduce
from ksparse.reproduce.context import Context
from ksparse.reproduce.report import Row, format_table


# ------------------------------------------------------------------ several seeds

def test_spread_is_the_sample_standard_deviation():
    from ksparse.reproduce.seeds import spread

    stats = spread([1.0, 2.0, 4.0])
    assert stats["mean"] == pytest.approx(7 / 3)
    # Hand-computed: squared deviations 16/9 + 1/9 + 25/9 = 42/9, over n - 1 = 2.
    assert stats["sd"] == pytest.approx(np.sqrt(42 / 9 / 2))
    assert (stats["min"], stats["max"], stats["n"], stats["ddof"]) == (1.0, 4.0, 3, 1)
    assert spread([1.5])["sd"] is None  # no spread from one seed


def test_format_table_shows_mean_sd_and_range_of_seeds():
    rows = [Row("k = 25", 1.30, 1.35, "seed 0: x", 2.5, 60.0, sd=0.05, low=1.25, high=1.4,
                n_seeds=3), Row("raw pixels", 7.5, 7.2)]
    lines = format_table(rows).splitlines()
    assert "mean ± sd (min–max, seeds)" in lines[0]
    assert lines[2] == ("| k = 25 | 1.30 ± 0.05 (1.25–1.40, 3 seeds) | 1.35 | -0.05 | 2 | "
                        "1.0 min | seed 0: x |")
    assert lines[3].startswith("| raw pixels | 7.50 | 7.20 | +0.30 |")


@pytest.fixture
def tiny_table1(monkeypatch, rng, one_epoch):
    """Table 1's quick mode cut to one epoch on noisy fake MNIST; counts autoencoder fits."""
    from ksparse import KSparseAutoencoder
    from ksparse.reproduce import table1

    # A strong L2 keeps L-BFGS short on 200 noisy rows; the noise makes seeds differ.
    monkeypatch.setitem(table1.SETTINGS, "quick", dict(table1.SETTINGS["quick"],
                                                       l2_grid=(1e-1,)))
    data = fake_mnist(rng, noise=1.0)
    monkeypatch.setattr(Context, "mnist", lambda self: data)
    fits = []
    real_fit = KSparseAutoencoder.fit
    def counting_fit(model, *args, **kwargs):
        fits.append(model.random_state)
        return real_fit(model, *args, **kwargs)
    monkeypatch.setattr(KSparseAutoencoder, "fit", counting_fit)
    return fits


AUTOENCODER_ROWS = ("table1/literal-k25", "table1/k40", "table1/k25", "table1/k10",
                    "table1/rbm", "table1/dropout", "table1/denoising",
                    "table1/dropout-denoising")


def test_seeds_train_once_each_and_report_their_spread(tmp_path, tiny_table1, monkeypatch):
    import ksparse.reproduce.table1 as table1

    out = str(tmp_path)
    def run(seeds):
        reproduce.run(["table1"], out=out, quick=True, seeds=seeds,
                      command=f"ksparse reproduce table1 --seeds {seeds}")
        return json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    single = run(1)
    assert tiny_table1 == [0] * 4 and not any(k.startswith("seeds/") for k in single)
    model_file = tmp_path / "models" / "mnist-k25.npz"
    model_bytes = model_file.read_bytes()
    both = run(2)
    assert tiny_table1 == [0] * 4 + [1] * 4  # only seed 1 was trained
    assert model_file.read_bytes() == model_bytes  # seed 0's model: today's file, kept
    seed0, seed1 = (ksparse_load(tmp_path / "models" / f) for f in
                    ("mnist-k25.npz", "mnist-k25-seed1.npz"))
    assert (seed0.random_state, seed1.random_state) == (0, 1)
    assert not np.allclose(seed0.W_, seed1.W_)
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    for key in AUTOENCODER_ROWS:
        assert both[key] == single[key]  # seed 0's row is the single run's
        values = [both[key]["ours"], both[f"{key}/seed1"]["ours"]]
        stats = both[f"seeds/{key}"]
        assert stats["test_error"] == values and stats["seeds"] == [0, 1]
        assert stats["mean"] == pytest.approx(np.mean(values))
        assert stats["sd"] == pytest.approx(np.std(values, ddof=1))
        assert (stats["min"], stats["max"]) == (min(values), max(values))
        assert (f"| {both[key]['name']} | {np.mean(values):.2f} ± "
                f"{np.std(values, ddof=1):.2f} ({min(values):.2f}–{max(values):.2f}, "
                "2 seeds) |") in report
    assert any(both[f"seeds/{key}"]["sd"] > 0 for key in AUTOENCODER_ROWS)
    assert "table1/raw/seed1" not in both  # no randomness: computed once
    assert "ddof = 1" in report and f"NumPy {np.__version__}" in report
    assert both["machines"][-1]["numpy"] == np.__version__
    # A third run reads everything back: nothing is trained or scored again.
    import ksparse.reproduce.baselines as baselines

    monkeypatch.setattr(table1, "choose_alpha", lambda *a, **k: pytest.fail("scored again"))
    monkeypatch.setattr(baselines, "score_model", lambda *a, **k: pytest.fail("scored again"))
    again = run(2)
    assert tiny_table1 == [0] * 4 + [1] * 4
    assert {k: v for k, v in again.items() if k != "machines"} == \
        {k: v for k, v in both.items() if k != "machines"}


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_bad_seeds_are_one_line_errors(value, capsys, tmp_path):
    user_error(capsys, ["reproduce", "table1", "--seeds", value, "--out",
                        tmp_path / "out"], "--seeds")
    assert not (tmp_path / "out").exists()
    with pytest.raises(ValueError, match="seeds must be an integer >= 1"):
        reproduce.run(["table1"], out=str(tmp_path / "out"), seeds=0 if value == "0" else -1)
    assert not (tmp_path / "out").exists()


def test_table3_seeds_start_from_that_seeds_autoencoders(tmp_path, rng, monkeypatch,
                                                          one_epoch):
    from ksparse import KSparseAutoencoder
    from ksparse.finetune import SparseMLPClassifier
    from ksparse.reproduce import table3

    monkeypatch.setitem(table3.SETTINGS, "quick", dict(shallow_epochs=(1, 1),
                                                       deep_epochs=(1, 1, 1)))
    data = fake_mnist(rng, noise=1.0)
    def context(seeds):
        ctx = Context(str(tmp_path), quick=True, seeds=seeds)
        ctx._mnist = data
        return ctx
    single = table3.run_table3(context(1))
    first = context(1).results
    fits, nets = [], []  # random_state of every autoencoder fit and network built
    real_fit, real_build = KSparseAutoencoder.fit, SparseMLPClassifier.from_autoencoders
    def fit(model, *args, **kwargs):
        fits.append(model.random_state)
        return real_fit(model, *args, **kwargs)
    def build(autoencoders, **params):
        nets.append((params["random_state"], [ae.random_state for ae in autoencoders]))
        return real_build(autoencoders, **params)
    monkeypatch.setattr(KSparseAutoencoder, "fit", fit)
    monkeypatch.setattr(SparseMLPClassifier, "from_autoencoders", build)
    ctx = context(2)
    both = table3.run_table3(ctx)
    assert fits == [1, 1]  # layers 1 and 2 of seed 1; seed 0's are read back
    assert nets == [(1, [1]), (1, [1, 1])]
    for name, row in zip(("shallow", "deep"), both["rows"]):
        key = f"table3/{name}"
        assert ctx.results[key] == first[key]  # seed 0 is the single run
        values = [first[key]["ours"], ctx.results[f"{key}/seed1"]["ours"]]
        assert ctx.results[f"seeds/{key}"]["test_error"] == values
        assert row["ours"] == pytest.approx(np.mean(values)) and row["n_seeds"] == 2
        assert row["sd"] == pytest.approx(np.std(values, ddof=1))
        # Seed 0's curve is the figure's; seed 1 keeps its own.
        assert ctx.results[f"curves/{key}"] == first[f"curves/{key}"]
        assert len(ctx.results[f"curves/{key}/seed1"]) == len(first[f"curves/{key}"])
    assert single["figures"] == both["figures"] == ["table3_curves.png"]
    assert "seeds 0–1" in both["text"] and "ddof = 1" in both["text"]


# ------------------------------------------------------------ machine context, threads

def test_threads_limit_blas_during_the_run_only(tmp_path, monkeypatch):
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas_threads():
        return [i["num_threads"] for i in threadpoolctl.threadpool_info()
                if i["user_api"] == "blas"]
    before, seen = blas_threads(), []
    def fake_target(ctx):
        seen.append(blas_threads())
        return {"title": "Fake", "text": "nothing"}
    monkeypatch.setattr(reproduce, "_runner", lambda target: fake_target)
    # 3 differs from the default of a 2-core machine and is allowed by OpenBLAS.
    wanted = 3 if before != [3] * len(before) else 2
    reproduce.run(["table1"], out=str(tmp_path), threads=wanted, command="c")
    assert seen == [[wanted] * len(before)] and blas_threads() == before
    machine = json.loads((tmp_path / "results.json").read_text())["machines"][-1]
    assert [lib["threads"] for lib in machine["libraries"] if lib["kind"] == "blas"] == \
        seen[0]
    assert f"threads: {wanted}" in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_threads_without_threadpoolctl_are_refused_with_the_variable_to_set(
        monkeypatch, capsys, tmp_path):
    from ksparse.reproduce import machine

    monkeypatch.setattr(machine, "_has_threadpoolctl", lambda: False)
    user_error(capsys, ["reproduce", "table1", "--threads", "2", "--out", tmp_path / "out"],
               "--threads: threads=2 needs threadpoolctl")
    with pytest.raises(ValueError, match="set OPENBLAS_NUM_THREADS=2"):
        reproduce.run(["table1"], out=str(tmp_path / "out"), threads=2)
    assert not (tmp_path / "out").exists()


def test_machine_context_without_threadpoolctl_reads_numpy_and_the_environment(monkeypatch):
    from ksparse.reproduce import machine

    monkeypatch.setattr(machine, "_has_threadpoolctl", lambda: False)
    for name in machine.THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    context = machine.machine_context()
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    assert context["libraries"] == [{"api": blas["name"], "version": blas["version"],
                                     "threads": None, "kind": "blas"}]
    assert context["env"] == {"OMP_NUM_THREADS": "1"}
    assert context["source"] == "numpy.show_config" and context["numpy"] == np.__version__
    line = machine.format_machine(context)
    assert f"{blas['name']} {blas['version']} (threads: OMP_NUM_THREADS=1)" in line
    assert line.startswith("Backend: numpy; NumPy ")


def test_a_folder_remembers_each_machine_context_latest_last(tmp_path):
    from ksparse.reproduce.machine import machine_context
    from ksparse.reproduce.report import render_report

    now = machine_context()
    other = dict(now, cpu_count=(now["cpu_count"] or 1) + 64)
    ctx = Context(str(tmp_path))
    ctx.note_machine(now)
    ctx.note_machine(other)
    assert ctx.note_machine(now) == [other, now]
    assert Context(str(tmp_path)).results["machines"] == [other, now]
    text = render_report("T", [], machines=[other, now])
    assert "computed under" in text and f"with {other['cpu_count']} CPU(s)" in text
    assert "computed under" not in render_report("T", [], machines=[now])


def test_threads_beyond_a_c_int_are_refused_by_name():
    from ksparse.reproduce.machine import check_threads

    with pytest.raises(ValueError, match="threads must be at most 2147483647"):
        check_threads(2**31)
