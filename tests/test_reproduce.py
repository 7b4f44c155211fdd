"""The reproduction machinery on fake runs: report tables, caching, resuming."""
import os
from pathlib import Path

import numpy as np
import pytest

import ksparse.reproduce as reproduce
from ksparse.cli import main
from ksparse.reproduce.context import Context
from ksparse.reproduce.features import choose_alpha, score_features, sparse_codes
from ksparse.reproduce.report import Row, format_table, write_report


def test_format_table_puts_ours_next_to_the_paper():
    rows = [Row("k = 25", 1.30, 1.35, "200 epochs", 0, 600.0), Row("raw pixels", 7.5, None),
            Row("same", 1.35 - 1e-12, 1.35)]
    lines = format_table(rows).splitlines()
    assert "| same | 1.35 | 1.35 | +0.00 |" in lines[4]
    assert lines[0].startswith("| model | ours (test error %) | paper (%) | difference")
    assert lines[2] == "| k = 25 | 1.30 | 1.35 | -0.05 | 0 | 10.0 min | 200 epochs |"
    assert lines[3] == "| raw pixels | 7.50 | – | – | – | – |  |"


def test_write_report_is_complete_and_atomic(tmp_path):
    sections = [{"title": "Table 1", "rows": [vars(Row("k = 10", 2.2, 2.1))],
                 "text": "note", "figures": ["fig1.png"]}]
    path = write_report(tmp_path / "report.md", "Title", sections, command="ksparse reproduce table1")
    text = Path(path).read_text(encoding="utf-8")
    assert text.startswith("# Title\n")
    assert "    ksparse reproduce table1" in text
    assert "| k = 10 | 2.20 | 2.10 | +0.10 |" in text
    assert "![fig1.png](fig1.png)" in text and "Backend: numpy" in text
    assert os.listdir(tmp_path) == ["report.md"]


def test_run_writes_the_table_of_a_fake_target(tmp_path, monkeypatch):
    calls = []

    def fake_target(ctx):
        calls.append(ctx.quick)
        if "fake/row" not in ctx.results:
            ctx.remember("fake/row", vars(Row("fake model", 1.0, 1.35, "fake", 3, 1.0)))
        return {"title": "Fake table", "rows": [ctx.results["fake/row"]]}

    monkeypatch.setattr(reproduce, "_runner", lambda target: fake_target)
    report = reproduce.run(["table1"], out=str(tmp_path), quick=True, verbose=False,
                           command="ksparse reproduce table1 --quick")
    text = Path(report).read_text(encoding="utf-8")
    assert "quick settings" in text and "## Fake table" in text
    assert "| fake model | 1.00 | 1.35 | -0.35 | 3 |" in text
    assert calls == [True]
    # A second run reads the finished row back instead of recomputing it.
    assert Context(str(tmp_path)).results["fake/row"]["ours"] == 1.0


def test_rows_of_an_earlier_protocol_are_recomputed_and_model_times_kept(tmp_path):
    import json

    from ksparse.reproduce.context import PROTOCOL

    old = {"table1/raw": {"ours": 7.48}, "seconds/mnist-k25": 12.0}
    (tmp_path / "results.json").write_text(json.dumps(old), encoding="utf-8")
    ctx = Context(str(tmp_path), verbose=False)
    assert ctx.results == {"seconds/mnist-k25": 12.0}
    ctx.remember("table1/raw", {"ours": 7.37})
    again = Context(str(tmp_path), verbose=False).results
    assert again == {"seconds/mnist-k25": 12.0, "table1/raw": {"ours": 7.37},
                     "protocol": PROTOCOL}


def test_run_rejects_unknown_targets(tmp_path):
    with pytest.raises(ValueError, match="unknown target"):
        reproduce.run(["table9"], out=str(tmp_path), verbose=False)
    assert main(["reproduce", "table9"]) == 2  # the command line: one error line, status 2


def test_context_trains_once_then_loads(tmp_path, rng):
    X = rng.standard_normal((64, 5)).astype(np.float32)
    ctx = Context(str(tmp_path), verbose=False)
    settings = dict(n_hidden=8, k=2, epochs=2, batch_size=16, random_state=0)
    first, seconds = ctx.autoencoder("tiny", X, **settings)
    assert seconds > 0 and not os.path.exists(ctx.path("models", "tiny.ckpt"))
    again, _ = Context(str(tmp_path), verbose=False).autoencoder("tiny", X, **settings)
    assert np.array_equal(again.W_, first.W_)
    other, _ = ctx.autoencoder("tiny", X, **dict(settings, k=3))  # settings changed: retrain
    assert other.k == 3


