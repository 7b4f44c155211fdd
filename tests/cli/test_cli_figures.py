"""plot, evaluate, encode and demo: image shapes, labels with --limit, the patches dataset, outputs.

Run in-process through ``main([...])`` on tiny files made here; nothing touches the network.
"""
import json
import os

import numpy as np
import pytest
from _cli_helpers import K, N_HIDDEN, user_error
from _cli_helpers import files, offline  # noqa: F401 (fixtures: tiny files; no network)

import ksparse
from ksparse.classroom.demo import run_demo
from ksparse.cli import main
from ksparse.plotting import plot_filters


@pytest.fixture(scope="module")
def shaped(files, tmp_path_factory):
    """The 16 features of x.npy as images: (n, 4, 2, 2) channels first, (n, 1, 4, 4) grey."""
    folder = tmp_path_factory.mktemp("shaped")
    X = np.load(files["X"])  # (60, 16)
    paths = {"first": folder / "first.npy", "grey": folder / "grey.npy"}
    np.save(paths["first"], X.reshape(-1, 4, 2, 2))
    np.save(paths["grey"], X.reshape(-1, 1, 4, 4))
    return paths


def _tiny_model(folder, n_features):
    """A 1-epoch model of ``n_features`` features, saved in ``folder``; its path."""
    path = folder / f"m{n_features}.npz"
    X = np.random.default_rng(0).standard_normal((40, n_features)).astype(np.float32)
    ksparse.KSparseAutoencoder(n_hidden=8, k=2, epochs=1, batch_size=20,
                               random_state=0).fit(X).save(path)
    return path


@pytest.fixture(scope="module")
def patch_model(tmp_path_factory):
    """A model of 8×8 = 64 features, as the patches dataset has."""
    return _tiny_model(tmp_path_factory.mktemp("patches"), 64)


@pytest.fixture(scope="module")
def colour_model(tmp_path_factory):
    """A model of 12 = 2·2·3 features: an RGB image, a grey one, or neither."""
    return _tiny_model(tmp_path_factory.mktemp("colour"), 12)


def _figure_of(monkeypatch, tmp_path, argv):
    """Run ``argv`` in ``tmp_path`` (exit 0) and return the figure it saved."""
    monkeypatch.chdir(tmp_path)
    saved = []
    monkeypatch.setattr("ksparse.cli._plot.save_figure", lambda fig, *a, **kw: saved.append(fig))
    assert main([str(a) for a in argv]) == 0
    (fig,) = saved
    return fig


# ------------------------------------------------------------------ image shapes

@pytest.mark.parametrize("extra, fragment", [
    (["--shape", "2,2,4"], "--shape (2, 2, 4) has 4 channels (last); plot draws 1 (grey) or 3"),
    (["--shape", "4,2,2"], "--shape (4, 2, 2) has 2 channels (last)"),
])
def test_plot_refuses_channels_it_cannot_draw(files, capsys, extra, fragment):
    user_error(capsys, ["plot", files["model"], *extra], fragment)


@pytest.mark.parametrize("shape", [(2, 2, 3), (1, 4, 3), (2, 6), (2, 6, 1), (12, 1, 1),
                                   (1, 3, 4), (3, 2, 2), (2, 3, 2), (1, 1, 12)],
                         ids=lambda shape: "x".join(map(str, shape)))
def test_plot_draws_the_shapes_the_plotting_functions_draw(colour_model, shape, capsys,
                                                            monkeypatch, tmp_path):
    # One rule of what an image can show, for the CLI and for plot_filters: they
    # refuse the same shapes, and a shape both take gives the same picture.
    model = ksparse.load(colour_model)
    try:
        expected = plot_filters(model.components_, shape).axes[0].images[0].get_array()
    except ValueError:
        expected = None
    argv = ["plot", colour_model, "--shape", ",".join(map(str, shape)), "--out", "f.png"]
    if expected is None:
        user_error(capsys, argv, f"has {shape[-1]} channels (last)")
    else:
        image = _figure_of(monkeypatch, tmp_path, argv).axes[0].images[0]
        np.testing.assert_array_equal(image.get_array(), expected)


@pytest.mark.parametrize("extra", [[], ["--shape", "2,2,4"]])
def test_a_channels_first_file_is_refused_with_advice_that_works(files, shaped, capsys, extra):
    line = user_error(capsys, ["plot", files["model"], shaped["first"], "--what",
                               "reconstructions", *extra], "which look channels first")
    assert "np.moveaxis(X, 1, -1)" in line and "--shape H,W,C" not in line


def test_one_channel_first_is_a_grey_image(files, shaped, monkeypatch, tmp_path):
    fig = _figure_of(monkeypatch, tmp_path, ["plot", files["model"], shaped["grey"], "--what",
                                   "reconstructions", "--n", "2", "--out", "r.png"])
    image = fig.axes[0].images[0]
    assert image.get_array().shape == (4, 4) and image.get_cmap().name == "gray"


# ------------------------------------------------------------------ --labels and --limit

def test_plot_labels_of_the_whole_file_are_cut_by_limit(files, monkeypatch, tmp_path):
    fig = _figure_of(monkeypatch, tmp_path, ["plot", files["model"], files["X"], "--what", "scatter",
                                   "--labels", files["y"], "--limit", "7", "--out", "s.png"])
    y = np.load(files["y"])[:7]
    points = {t.get_label(): len(c.get_offsets()) for t, c in
              zip(fig.axes[0].get_legend().legend_handles, fig.axes[0].collections)}
    assert points == {str(label): int(np.sum(y == label)) for label in np.unique(y)}


