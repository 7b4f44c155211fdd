"""User errors of the command line: exit status 2 and one line on stderr, never a traceback.

Each case runs ``main([...])`` in-process on tiny files made here; dataset
cases use an empty folder with ``--no-download`` (nothing touches the network).
"""
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest
from _cli_helpers import N_FEATURES, user_error
from _cli_helpers import files, offline  # noqa: F401 (fixtures: tiny files; no network)

import ksparse
from ksparse.cli import main


@pytest.fixture(scope="module")
def bad(tmp_path_factory):
    """Files that must be refused, by name."""
    folder = tmp_path_factory.mktemp("bad")
    paths = {name: folder / name for name in ("nan.npy", "empty.npy", "flat.npy", "junk.npy",
                                              "object.npy", "two.npz", "wide.npy",
                                              "one_atom.npy", "zero_atom.npy", "labels.npy",
                                              "huge.npy", "huge.npz")}
    np.save(paths["nan.npy"], np.array([[1.0, np.nan], [0.0, 1.0]]))
    paths["empty.npy"].write_bytes(b"")
    np.save(paths["flat.npy"], np.arange(5.0))
    paths["junk.npy"].write_bytes(b"not an array" * 5)
    np.save(paths["object.npy"], np.array([{"a": 1}], dtype=object), allow_pickle=True)
    np.savez(paths["two.npz"], a=np.ones((3, 3)), b=np.ones((3, 3)))
    np.save(paths["wide.npy"], np.ones((5, N_FEATURES + 1)))
    np.save(paths["one_atom.npy"], np.ones((4, 1)))
    np.save(paths["zero_atom.npy"], np.array([[1.0, 0.0, 0.5], [0.0, 0.0, 0.5]]))
    np.save(paths["labels.npy"], np.arange(7))
    # A 144-byte file whose header declares 4 TiB: refused before anything is allocated.
    header = repr({"descr": "<f4", "fortran_order": False, "shape": (2**40, 1)}).encode()
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    huge = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + bytes(16)
    paths["huge.npy"].write_bytes(huge)
    with zipfile.ZipFile(paths["huge.npz"], "w") as archive:
        archive.writestr("X.npy", huge)
    X = np.random.default_rng(0).random((40, N_FEATURES)).astype(np.float32)
    paths["topk.npz"] = folder / "topk.npz"  # a model of another class than 'ksparse train''s
    ksparse.TopKAutoencoder(n_hidden=8, k=2, epochs=1, verbose=False).fit(X).save(
        paths["topk.npz"])
    paths["one_unit.npz"] = folder / "one_unit.npz"
    ksparse.KSparseAutoencoder(n_hidden=1, k=1, epochs=1, verbose=False).fit(X).save(
        paths["one_unit.npz"])
    (folder / "folder.npy").mkdir()
    (folder / "folder.npz").mkdir()
    paths["folder.npz"] = folder / "folder.npz"
    paths["folder.npy"] = folder / "folder.npy"
    paths["missing"] = folder / "missing"
    (folder / "empty_dir").mkdir()
    paths["empty_dir"] = folder / "empty_dir"
    return paths


