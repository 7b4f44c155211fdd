"""Tiny data, a tiny model and checks shared by the command-line tests (no network, no /work)."""
import numpy as np
import pytest

from ksparse.cli import main

N_FEATURES, N_HIDDEN, K = 16, 8, 2


def go_offline(tmp_path, monkeypatch):
    """Keep the user's cache, KSPARSE_DATA and the system folder out; refuse any download."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("KSPARSE_DATA", raising=False)
    monkeypatch.setattr("ksparse.datasets._fetch.SYSTEM_DATA_DIR", tmp_path / "system")

    def no_network(*args, **kwargs):
        raise AssertionError("the command line tried to download")

    monkeypatch.setattr("urllib.request.urlopen", no_network)


@pytest.fixture(autouse=True)
def offline(tmp_path, monkeypatch):
    """Every test of a module that imports this fixture runs offline (see :func:`go_offline`)."""
    go_offline(tmp_path, monkeypatch)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The tiny data, labels and model of :func:`make_files`, made once per module."""
    return make_files(tmp_path_factory.mktemp("cli"))


def make_files(folder):
    """Write 60 examples in 3 clusters, their labels, noise labels, and a 1-epoch model."""
    rng = np.random.default_rng(0)
    y = np.arange(60) % 3
    centres = rng.random((3, N_FEATURES)) * 2  # (3, n_features)
    X = (centres[y] + 0.1 * rng.standard_normal((60, N_FEATURES))).astype(np.float32)
    paths = {"X": folder / "x.npy", "y": folder / "y.npy", "model": folder / "model.npz",
             "noise": folder / "noise.npy"}
    np.save(paths["X"], X)
    np.save(paths["y"], y)
    np.save(paths["noise"], rng.integers(0, 3, 60))  # labels unrelated to X
    assert main(["train", str(paths["X"]), "--hidden", str(N_HIDDEN), "--k", str(K),
                 "--epochs", "1", "--batch-size", "16", "--seed", "0", "--quiet",
                 "--recipe", "paper",
                 "--out", str(paths["model"])]) == 0
    return paths


def topk_codes(model, X, n_active):
    """Codes of a tied model without centring, by a full sort (independent of ksparse.nn.supp_k)."""
    z = X.astype(np.float64) @ model.W_ + model.b_  # (n_samples, n_hidden)
    keep = np.argsort(-z, axis=1, kind="stable")[:, :n_active]  # (n_samples, n_active)
    H = np.zeros_like(z)
    np.put_along_axis(H, keep, np.take_along_axis(z, keep, axis=1), axis=1)
    return H


def user_error(capsys, argv, fragment):
    """Run ``argv``: exit 2 and one stderr line ``ksparse: error: ...`` holding ``fragment``."""
    assert main([str(a) for a in argv]) == 2
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("ksparse: error: ") and "Traceback" not in err
    assert fragment in lines[0], lines[0]
    return lines[0]