def test_evaluate_with_limit_matches_the_cut_files(files, tmp_path, capsys):
    X, y = np.load(files["X"]), np.load(files["y"])
    np.save(tmp_path / "x30.npy", X[:30])
    np.save(tmp_path / "y30.npy", y[:30])
    results = []
    for data, labels, extra in ((files["X"], files["y"], ["--limit", "30"]),
                                (tmp_path / "x30.npy", tmp_path / "y30.npy", [])):
        assert main(["evaluate", str(files["model"]), str(data), "--labels", str(labels),
                     "--json", "--quiet", *extra]) == 0
        results.append(json.loads(capsys.readouterr().out))
    for key in ("n_examples", "n_train", "n_test", "test_error", "reconstruction_error"):
        assert results[0][key] == results[1][key], key
    assert results[0]["n_train"] + results[0]["n_test"] == 30


def test_labels_must_match_the_whole_file_under_limit(files, tmp_path, capsys):
    np.save(tmp_path / "y30.npy", np.load(files["y"])[:30])
    user_error(capsys, ["evaluate", files["model"], files["X"], "--labels", tmp_path / "y30.npy",
                        "--limit", "30"], "expected a 1-D array of 60 labels (one per row of DATA)")


# ------------------------------------------------------------------ the patches dataset

def test_plot_draws_patches_from_their_only_split(patch_model, monkeypatch, tmp_path):
    fig = _figure_of(monkeypatch, tmp_path, ["plot", patch_model, "patches", "--patches", "50",
                                   "--what", "reconstructions", "--n", "3", "--out", "p.png"])
    assert len(fig.axes) == 6 and fig.axes[0].images[0].get_array().shape == (8, 8)


def _patch_error(model, capsys, *extra):
    assert main(["evaluate", str(model), "patches", "--patches", "60", "--json", "--quiet",
                 *extra]) == 0
    return json.loads(capsys.readouterr().out)["reconstruction_error"]


def test_evaluate_seed_does_not_change_the_patches(patch_model, capsys):
    error = _patch_error(patch_model, capsys)
    assert _patch_error(patch_model, capsys, "--seed", "5") == error  # the split's seed only
    assert _patch_error(patch_model, capsys, "--patch-seed", "0") == error
    assert _patch_error(patch_model, capsys, "--patch-seed", "5") != error


# ------------------------------------------------------------------ encode --alpha

def test_encode_alpha_names_what_the_user_can_change(files, tmp_path, capsys):
    line = user_error(capsys, ["encode", files["model"], files["X"], "--alpha", "100",
                               "--out", tmp_path / "c.npz"],
                      f"give --alpha at most {N_HIDDEN}/{K}")
    assert f"round(100 * k) = {100 * K}" in line and f"only {N_HIDDEN} hidden" in line
    assert "--hidden" not in line and "--k" not in line
    assert not (tmp_path / "c.npz").exists()


# ------------------------------------------------------------------ demo outputs

@pytest.mark.parametrize("name", ["model.npz", "filters.png"])
def test_demo_refuses_a_folder_in_place_of_an_output_before_training(tmp_path, capsys,
                                                                     monkeypatch, name):
    (tmp_path / "d" / name).mkdir(parents=True)
    monkeypatch.setattr("ksparse.classroom.demo.load_photo_patches",
                        lambda *a, **kw: pytest.fail("the demo started its work"))
    user_error(capsys, ["demo", "--out", tmp_path / "d", "--patches", "100", "--hidden", "8",
                        "--k", "2", "--epochs", "1"],
               f"--out: {tmp_path / 'd' / name} is a folder")
    with pytest.raises(ValueError, match=f"out: .*{name} is a folder"):
        run_demo(out=tmp_path / "d", n_patches=100, n_hidden=8, k=2)
    assert os.listdir(tmp_path / "d") == [name]


@pytest.mark.parametrize("exists", [True, False])
def test_demo_refuses_a_folder_it_cannot_write(tmp_path, capsys, monkeypatch, exists):
    out = tmp_path / "d"
    if exists:
        out.mkdir()
    where = out if exists else tmp_path
    # Simulated, since a test run as root may write anywhere.
    monkeypatch.setattr("os.access", lambda path, mode: os.fspath(path) != str(where))
    user_error(capsys, ["demo", "--out", out], f"the folder {where} is not writable")


@pytest.mark.parametrize("error, status", [(MemoryError, 2), (KeyboardInterrupt, 130)])
def test_a_demo_that_fails_leaves_no_folder_of_its_own(tmp_path, capsys, monkeypatch, error,
                                                       status):
    def fail(*args, **kwargs):
        raise error()

    monkeypatch.setattr("ksparse.classroom.demo.load_photo_patches", fail)
    base = tmp_path / "work"
    base.mkdir()
    out = base / "d"
    assert main(["demo", "--out", str(out), "--quiet"]) == status
    assert len(capsys.readouterr().err.splitlines()) == 1
    assert not out.exists()
    with pytest.raises(error):  # the library too, with the parents it made
        run_demo(out=base / "a" / "b", n_patches=100, n_hidden=8, k=2)
    assert os.listdir(base) == []
    out.mkdir()  # a folder the demo did not make stays
    assert main(["demo", "--out", str(out), "--quiet"]) == status
    assert out.is_dir()