ERROR_CASES = [
    (["train", "X", "--hidden", "0"], "argument --hidden: must be an integer >= 1"),
    (["train", "X", "--hidden", "4", "--k", "5"], "--k must be in [1, 4], got 5"),
    (["train", "X", "--hidden", "8", "--k", "4", "--alpha", "3"], "exceeds --hidden=8"),
    (["train", "X", "--k-start", "1", "--k", "2", "--hidden", "8"], "--k-start must be in"),
    (["train", "X", "--momentum", "1.5"], "--momentum must be in [0.0, 1.0)"),
    (["train", "X", "--optimizer", "sgd"], "invalid choice: 'sgd'"),
    (["train", "X", "--learning-rate", "abc"], "expected a finite number > 0, got 'abc'"),
    (["train", "nan.npy"], "nan.npy: Input array contains NaN"),
    (["train", "empty.npy"], "empty.npy is empty"),
    (["train", "flat.npy"], "expected a 2-D array"),
    (["train", "junk.npy"], "neither a .npy array nor a .npz archive"),
    (["train", "object.npy"], "allow_pickle=False"),
    (["train", "two.npz"], "must hold an array 'X' or a single array"),
    (["train", "huge.npy"], "huge.npy: its header declares 4398046511104 bytes of data"),
    (["train", "huge.npz"], "huge.npz (array 'X'): its header declares 4398046511104 bytes"),
    (["train", "missing.npy"], "x.npy does not exist"),
    (["train", "folder.npy"], "folder.npy is not a file"),
    (["train", "cifar"], "DATA must be one of mnist, fashion-mnist, patches"),
    (["train", "X", "--resume"], "--resume needs --checkpoint"),
    (["train", "X", "--out", "missing/m.npz"], "does not exist"),
    (["train", "mnist", "--data-dir", "missing"], "--data-dir"),
    (["train", "mnist", "--data-dir", "empty_dir", "--no-download"],
     "Dataset 'mnist' was not found"),
    (["encode", "model", "wide.npy"], "expects 16 features per example, but DATA"),
    (["encode", "missing.npz", "X"], "MODEL"),
    (["encode", "X", "X"], "not a ksparse model file"),
    (["encode", "model", "X", "--alpha", "100"], "give --alpha at most 8/2"),
    (["encode", "model", "X", "--alpha", "1e308"], "= inf units"),
    (["evaluate", "model", "X", "--alpha", "1e308"], "= inf units"),
    (["encode", "model", "X", "--out", "codes.txt"], "must end in .npz"),
    (["evaluate", "model", "nan.npy"], "NaN"),
    (["evaluate", "model", "X", "--labels", "labels.npy"], "expected a 1-D array of 60 labels"),
    (["evaluate", "model", "X", "--test-fraction", "1.5"], "between 0 and 1"),
    (["plot", "model", "--what", "histogram"], "needs DATA"),
    (["plot", "model", "--shape", "3,3"], "holds 9 values"),
    (["plot", "model", "X", "--out", "plot.gif"], "must end in .png or .pdf or .svg"),
    (["coherence", "one_atom.npy"], "at least 2 columns"),
    (["coherence", "zero_atom.npy"], "atom (column) 1 is zero"),
    (["theorem", "--n", "12"], "power of two"),
    (["theorem", "--signals", "0"], "argument --signals: must be an integer >= 1"),
    (["theorem", "--q-max", "1"], "--q-max must be > 1 and at most 1e+15"),
    (["theorem", "--q-max", "1e308"], "at most 1e+15 (further out the smallest code entry"),
    (["train", "X", "--out", "model.txt"], "--out model.txt must end in .npz"),
    (["coherence", "missing.npz"], "MODEL_OR_MATRIX"),
    (["train", "mnist", "--data-dir", "empty_dir", "--no-download"], "(--data-dir DIR on the command line)"),
    (["theorem", "--dictionary", "fourier"], "--dictionary must be one of"),
    (["demo", "--hidden", "0"], "argument --hidden"),
    (["demo", "--hidden", "8", "--k", "9"], "--k 9 exceeds --hidden 8"),
    (["demo", "--out", ""], "--out is empty"),
    (["train", "X", "--out", ""], "--out is empty"),
    # An output must not destroy an input, nor a checkpoint a saved model.
    (["train", "X", "--out", "X"], "is also an input of this command"),
    (["encode", "model", "X", "--out", "model"], "is also an input of this command"),
    (["train", "X", "--checkpoint", "model"], "exists and is not a ksparse checkpoint"),
    (["train", "X", "--hidden", "8", "--k", "2", "--alpha", "1e308"], "= inf exceeds --hidden=8"),
    (["plot", "model", "--shape", "4,2,2"], "has 2 channels (last); plot draws 1 (grey) or 3"),
    (["plot", "one_unit.npz", "X", "--what", "scatter"], "needs a model of at least 2 hidden"),
    (["evaluate", "topk.npz", "X"], "holds a TopKAutoencoder, which has no alpha"),
    (["coherence", "folder.npz"], "MODEL_OR_MATRIX /"),  # named as the argument it is
    (["reproduce", "table1", "--data-dir", "missing"], "--data-dir"),
    (["reproduce", "table1", "--no-download"], "MNIST was not found"),
    (["info", "--data-dir", "missing"], "does not exist"),
    ([], "the following arguments are required: COMMAND"),
    (["train-everything"], "invalid choice"),
]