def test_sparse_codes_keep_alpha_k_units_at_unit_rms(rng):
    X = rng.standard_normal((50, 6))
    model = ksparse_model(rng, X)
    H, scale = sparse_codes(model, X, 4)
    assert np.all(np.diff(H.indptr) == 4)
    assert np.isclose(np.sqrt(np.mean(H.data**2)), 1.0)
    H_other, same = sparse_codes(model, X[:10], 4, scale)
    assert same == scale
    np.testing.assert_allclose(H_other.toarray(), H[:10].toarray(), rtol=1e-6)
    assert model.alpha == 1.0  # restored


def ksparse_model(rng, X):
    from ksparse import KSparseAutoencoder

    return KSparseAutoencoder(n_hidden=12, k=2, epochs=2, random_state=0, verbose=False).fit(X)


def test_choose_alpha_picks_the_lowest_validation_error(rng):
    class Data:
        pass

    centers = rng.standard_normal((2, 6)) * 3
    def split(n):
        y = rng.integers(0, 2, n)
        return centers[y] + rng.standard_normal((n, 6)), y
    data = Data()
    data.train, data.val, data.test = split(200), split(100), split(100)
    model = ksparse_model(rng, data.train[0])
    best, score, scores = choose_alpha(model, data, (1.0, 2.0, 7.0), grid=(1e-3,))
    assert set(scores) == {1.0, 2.0}  # 7 * 2 > 12 hidden units: skipped
    assert scores[best].val_error == min(s.val_error for s in scores.values())
    assert 0 <= score.test_error <= 0.5


def test_score_features_refits_the_chosen_classifier_on_train_and_val(rng):
    from ksparse.classify import SoftmaxRegression

    centers = rng.standard_normal((3, 5))
    def split(n):
        y = rng.integers(0, 3, n)
        return centers[y] + rng.standard_normal((n, 5)), y
    train, val, test = split(30), split(600), split(2000)  # val holds most of the data
    score = score_features(train, val, test, grid=(1e-1, 1e-3))

    def error_of(X, y):  # an independent cold-started fit at the chosen strength
        return 1.0 - SoftmaxRegression(l2=score.l2, verbose=False).fit(X, y).score(*test)

    both = (np.concatenate([train[0], val[0]]), np.concatenate([train[1], val[1]]))
    assert score.test_error == pytest.approx(error_of(*both), abs=1e-3)
    assert score.train_only_test_error == pytest.approx(error_of(*train), abs=1e-3)
    assert score.test_error < score.train_only_test_error  # 20 times the data helps
    kept = score_features(train, val, test, grid=(1e-1, 1e-3), refit=False)
    assert kept.test_error == kept.train_only_test_error == score.train_only_test_error


def fake_mnist(rng, n_classes=3, noise=0.3):
    """MNIST-shaped blobs: 784 features in [0, 1], a few hundred rows per split."""
    class Data:
        pass

    centers = rng.random((n_classes, 784)) < 0.2
    def split(n):
        y = rng.integers(0, n_classes, n)
        X = np.clip(centers[y] + noise * rng.standard_normal((n, 784)), 0, 1)
        return X.astype(np.float32), y
    data = Data()
    data.train, data.val, data.test = split(200), split(60), split(60)
    return data


@pytest.fixture
def one_epoch(monkeypatch):
    """Quick mode with autoencoders of one epoch: what is checked does not need more."""
    from ksparse.reproduce import table1

    monkeypatch.setitem(table1.SETTINGS, "quick", dict(
        table1.SETTINGS["quick"], epochs=1, literal_epochs=1))


