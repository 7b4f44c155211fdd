import subprocess
import sys

import numpy as np
import pytest

import ksparse
from ksparse.cli import main


def test_demo_writes_figure_and_model(tmp_path, capsys):
    out = tmp_path / "demo"
    argv = ["demo", "--out", str(out), "--patches", "3000", "--hidden", "32",
            "--k", "4", "--epochs", "2", "--quiet"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    figure, model_path = out / "filters.png", out / "model.npz"
    assert str(figure) in printed and str(model_path) in printed
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    model = ksparse.load(model_path)
    assert model.W_.shape == (64, 32) and model.k == 4
    assert len(model.history_) == 2 and np.isfinite(model.history_[-1]["loss"])


def test_python_dash_m_shows_help():
    result = subprocess.run(
        [sys.executable, "-m", "ksparse", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert "demo" in result.stdout


def test_unknown_command_fails_with_usage(capsys):
    with pytest.raises(SystemExit) as info:
        main(["train-everything"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
