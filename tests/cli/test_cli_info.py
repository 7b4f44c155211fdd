"""``ksparse info`` reports a dataset where the loaders would read it, and nowhere else."""
import json

import pytest
from _cli_helpers import offline  # noqa: F401 (fixture: no cache, no KSPARSE_DATA, no network)
from _fake_files import make_mnist

from ksparse.cli import main
from ksparse.datasets import DataNotFoundError, load_fashion_mnist, load_mnist


def _info(capsys, data_dir):
    assert main(["info", "--data-dir", str(data_dir), "--json"]) == 0
    return json.loads(capsys.readouterr().out)["datasets"]


@pytest.mark.parametrize("layout", ["flat", "subfolder"])
def test_a_folder_of_mnist_files_is_not_fashion_mnist(tmp_path, capsys, layout):
    data = tmp_path / "data"
    make_mnist(data if layout == "flat" else data / "mnist", n_train=12, n_test=5)
    datasets = _info(capsys, data)
    expected = data if layout == "flat" else data / "mnist"
    assert datasets["mnist"]["found_in"] == str(expected)
    assert load_mnist(data, download=False, n_train=8).train[0].shape == (8, 784)
    # The loader finds no Fashion-MNIST here, and info says the same.
    assert datasets["fashion-mnist"]["found_in"] is None
    assert str(data) not in [entry["folder"] for entry in datasets["fashion-mnist"]["searched"]]
    with pytest.raises(DataNotFoundError, match="fashion-mnist"):
        load_fashion_mnist(data, download=False)


def test_fashion_mnist_in_its_own_folder_is_found(tmp_path, capsys):
    data = tmp_path / "data"
    make_mnist(data, seed=1)
    make_mnist(data / "fashion-mnist", seed=2)
    datasets = _info(capsys, data)
    assert datasets["mnist"]["found_in"] == str(data)
    assert datasets["fashion-mnist"]["found_in"] == str(data / "fashion-mnist")


def test_an_unreadable_folder_is_reported_not_a_traceback(tmp_path, capsys, monkeypatch):
    # Simulated, as a test run as root reads any folder; Python 3.11's Path.is_file raises here.
    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr("pathlib.Path.is_file", refuse)
    datasets = _info(capsys, tmp_path)
    assert datasets and not any(entry["found_in"] for entry in datasets.values())
