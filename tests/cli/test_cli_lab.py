"""``ksparse lab`` on tiny data: the table, the figure, JSON, and one-line user errors."""
import json

import pytest
from _cli_helpers import user_error
from _cli_helpers import offline  # noqa: F401 (fixture: no network)

from ksparse.cli import main

TINY = ["--atoms", "12", "--dims", "8", "--active", "2", "--rows", "300", "--epochs", "1",
        "--quiet"]


def test_lab_prints_one_row_per_model_and_draws_the_figure(tmp_path, capsys):
    out = tmp_path / "lab.png"
    assert main(["lab", *TINY, "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("data: 300 rows of 8 dims from 12 unit-norm atoms, 2 active")
    assert lines[1].split() == ["model", "recovered", "MCC", "FVU", "L0", "dead", "seconds"]
    assert [line.split()[0] for line in lines[3:6]] == ["ksparse-schedule", "topk", "ksparse"]
    assert all(line.split()[4] == "2.0" for line in lines[3:6])  # L0 = k = --active
    assert lines[-1] == f"figure: {out}"
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_lab_json_with_chosen_models(capsys):
    assert main(["lab", *TINY, "--models", "topk", "--latents", "16", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [row["model"] for row in result["rows"]] == ["topk"]
    assert result["data"]["n_atoms"] == 12 and result["figure"] is None
    row = result["rows"][0]
    assert 0 <= row["features_recovered"] <= 1 and row["l0"] == 2.0 and row["seconds"] > 0


def test_lab_accepts_every_preset_by_name(capsys):
    from ksparse.lab import PRESETS

    assert main(["lab", *TINY, "--models", ",".join(PRESETS), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [row["model"] for row in rows] == list(PRESETS)
    assert all(row["l0"] == 2.0 for row in rows if not row["model"].startswith(("batch", "jump")))


def test_lab_help_names_the_preset_families(capsys):
    with pytest.raises(SystemExit):
        main(["lab", "--help"])
    text = "".join(capsys.readouterr().out.split())  # argparse wraps at spaces and hyphens
    for name in ("batch-topk", "matryoshka", "multi-topk", "NAME-schedule", "jumprelu",
                 "(default:ksparse-schedule,topk,ksparse)"):
        assert name in text, name


@pytest.mark.parametrize("argv, fragment", [
    (["--active", "20"], "--active 20 exceeds --atoms 12"),
    (["--latents", "1"], "--active 2 exceeds --latents 1"),
    (["--models", "ksparse,nope"], "argument --models: expected names from"),
    (["--models", "topk-schedule,relu-schedule"], "got 'topk-schedule,relu-schedule'"),
    (["--coherence", "0.05"], "--coherence 0.05 is below the Welch bound"),
    (["--coherence", "0.22"], "--coherence: could not bring the coherence to 0.22 in 2000 steps"),
    (["--noise", "-1"], "argument --noise: must be a finite number >= 0"),
    (["--out", "missing/lab.png"], "the folder"),
    (["--out", "lab.txt"], "must end in .png or .pdf or .svg"),
    (["--rows", "5"], "--rows 5 is too few for --holdout 0.2"),  # 1 held-out row: no FVU
    (["--rows", "9", "--holdout", "0.85"], "--rows 9 is too few for --holdout 0.85"),
    (["--noise", "1e308"], "--noise: noise=1e+308 overflows the data"),
])
def test_lab_user_errors_are_one_line(argv, fragment, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    user_error(capsys, ["lab", *TINY, *argv], fragment)


def test_lab_reports_a_diverged_training_in_one_line_with_status_1(capsys):
    argv = [*TINY, "--epochs", "3", "--models", "topk", "--learning-rate", "1e300"]
    assert main(["lab", *argv]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ksparse: error: training diverged") and err.count("\n") == 1
