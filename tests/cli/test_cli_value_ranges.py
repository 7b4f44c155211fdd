"""Values the fuzzing found past the CLI's checks: one line and exit 2, before any work.

Data finite in float64 but not in a float32 model's dtype, float labels
beyond the integers a float holds, object arrays given as labels,
NumPy's size errors in ``lab`` that were blamed on --coherence, and a
model whose huge but finite weights give codes that are not finite.
"""
import json

import numpy as np
import pytest
from _cli_helpers import N_FEATURES, user_error
from _cli_helpers import files, offline  # noqa: F401 (fixtures: tiny files; no network)

import ksparse


@pytest.fixture(scope="module")
def values(tmp_path_factory):
    """Files of 60 rows (as the tiny model's data) holding the values refused, by name."""
    folder = tmp_path_factory.mktemp("values")
    paths = {name: folder / f"{name}.npy" for name in
             ("big", "huge", "negative", "fits", "float_labels", "object_labels", "object_X")}
    X = np.ones((60, N_FEATURES))  # float64
    for name, value in (("big", 1e39), ("huge", 1e300), ("negative", -1e39), ("fits", 3e38)):
        Z = X.copy()
        Z[7, 3] = value
        np.save(paths[name], Z)
    np.save(paths["float_labels"], np.array([0.0, 1e300, 2e300] * 20))  # integer-valued
    np.save(paths["object_labels"], np.arange(60).astype(object))  # pickle: under 8 B an item
    np.save(paths["object_X"], X.astype(object))
    return paths


@pytest.mark.parametrize("name, shown", [("big", "1e+39"), ("huge", "1e+300"),
                                         ("negative", "1e+39")])
@pytest.mark.parametrize("command", [["encode"], ["evaluate"],
                                     ["plot", "--what", "histogram"]])
def test_data_beyond_float32_is_refused_for_a_float32_model(files, values, tmp_path, capsys,
                                                            command, name, shown):
    assert ksparse.load(files["model"]).W_.dtype == np.float32
    out = tmp_path / ("h.png" if command[0] == "plot" else "codes.npz")
    argv = [command[0], files["model"], values[name], *command[1:]]
    if command[0] != "evaluate":
        argv += ["--out", out]
    line = user_error(capsys, argv, f"DATA {values[name]} holds values up to {shown}")
    assert f"beyond the float32 range of MODEL {files['model']}" in line
    assert not out.exists()


def test_data_within_float32_is_encoded(files, values, tmp_path):
    out = tmp_path / "codes.npz"
    assert ksparse.cli.main(["encode", str(files["model"]), str(values["fits"]),
                             "--out", str(out)]) == 0
    assert out.exists()


def test_train_refuses_data_beyond_its_dtype(files, values, tmp_path, capsys):
    out = tmp_path / "m.npz"
    argv = ["train", values["big"], "--hidden", 4, "--k", 2, "--epochs", 1, "--quiet",
            "--dtype", "float32", "--out", out]
    user_error(capsys, argv, "beyond the float32 range of --dtype")
    assert not out.exists()
    argv[argv.index("float32")] = "float64"  # float64 holds 1e39
    assert ksparse.cli.main([str(a) for a in argv]) == 0


def test_float_labels_beyond_2_to_53_are_refused(files, values, capsys):
    user_error(capsys, ["evaluate", files["model"], files["X"], "--labels",
                        values["float_labels"]],
               f"--labels {values['float_labels']}: float labels must lie within +-2**53")


@pytest.mark.parametrize("argv, option, name", [
    (["evaluate", "MODEL", "X", "--labels"], "--labels", "object_labels"),
    (["encode", "MODEL"], "DATA", "object_X"),
])
def test_object_arrays_are_refused_as_objects(files, values, capsys, argv, option, name):
    argv = [{"MODEL": files["model"], "X": files["X"]}.get(a, a) for a in argv]
    user_error(capsys, [*argv, values[name]],
               f"{option} {values[name]}: Object arrays cannot be loaded when allow_pickle=False")