@pytest.mark.parametrize("argv, fragment", ERROR_CASES)
def test_user_errors_end_in_one_line(argv, fragment, files, bad, capsys, monkeypatch,
                                     tmp_path):
    monkeypatch.chdir(tmp_path)
    named = {"X": files["X"], "model": files["model"], "missing": bad["missing"],
             "missing.npy": bad["missing"] / "x.npy", "missing.npz": bad["missing"] / "m.npz",
             "missing/m.npz": bad["missing"] / "m.npz", **bad}
    user_error(capsys, [named.get(a, a) for a in argv], fragment)


@pytest.mark.parametrize("value, fragment", [("torch", "KSPARSE_BACKEND must be one of"),
                                             ("cupy", "The environment variable KSPARSE_BACKEND is")])
def test_a_bad_backend_setting_is_named_without_a_repeated_prefix(value, fragment, files, capsys,
                                                                  monkeypatch):
    import sys

    from ksparse import backend

    monkeypatch.setenv("KSPARSE_BACKEND", value)
    monkeypatch.setitem(sys.modules, "cupy", None)  # CuPy unimportable, installed or not
    monkeypatch.setattr(backend, "_cupy_probe", {})
    monkeypatch.setitem(backend._state, "name", None)  # read KSPARSE_BACKEND afresh
    line = user_error(capsys, ["train", files["X"]], fragment)
    assert line.startswith("ksparse: error: " + fragment), line


