"""``ksparse reproduce`` on a damaged output folder: one line and exit 2, before any training."""
import json
import os

import pytest
from _cli_helpers import offline, user_error  # noqa: F401 (offline: a fixture)

import ksparse.reproduce as reproduce


def _json_text(text):
    return lambda out: (out / "results.json").write_text(text, encoding="utf-8")


def _not_utf8(out):
    (out / "results.json").write_bytes(b'{"mode": "\xff\xfe"}')


def _folder(name):
    return lambda out: (out / name).mkdir(parents=True)


def _file(name):
    return lambda out: (out / name).write_text("not a folder")


@pytest.mark.parametrize("damage, name", [
    (_json_text("{bad"), "results.json"),
    (_json_text("[]"), "results.json"),
    (_json_text("null"), "results.json"),
    (_not_utf8, "results.json"),
    (_folder("results.json"), "results.json"),
    (_file("models"), "models"),
    (_folder("report.md"), "report.md"),
    (_folder("models/mnist-k25.npz"), "models/mnist-k25.npz"),
    (_folder("models/mnist-k25.0123abcd.ckpt"), "models/mnist-k25.0123abcd.ckpt"),
])
def test_a_damaged_output_folder_is_refused_before_the_work(tmp_path, capsys, monkeypatch,
                                                           damage, name):
    def no_work(target):
        pytest.fail(f"{target} ran in a folder that should have been refused")

    monkeypatch.setattr(reproduce, "_runner", no_work)
    out = tmp_path / "rp"
    out.mkdir()
    damage(out)
    line = user_error(capsys, ["reproduce", "fig3", "--quick", "--quiet", "--out", out],
                      "move it aside")
    assert os.path.join(str(out), name) in line


def test_a_sound_output_folder_is_accepted(tmp_path, capsys, monkeypatch):
    ran = []
    monkeypatch.setattr(reproduce, "_runner",
                        lambda target: lambda ctx: ran.append(target) or {"title": target})
    out = tmp_path / "rp"
    (out / "models").mkdir(parents=True)
    (out / "results.json").write_text("{}", encoding="utf-8")
    assert reproduce.run(["fig3"], out=str(out), quick=True, verbose=False) == str(out / "report.md")
    assert ran == ["fig3"] and (out / "report.md").is_file()


def _corrupt_mnist(folder):
    """The four MNIST files, present but not IDX files."""
    folder.mkdir()
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (folder / name).write_bytes(b"junk")
    return folder


def test_a_run_refused_for_its_data_leaves_no_folder_of_its_own(tmp_path, capsys):
    data = _corrupt_mnist(tmp_path / "mnist")
    argv = ["reproduce", "table1", "--quick", "--quiet", "--no-download", "--data-dir", data]
    out = tmp_path / "rp"
    user_error(capsys, [*argv, "--out", out], "wrong magic number")
    assert not out.exists()
    out.mkdir()  # a folder the run did not make stays, without what the run added
    user_error(capsys, [*argv, "--out", out], "wrong magic number")
    assert os.listdir(out) == []
    (out / "results.json").write_text('{"seconds/x": 1.5}', encoding="utf-8")  # earlier work
    (out / "models").mkdir()
    (out / "models" / "notes.txt").write_text("kept")
    user_error(capsys, [*argv, "--out", out], "wrong magic number")
    assert sorted(os.listdir(out)) == ["models", "results.json"]
    assert os.listdir(out / "models") == ["notes.txt"]
    assert json.loads((out / "results.json").read_text())["seconds/x"] == 1.5
