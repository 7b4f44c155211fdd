"""The command line, run in-process through ``main([...])`` on tiny data made here.

Dataset-name cases use a temporary folder of tiny fake MNIST files (2×2-pixel
images, so the loader's 50,000-image training split fits in a few hundred
kilobytes) or the missing-dataset case; nothing touches the network.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse
from _cli_helpers import K, N_FEATURES, N_HIDDEN, topk_codes, user_error
from _cli_helpers import files, offline  # noqa: F401 (fixtures: tiny files; no network)
from _fake_files import make_mnist

import ksparse
from ksparse.cli import main

@pytest.fixture(scope="module")
def fake_mnist(tmp_path_factory):
    """A folder holding MNIST-format files with 50,010 training images of 2×2 pixels."""
    folder = tmp_path_factory.mktemp("data")
    make_mnist(folder / "mnist", n_train=50010, n_test=40, side=2)
    return folder


def load_X(files):
    return np.load(files["X"])


# ------------------------------------------------------------------ help, info

COMMANDS = ("train", "encode", "evaluate", "plot", "coherence", "theorem", "info", "demo",
            "reproduce", "lab")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: ksparse {command}")


def test_main_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert all(f"    {command} " in out or f"    {command}\n" in out for command in COMMANDS)


def test_python_dash_m_info_finds_the_data(fake_mnist, tmp_path):
    env = dict(os.environ, KSPARSE_BACKEND="numpy", KSPARSE_DATA=str(fake_mnist),
               XDG_CACHE_HOME=str(tmp_path))
    result = subprocess.run([sys.executable, "-m", "ksparse", "info", "--json"],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["ksparse"] == ksparse.__version__ and info["numpy"] == np.__version__
    assert info["backend"] == "numpy" and info["gpu_usable"] in (True, False)
    mnist = info["datasets"]["mnist"]
    assert mnist["found_in"] == str(fake_mnist / "mnist")
    folders = [entry["folder"] for entry in mnist["searched"]]
    assert folders == [str(fake_mnist), str(fake_mnist / "mnist"), str(tmp_path / "ksparse" /
                       "mnist"), "/usr/share/datasets/mnist"]
    assert "train-images-idx3-ubyte.gz" in mnist["searched"][1]["files"]
    assert info["datasets"]["cifar10"]["found_in"] is None


def test_info_table_lists_versions_and_folders(fake_mnist, capsys):
    assert main(["info", "--data-dir", str(fake_mnist)]) == 0
    out = capsys.readouterr().out
    assert f"ksparse      {ksparse.__version__}" in out and np.__version__ in out
    assert f"mnist: found in {fake_mnist / 'mnist'}" in out
    assert "fashion-mnist: not found" in out


# ----------------------------------------------------------------------- train

def test_train_passes_every_hyperparameter(files, tmp_path, capsys):
    out = tmp_path / "m.npz"
    argv = ["train", files["X"], "--hidden", "6", "--k", "2", "--alpha", "1.5", "--k-start", "4",
            "--epochs", "2", "--batch-size", "7", "--learning-rate", "0.005", "--lr-end", "0.001",
            "--optimizer", "adam", "--center", "--pre-bias", "--untied", "--seed", "3",
            "--dtype", "float64", "--momentum", "0.5", "--init-std", "0.02", "--quiet",
            "--out", out]
    assert main([str(a) for a in argv]) == 0
    assert f"model: {out}" in capsys.readouterr().out
    model = ksparse.load(out)
    expected = dict(n_hidden=6, k=2, alpha=1.5, k_start=4, epochs=2, batch_size=7,
                    learning_rate=0.005, lr_end=0.001, optimizer="adam", center=True,
                    pre_bias=True, tied=False, random_state=3, dtype="float64",
                    momentum=0.5, init_std=0.02)
    assert {name: model.get_params()[name] for name in expected} == expected
    assert model.W_.dtype == np.float64 and model.P_.shape == (6, N_FEATURES)
    assert len(model.history_) == 2 and model.history_[-1]["k"] == 2


def test_train_resume_continues_the_checkpointed_run(files, tmp_path, capsys):
    ckpt, first, second = tmp_path / "run.ckpt", tmp_path / "a.npz", tmp_path / "b.npz"
    common = ["--hidden", "5", "--k", "2", "--epochs", "2", "--seed", "1", "--quiet",
              "--checkpoint", ckpt]
    assert main([str(a) for a in ["train", files["X"], *common, "--out", first]]) == 0
    # Same shape, other values: a resumed (already finished) run ignores them,
    # a fresh run would not.
    other = tmp_path / "other.npy"
    np.save(other, load_X(files)[::-1] * 2)
    assert main([str(a) for a in ["train", other, *common, "--resume", "--out", second]]) == 0
    a, b = ksparse.load(first), ksparse.load(second)
    np.testing.assert_array_equal(a.W_, b.W_)
    fresh = tmp_path / "fresh.npz"
    assert main([str(a) for a in ["train", other, *common[:-2], "--out", fresh]]) == 0
    assert not np.array_equal(ksparse.load(fresh).W_, a.W_)
    capsys.readouterr()
    changed = [str(a) for a in ["train", files["X"], *common, "--resume", "--out", second]]
    changed[changed.index("--hidden") + 1] = "6"
    user_error(capsys, changed, "--checkpoint")


def test_train_on_named_datasets(fake_mnist, tmp_path):
    out = tmp_path / "mnist.npz"
    assert main(["train", "mnist", "--data-dir", str(fake_mnist), "--no-download", "--limit",
                 "300", "--hidden", "6", "--k", "2", "--epochs", "1", "--quiet",
                 "--out", str(out)]) == 0
    model = ksparse.load(out)
    assert model.n_features_in_ == 4 and len(model.history_) == 1
    out = tmp_path / "patches.npz"
    assert main(["train", "patches", "--patches", "200", "--hidden", "6", "--k", "2",
                 "--epochs", "1", "--quiet", "--out", str(out)]) == 0
    assert ksparse.load(out).n_features_in_ == 64


@pytest.mark.parametrize("arrays", [{"X": 1, "y": 2}, {"features": 1}])
def test_train_reads_npz_by_key_or_single_array(files, tmp_path, arrays):
    X = load_X(files)
    path = tmp_path / "d.npz"
    np.savez(path, **{key: X[:, :7] if which == 1 else np.zeros(3) for key, which in
                      arrays.items()})
    out = tmp_path / "m.npz"
    assert main(["train", str(path), "--hidden", "4", "--k", "1", "--epochs", "1", "--quiet",
                 "--out", str(out)]) == 0
    assert ksparse.load(out).n_features_in_ == 7


# ---------------------------------------------------------------------- encode

def test_encode_writes_csr_parts_of_the_codes(files, tmp_path, capsys):
    out = tmp_path / "codes.npz"
    assert main(["encode", str(files["model"]), str(files["X"]), "--alpha", "2", "--quiet",
                 "--out", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    model, X = ksparse.load(files["model"]), load_X(files)
    with np.load(out, allow_pickle=False) as parts:
        H = scipy.sparse.csr_matrix((parts["data"], parts["indices"], parts["indptr"]),
                                    shape=tuple(parts["shape"]))
    np.testing.assert_allclose(H.toarray(), topk_codes(model, X, 2 * K), rtol=1e-5, atol=1e-6)
    assert H.shape == (60, N_HIDDEN) and np.all(H.getnnz(axis=1) == 2 * K)
    np.testing.assert_array_equal(scipy.sparse.load_npz(out).toarray(), H.toarray())
    dense = tmp_path / "codes.npy"
    assert main(["encode", str(files["model"]), str(files["X"]), "--dense", "--quiet",
                 "--out", str(dense)]) == 0
    np.testing.assert_allclose(np.load(dense), topk_codes(model, X, K), rtol=1e-5, atol=1e-6)
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


# -------------------------------------------------------------------- evaluate

def test_evaluate_json_matches_an_independent_computation(files, capsys):
    # Noise labels: the test error then depends on which rows the seeded split holds out.
    assert main(["evaluate", str(files["model"]), str(files["X"]), "--labels",
                 str(files["noise"]), "--test-fraction", "0.25", "--alpha", "2", "--json",
                 "--quiet", "--seed", "5"]) == 0
    result = json.loads(capsys.readouterr().out)
    model, X, y = ksparse.load(files["model"]), load_X(files), np.load(files["noise"])
    H = topk_codes(model, X, K)  # reconstruction and dead units use k, whatever alpha
    X_hat = H @ model.W_.T + model.b_prime_  # (n_samples, n_features)
    expected = np.mean(np.sum((X - X_hat) ** 2, axis=1))
    assert result["reconstruction_error"] == pytest.approx(expected, rel=1e-5)
    assert result["dead_units"] == int(np.sum(~(H != 0).any(axis=0)))
    assert result["n_train"] == 45 and result["n_test"] == 15
    order = np.random.default_rng(5).permutation(60)
    assert result["n_active"] == 2 * K
    # The classifier sees the alpha*k codes, as CSR.
    codes = scipy.sparse.csr_matrix(model.set_params(alpha=2.0).transform(X))
    clf = ksparse.SoftmaxRegression(l2=1e-4).fit(codes[order[15:]], y[order[15:]])
    accuracy = clf.score(codes[order[:15]], y[order[:15]])
    assert result["test_error"] == pytest.approx(1 - accuracy, abs=1e-12)


def test_evaluate_named_dataset_prints_a_table(fake_mnist, tmp_path, capsys):
    model_path = tmp_path / "m.npz"
    common = ["--data-dir", str(fake_mnist), "--no-download", "--limit", "200", "--quiet"]
    assert main(["train", "mnist", *common, "--hidden", "6", "--k", "2", "--epochs", "1",
                 "--out", str(model_path)]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(model_path), "mnist", *common]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["data", "mnist,", "test"] and "(40 examples)" in lines[0]
    assert [line.split()[0] for line in lines] == ["data", "model", "reconstruction", "dead",
                                                    "test"]
    assert "(softmax regression on the codes: 200 train, 40 test)" in lines[-1]


# ------------------------------------------------------------------------ plot

@pytest.mark.parametrize("what", ["filters", "histogram", "reconstructions", "scatter",
                                  "mean-activation"])
def test_plot_writes_a_png(files, tmp_path, what, capsys):
    out = tmp_path / f"{what}.png"
    argv = ["plot", str(files["model"]), str(files["X"]), "--what", what, "--out", str(out)]
    if what == "scatter":
        argv += ["--labels", str(files["y"])]
    assert main(argv) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"{what}: {out}" in capsys.readouterr().out


def test_plot_filters_needs_no_data(files, tmp_path):
    out = tmp_path / "f.svg"
    assert main(["plot", str(files["model"]), "--shape", "2,8", "--out", str(out)]) == 0
    assert b"<svg" in out.read_bytes()[:400]


# ------------------------------------------------------------ coherence, theorem

def test_coherence_of_a_matrix_with_known_mu(tmp_path, capsys):
    n = 16
    H = np.array([[(-1) ** bin(i & j).count("1") for j in range(n)] for i in range(n)]) / 4
    path = tmp_path / "w.npy"
    np.save(path, np.hstack([np.eye(n), H]))  # identity and Hadamard: mu = 1/sqrt(n)
    assert main(["coherence", str(path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["mu"] == pytest.approx(0.25) and result["n_atoms"] == 32
    assert result["theorem_3_1_k"] == 2  # k mu <= 1/2
    assert result["unique_k"] == 2 and result["uniqueness_bound"] == pytest.approx(2.5)


@pytest.mark.parametrize("mu, n_atoms", [(0.5 / 93, 1000), (0.25, 32), (0.26, 32), (1.0, 5),
                                         (0.0, 10), (0.01, 20)])
def test_theorem_max_k_is_the_largest_k_with_k_mu_at_most_half(mu, n_atoms):
    from ksparse.cli._theory import theorem_max_k

    # 0.5 / (0.5 / 93) is 92.99...: the bound must be decided on the product k * mu.
    expected = max(k for k in range(n_atoms) if k * mu <= 0.5)
    assert theorem_max_k(mu, n_atoms) == expected


def test_coherence_of_a_model(files, capsys):
    assert main(["coherence", str(files["model"]), "--json"]) == 0
    W = ksparse.load(files["model"]).W_.astype(np.float64)
    W /= np.linalg.norm(W, axis=0)
    gram = np.abs(W.T @ W) - np.eye(N_HIDDEN)
    assert json.loads(capsys.readouterr().out)["mu"] == pytest.approx(gram.max(), rel=1e-6)


def test_theorem_finds_no_counterexample(tmp_path, capsys):
    out = tmp_path / "t.png"
    assert main(["theorem", "--n", "16", "--signals", "200", "--seed", "1", "--json",
                 "--out", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["mu"] == pytest.approx(0.25) and summary["k<="] == 2
    assert summary["holds"] == 200 and summary["holds&failed"] == 0
    assert summary["outside"] == 200 and out.read_bytes()[:4] == b"\x89PNG"
    assert summary["figure"] == str(out)
    assert main(["theorem", "--n", "16", "--signals", "20", "--out", str(out)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"figure: {out}"
    assert main(["theorem", "--dictionary", "gaussian", "--n", "8", "--atoms", "12",
                 "--signals", "50"]) == 0
    assert "gaussian" in capsys.readouterr().out


def test_theorem_figure_of_an_orthonormal_dictionary_says_what_a_log_axis_cannot_show():
    # μ = 0: every signal sits at q = 0, off the log axis; the legend says how many were recovered.
    from ksparse.cli._theory import _recovery_figure
    from ksparse.theory import theorem_experiment

    result = theorem_experiment(np.eye(8), n_inside=30, n_outside=0, random_state=0)
    ax = _recovery_figure(result).axes[0]
    line = ax.get_lines()[0]
    assert line.get_xdata().size == 0  # nothing drawn at q = 0 on the log axis
    assert line.get_label().endswith("at q = 0, 100% recovered")


# ------------------------------------------------------------- demo, reproduce

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


# ------------------------------------------------------------------- recipes

def _recipe_args(*extra):
    from ksparse.cli import _build_parser

    return _build_parser().parse_args(["train", "x.npy", *extra])


@pytest.mark.parametrize("recipe, expected", [
    ("paper", dict(k_start=100, learning_rate=0.01, lr_end=None, optimizer="momentum",
                   center=False)),
    ("centred", dict(k_start=100, learning_rate=0.01, lr_end=0.001, optimizer="momentum",
                     center=True)),
    ("adam", dict(k_start=100, learning_rate=0.001, lr_end=0.0001, optimizer="adam",
                  center=True)),
])
def test_each_recipe_sets_its_hyperparameters(recipe, expected):
    from ksparse.cli._train import recipe_values

    values = recipe_values(_recipe_args("--recipe", recipe))
    assert {name: values[name] for name in expected} == expected


def test_the_default_recipe_is_adam_and_options_override_it():
    from ksparse.cli._train import recipe_values

    assert recipe_values(_recipe_args())["optimizer"] == "adam"
    values = recipe_values(_recipe_args("--no-center", "--k-start", "30", "--learning-rate",
                                        "0.5", "--hidden", "40", "--k", "10"))
    assert values["center"] is False and values["k_start"] == 30
    assert values["learning_rate"] == 0.5 and values["lr_end"] == 0.0001
    # 4k is capped at --hidden, and no schedule is left when 4k cannot exceed k.
    assert recipe_values(_recipe_args("--hidden", "30", "--k", "10"))["k_start"] == 30
    assert recipe_values(_recipe_args("--hidden", "10", "--k", "10"))["k_start"] is None


def test_the_readme_train_command_at_its_defaults_leaves_few_dead_units(tmp_path, capsys):
    # The README's `ksparse train mnist --hidden 1000 --k 25`, on MNIST-like glyph digits.
    from ksparse.classroom import make_glyph_digits

    X, _ = make_glyph_digits(600, random_state=0)
    np.save(tmp_path / "digits.npy", X)
    out = tmp_path / "model.npz"
    assert main(["train", str(tmp_path / "digits.npy"), "--hidden", "1000", "--k", "25",
                 "--seed", "0", "--quiet", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    dead = ksparse.load(out).history_[-1]["dead_units"]
    assert dead < 50, f"{dead} of 1000 units dead"  # under 5 %
    assert captured.err == ""  # no dead-units warning