def test_table3_quick_on_fake_data_records_rows_curves_and_figure(tmp_path, rng, monkeypatch,
                                                                  one_epoch):
    from ksparse.finetune import SparseMLPClassifier
    from ksparse.reproduce.features import codes
    from ksparse.reproduce.table3 import run_table3

    import ksparse.reproduce.table3 as table3

    ctx = Context(str(tmp_path), quick=True, verbose=False)
    ctx._mnist = data = fake_mnist(rng)
    seen = []  # (rows trained on, monitored set) of every fine-tuning
    real = table3.layerwise_finetune
    def spy(net, X, y, **kwargs):
        seen.append((X.shape[0], kwargs["X_val"] is data.test[0]))
        return real(net, X, y, **kwargs)
    monkeypatch.setattr(table3, "layerwise_finetune", spy)
    section = run_table3(ctx)
    assert seen == [(200 + 60, True)] * 2  # train + validation; the test split only monitored
    assert [r["paper"] for r in section["rows"]] == [1.08, 0.97]
    shallow, deep = ctx.results["curves/table3/shallow"], ctx.results["curves/table3/deep"]
    assert [(c["stage"], c["epoch"]) for c in shallow] == [(0, 1), (1, 1), (1, 2)]
    assert [(c["stage"], c["epoch"]) for c in deep] == [(0, 1), (1, 1), (2, 1), (2, 2)]
    # Errors count mistakes among the 60 test rows; a row's error (in %) and its
    # curve's last monitored error are both measured at the final weights.
    errors = np.array([c["test_error"] for c in shallow + deep]) * 60
    np.testing.assert_allclose(errors, np.round(errors), atol=1e-9)
    for row, curve in zip(section["rows"], (shallow, deep)):
        assert row["ours"] == pytest.approx(100 * curve[-1]["test_error"], abs=1e-9)
    assert section["figures"] == ["table3_curves.png"]
    assert os.path.getsize(ctx.path("table3_curves.png")) > 0
    # The second layer was pre-trained on the first layer's α·k = 75 codes.
    first = ksparse_load(ctx.path("models", "mnist-k25-adam.npz"))
    second = ksparse_load(ctx.path("models", "mnist-k25-adam-layer2.npz"))
    assert first.optimizer == second.optimizer == "adam"
    codes_ = codes(first, ctx._mnist.train[0], 3.0)
    assert np.all((codes_ != 0).sum(axis=1) == 75) and first.alpha == 1.0
    np.testing.assert_allclose(second.mean_, codes_.mean(axis=0), rtol=1e-5, atol=1e-6)
    # A second run reads everything back: nothing is trained again.
    monkeypatch.setattr(SparseMLPClassifier, "fit", lambda *a, **k: pytest.fail("retrained"))
    again = run_table3(Context(str(tmp_path), quick=True, verbose=False))
    assert again["rows"] == section["rows"]


def ksparse_load(path):
    import ksparse

    return ksparse.load(path)


def test_most_used_orders_units_by_how_often_they_are_selected(rng):
    from ksparse.reproduce.figures import most_used

    X = rng.standard_normal((300, 6)).astype(np.float32)
    model = ksparse_model(rng, X)
    H = model.transform(X)
    counts = (H != 0).sum(axis=0)  # the slow obvious count
    order = most_used(model, X, 5)
    assert len(order) == 5 and len(set(order)) == 5
    assert list(counts[order]) == sorted(counts, reverse=True)[:5]


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


AUTOENCODER_ROWS = ("table1/literal-k25", "table1/k40", "table1/k25", "table1/k10")


def test_seeds_train_once_each_and_report_their_spread(tmp_path, tiny_table1, monkeypatch):
    import json

    import ksparse.reproduce.table1 as table1

    out = str(tmp_path)
    def run(seeds):
        reproduce.run(["table1"], out=out, quick=True, verbose=False, seeds=seeds,
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
    monkeypatch.setattr(table1, "choose_alpha", lambda *a, **k: pytest.fail("scored again"))
    again = run(2)
    assert tiny_table1 == [0] * 4 + [1] * 4
    assert {k: v for k, v in again.items() if k != "machines"} == \
        {k: v for k, v in both.items() if k != "machines"}


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_bad_seeds_are_one_line_errors(value, capsys, tmp_path):
    from _cli_helpers import user_error

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
        ctx = Context(str(tmp_path), quick=True, verbose=False, seeds=seeds)
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
    import json

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
    reproduce.run(["table1"], out=str(tmp_path), verbose=False, threads=wanted, command="c")
    assert seen == [[wanted] * len(before)] and blas_threads() == before
    machine = json.loads((tmp_path / "results.json").read_text())["machines"][-1]
    assert [lib["threads"] for lib in machine["libraries"] if lib["kind"] == "blas"] == \
        seen[0]
    assert f"threads: {wanted}" in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_threads_without_threadpoolctl_are_refused_with_the_variable_to_set(
        monkeypatch, capsys, tmp_path):
    from _cli_helpers import user_error

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
    ctx = Context(str(tmp_path), verbose=False)
    ctx.note_machine(now)
    ctx.note_machine(other)
    assert ctx.note_machine(now) == [other, now]
    assert Context(str(tmp_path), verbose=False).results["machines"] == [other, now]
    text = render_report("T", [], machines=[other, now])
    assert "computed under" in text and f"with {other['cpu_count']} CPU(s)" in text
    assert "computed under" not in render_report("T", [], machines=[now])
