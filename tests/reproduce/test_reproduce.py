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
    report = reproduce.run(["table1"], out=str(tmp_path), quick=True,
                           command="ksparse reproduce table1 --quick")
    text = Path(report).read_text(encoding="utf-8")
    assert "quick settings" in text and "## Fake table" in text
    assert "| fake model | 1.00 | 1.35 | -0.35 | 3 |" in text
    assert calls == [True]
    # A second run reads the finished row back instead of recomputing it.
    assert Context(str(tmp_path), quick=True).results["fake/row"]["ours"] == 1.0


def test_rows_of_an_earlier_protocol_are_recomputed_and_model_times_kept(tmp_path):
    import json

    from ksparse.reproduce.context import PROTOCOL

    old = {"table1/raw": {"ours": 7.48}, "seconds/mnist-k25": 12.0}
    (tmp_path / "results.json").write_text(json.dumps(old), encoding="utf-8")
    ctx = Context(str(tmp_path))
    assert ctx.results == {"seconds/mnist-k25": 12.0}
    ctx.remember("table1/raw", {"ours": 7.37})
    again = Context(str(tmp_path)).results
    assert again == {"seconds/mnist-k25": 12.0, "table1/raw": {"ours": 7.37},
                     "protocol": PROTOCOL, "mode": "full"}


def test_run_rejects_unknown_targets(tmp_path):
    with pytest.raises(ValueError, match="unknown target"):
        reproduce.run(["table9"], out=str(tmp_path))
    assert main(["reproduce", "table9"]) == 2  # the command line: one error line, status 2


def test_context_trains_once_then_loads(tmp_path, rng):
    X = rng.standard_normal((64, 5)).astype(np.float32)
    ctx = Context(str(tmp_path))
    settings = dict(n_hidden=8, k=2, epochs=2, batch_size=16, random_state=0)
    first, seconds = ctx.autoencoder("tiny", X, **settings)
    assert seconds > 0 and os.listdir(ctx.path("models")) == ["tiny.npz"]  # no checkpoint left
    again, _ = Context(str(tmp_path)).autoencoder("tiny", X, **settings)
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

    return KSparseAutoencoder(n_hidden=12, k=2, epochs=2, random_state=0).fit(X)


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
    assert score is scores[best]
    n_active = int(round(best * model.k))  # the chosen α's codes, scored again by hand
    H_train, scale = sparse_codes(model, data.train[0], n_active)
    again = score_features((H_train, data.train[1]),
                           (sparse_codes(model, data.val[0], n_active, scale)[0], data.val[1]),
                           (sparse_codes(model, data.test[0], n_active, scale)[0], data.test[1]),
                           grid=(1e-3,))
    assert score == again


def test_score_features_refits_the_chosen_classifier_on_train_and_val(rng):
    from ksparse.classify import SoftmaxRegression

    centers = rng.standard_normal((3, 5))
    def split(n):
        y = rng.integers(0, 3, n)
        return centers[y] + rng.standard_normal((n, 5)), y
    train, val, test = split(30), split(600), split(2000)  # val holds most of the data
    score = score_features(train, val, test, grid=(1e-1, 1e-3))

    def error_of(X, y):  # an independent cold-started fit at the chosen strength
        return 1.0 - SoftmaxRegression(l2=score.l2).fit(X, y).score(*test)

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

    ctx = Context(str(tmp_path), quick=True)
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
    again = run_table3(Context(str(tmp_path), quick=True))
    assert again["rows"] == section["rows"]


def test_table3_row_times_count_each_training_once(tmp_path, rng, monkeypatch, one_epoch):
    from types import SimpleNamespace

    from ksparse import KSparseAutoencoder
    from ksparse.reproduce.table3 import run_table3

    import ksparse.reproduce.context as context
    import ksparse.reproduce.table3 as table3

    # A fake clock that moves only while a model trains: 100 s for every
    # autoencoder fit, 10 s for every layer-wise fine-tuning.
    now = [0.0]
    clock = SimpleNamespace(perf_counter=lambda: now[0])
    monkeypatch.setattr(table3, "time", clock)
    monkeypatch.setattr(context, "time", clock)
    def advancing(real, seconds):
        def run(*args, **kwargs):
            result = real(*args, **kwargs)
            now[0] += seconds
            return result
        return run
    monkeypatch.setattr(KSparseAutoencoder, "fit", advancing(KSparseAutoencoder.fit, 100.0))
    monkeypatch.setattr(table3, "layerwise_finetune", advancing(table3.layerwise_finetune, 10.0))
    ctx = Context(str(tmp_path), quick=True)
    ctx._mnist = fake_mnist(rng)
    shallow, deep = run_table3(ctx)["rows"]
    assert shallow["seconds"] == 100 + 10  # layer 1 trained for this row
    assert deep["seconds"] == 100 + 100 + 10  # layer 1's recorded time, layer 2 trained here


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