def test_unreadable_file_ends_in_one_line(files, capsys, monkeypatch):
    # Simulated, since a test run as root can read any file whatever its mode.
    def refuse(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("ksparse.cli._data.open", refuse, raising=False)
    line = user_error(capsys, ["train", files["X"]], "Permission denied")
    assert str(files["X"]) in line


def test_a_bug_is_not_swallowed(files, tmp_path, monkeypatch):
    # A ValueError raised by the work itself (not by the input checks) must
    # surface with its traceback, not be mistaken for a user error.
    def broken(self, X, **kwargs):
        raise ValueError("a bug inside fit")

    monkeypatch.setattr(ksparse.KSparseAutoencoder, "fit", broken)
    with pytest.raises(ValueError, match="a bug inside fit"):
        main(["train", str(files["X"]), "--quiet", "--hidden", "4", "--k", "1",
              "--out", str(tmp_path / "m.npz")])


def test_failed_write_leaves_the_old_file(tmp_path):
    from ksparse.cli._common import write_atomically

    path = tmp_path / "out.npy"
    path.write_bytes(b"old")

    def half_then_fail(fh):
        fh.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(path, half_then_fail)
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["out.npy"]


def test_a_missing_split_names_the_splits_there_are():
    from ksparse.cli._common import UserError
    from ksparse.cli._data import Data

    X = np.zeros((4, 3))
    data = Data("patches", train=(X, None), val=(X, None))
    with pytest.raises(UserError, match=r"no test split; use --split train or --split val\."):
        data.split("test")


def test_the_gpu_hint_gives_the_readmes_install_command():
    from ksparse.backend import _GPU_HINT

    root = next(p for p in Path(__file__).resolve().parents if (p / "README.rst").exists())
    readme = (root / "README.rst").read_text(encoding="utf-8")
    assert 'python -m pip install ".[gpu]"' in _GPU_HINT
    assert 'python -m pip install ".[gpu]"' in readme


@pytest.mark.parametrize("dead, warned", [(None, False), (0, False), (20, False), (21, True),
                                          (100, True)])
@pytest.mark.parametrize("recipe, fix", [("paper", "--recipe adam"),
                                         ("centred", "--recipe adam"),
                                         ("adam", "--epochs")])
def test_dead_units_warning_only_above_a_fifth(dead, warned, recipe, fix):
    from ksparse.cli._train import dead_units_warning

    line = dead_units_warning(dead, 100, recipe)
    assert (line is not None) == warned
    if warned:
        assert line.startswith(f"{dead} of 100 hidden units are dead")
        assert fix in line and "\n" not in line


def test_training_that_leaves_most_units_dead_says_so_in_one_line(tmp_path, capsys):
    # Rows with a large shared mean and the paper's recipe on raw inputs:
    # a few units win every row.
    X = (5 + np.random.default_rng(0).random((64, 6))).astype(np.float32)
    np.save(tmp_path / "x.npy", X)
    assert main(["train", str(tmp_path / "x.npy"), "--hidden", "40", "--k", "1", "--epochs",
                 "1", "--seed", "0", "--quiet", "--recipe", "paper",
                 "--out", str(tmp_path / "m.npz")]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("ksparse: warning: ")
    assert "--recipe adam" in err[0]


def test_running_out_of_memory_ends_in_one_line(files, capsys, monkeypatch):
    def too_big(*args, **kwargs):
        raise MemoryError()

    monkeypatch.setattr("ksparse.cli._data.np.load", too_big)
    user_error(capsys, ["train", files["X"]], "not enough memory for the sizes asked for")


def test_a_folder_named_like_a_dataset_does_not_hide_the_dataset(bad, capsys, monkeypatch,
                                                                 tmp_path):
    (tmp_path / "mnist").mkdir()  # e.g. run from the data folder
    monkeypatch.chdir(tmp_path)
    user_error(capsys, ["train", "mnist", "--data-dir", bad["empty_dir"], "--no-download"],
               "Dataset 'mnist' was not found")


@pytest.mark.parametrize("command", [["encode", "{model}", "{X}"], ["plot", "{model}"],
                                     ["train", "{X}", "--quiet"]])
def test_an_out_name_too_long_for_the_folder_is_refused_before_the_work(command, files, tmp_path,
                                                                        capsys, monkeypatch):
    def no_work(*args, **kwargs):
        raise AssertionError("the work started")

    monkeypatch.setattr("ksparse.cli._data.load_model", no_work)  # nothing loaded either
    out = tmp_path / ("e" * (os.pathconf(tmp_path, "PC_NAME_MAX") - 3) + ".png")
    argv = [a.format(model=files["model"], X=files["X"]) for a in command]
    user_error(capsys, argv + ["--out", out], "the file name is longer than")


@pytest.mark.parametrize("command", [["encode", "{model}", "{X}"], ["plot", "{model}"]])
def test_an_empty_out_is_refused_not_replaced_by_the_default(command, files, tmp_path, capsys,
                                                            monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = [a.format(model=files["model"], X=files["X"]) for a in command]
    user_error(capsys, argv + ["--out", ""], "--out is empty")
    assert list(tmp_path.iterdir()) == []


def test_a_write_that_fails_at_the_end_ends_in_one_line(tmp_path, capsys, monkeypatch):
    out = tmp_path / "t.png"

    def disk_full(fig, path, **kwargs):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr("ksparse.cli._theory.save_figure", disk_full)
    line = user_error(capsys, ["theorem", "--n", "8", "--signals", "5", "--out", out],
                      "No space left on device")
    assert str(out) in line


def test_sizes_beyond_any_array_end_in_the_memory_line(files, capsys):
    user_error(capsys, ["train", files["X"], "--quiet", "--hidden", 2**60, "--k", "2"],
               "not enough memory for the sizes asked for")


def test_a_closed_stdout_ends_quietly(tmp_path):
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-m", "ksparse", "info", "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # the reader leaves before the command writes
    with process.stderr:
        err = process.stderr.read().decode()
    assert process.wait(timeout=120) == 141 and err == ""