@pytest.mark.parametrize("extra", [[], ["--coherence", "0.9"]])
def test_lab_sizes_beyond_any_array_do_not_blame_coherence(capsys, extra):
    line = user_error(capsys, ["lab", "--atoms", 10**30, "--rows", 300, "--epochs", 1,
                               "--quiet", *extra], "not enough memory")
    assert "--coherence" not in line


def _scaled_model(files, folder, largest):
    """The tiny float32 model with W scaled to reach ``largest``: finite weights, re-saved."""
    arrays = dict(np.load(files["model"], allow_pickle=False))
    W = arrays["W_"]
    arrays["W_"] = (W / np.abs(W).max() * largest).astype(np.float32)
    path = folder / f"w{largest:g}.npz"
    np.savez(path, **arrays)
    return path


@pytest.mark.filterwarnings("error::RuntimeWarning")  # NumPy's overflow warning: none either
@pytest.mark.parametrize("command", [["encode"], ["evaluate", "--labels", "Y"],
                                     ["plot", "--what", "histogram"],
                                     ["plot", "--what", "scatter"],
                                     ["plot", "--what", "mean-activation"],
                                     ["plot", "--what", "reconstructions"]])
def test_codes_that_overflow_are_refused_before_any_output(files, tmp_path, capsys, command):
    model = _scaled_model(files, tmp_path, 3e38)
    out = tmp_path / ("f.png" if command[0] == "plot" else "codes.npz")
    argv = [command[0], model, files["X"], *[files["y"] if a == "Y" else a for a in command[1:]]]
    if command[0] != "evaluate":
        argv += ["--out", out]
    line = user_error(capsys, argv, "MODEL gives codes that are not finite (NaN or infinity) "
                                    "for DATA: its weights reach 3e+38 in magnitude")
    assert "overflows float32" in line
    assert not out.exists()


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_huge_weights_still_draw_filters_and_report_an_infinite_error(files, tmp_path, capsys):
    out = tmp_path / "f.png"
    argv = ["plot", _scaled_model(files, tmp_path, 3e38), files["X"], "--out", out]
    assert ksparse.cli.main([str(a) for a in argv]) == 0  # filters draw W, no codes
    assert out.exists()
    capsys.readouterr()
    # codes of 1e20 stay finite, their reconstructions overflow: reported, not warned about
    argv = ["evaluate", _scaled_model(files, tmp_path, 1e20), files["X"], "--json", "--quiet"]
    assert ksparse.cli.main([str(a) for a in argv]) == 0
    assert json.loads(capsys.readouterr().out)["reconstruction_error"] is None
    # and drawing them is refused in one line, before any figure
    argv = ["plot", _scaled_model(files, tmp_path, 1e20), files["X"], "--what", "reconstructions",
            "--out", tmp_path / "r.png"]
    user_error(capsys, argv, "MODEL gives reconstructions that are not finite")
    assert not (tmp_path / "r.png").exists()


@pytest.mark.parametrize("dtype, base", [(np.uint64, 2**63), (np.int64, -2**62)])
def test_integer_labels_beyond_2_to_53_stay_distinct(files, tmp_path, capsys, dtype, base):
    # Unlike float labels (refused past 2**53, where floats skip integers), these are exact,
    # and nothing downstream casts them to float: 2**63 + 0, 1, 2 stay three classes.
    small = np.load(files["y"])
    big = tmp_path / "big.npy"
    np.save(big, small.astype(dtype) + dtype(base))
    results = []
    for labels in (files["y"], big):
        argv = ["evaluate", files["model"], files["X"], "--labels", labels, "--json", "--quiet"]
        assert ksparse.cli.main([str(a) for a in argv]) == 0
        results.append(json.loads(capsys.readouterr().out)["test_error"])
    assert results[1] == results[0]
