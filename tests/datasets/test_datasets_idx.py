"""Tests for ksparse.datasets.idx: the IDX reader and the MNIST loaders (tiny fake files)."""
import gzip
import struct

import numpy as np
import pytest

from ksparse.datasets import DataFormatError, DataNotFoundError, load_fashion_mnist, load_mnist
from ksparse.datasets import read_idx

from _fake_files import idx_bytes, make_mnist, write


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize(
    "array",
    [
        np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4),
        np.array([-3, 0, 7], dtype=np.int8),
        np.array([[-300, 2], [5, 30000]], dtype=np.int16),
        np.array([1, -2**31, 2**31 - 1], dtype=np.int32),
        np.array([[0.5, -1.25]], dtype=np.float32),
        np.array([np.pi, -np.e], dtype=np.float64),
    ],
)
def test_read_idx_round_trip(tmp_path, array, compress):
    path = write(tmp_path / "a.idx", idx_bytes(array), compress)
    out = read_idx(path)
    assert out.shape == array.shape
    np.testing.assert_array_equal(out, array)


def test_read_idx_memmap_and_known_bytes(tmp_path):
    # Hand-written file: ubyte, 2 dims (2, 2), values 1 2 3 4.
    path = write(tmp_path / "m.idx", bytes([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4]))
    mm = read_idx(path, mmap_mode="r")
    assert isinstance(mm, np.memmap)
    np.testing.assert_array_equal(mm, [[1, 2], [3, 4]])
    with pytest.raises(ValueError, match="mmap_mode"):
        read_idx(path, mmap_mode="w+")


def _bad_files():
    good = idx_bytes(np.arange(24, dtype=np.uint8).reshape(2, 3, 4))
    huge = bytes([0, 0, 8, 3]) + struct.pack(">III", 2**32 - 1, 2**32 - 1, 2**32 - 1)
    return {
        "empty": (b"", "empty"),
        "wrong magic": (b"\x01\x02" + good[2:], "magic"),
        "unknown type": (bytes([0, 0, 0x07, 3]) + good[4:], "magic"),
        "zero dims": (bytes([0, 0, 8, 0]) + good[4:], "magic"),
        "header cut": (good[:9], "header"),
        "truncated": (good[:-1], "truncated"),
        "too long": (good + b"\x00", "longer"),
        "huge dims": (huge + b"\x00" * 10, "truncated"),
    }


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("case", sorted(_bad_files()))
def test_read_idx_rejects_bad_files(tmp_path, case, compress):
    data, match = _bad_files()[case]
    path = write(tmp_path / "bad.idx", data, compress and bool(data))
    with pytest.raises(DataFormatError, match=match):
        read_idx(path)


def test_read_idx_rejects_cut_gzip_stream(tmp_path):
    blob = gzip.compress(idx_bytes(np.random.default_rng(0).integers(0, 255, 5000, np.uint8)))
    path = write(tmp_path / "cut.gz", blob[: len(blob) // 2])
    with pytest.raises(DataFormatError, match="gzip"):
        read_idx(path)
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "missing.idx")


@pytest.mark.parametrize("compress", [False, True])
def test_load_mnist_split_values_and_labels(tmp_path, compress):
    arrays = make_mnist(tmp_path, compress=compress)
    data = load_mnist(tmp_path, download=False, n_train=8)
    images = arrays["train-images-idx3-ubyte"].reshape(12, 784) / 255.0
    labels = arrays["train-labels-idx1-ubyte"]
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = data
    assert x_tr.shape == (8, 784) and x_va.shape == (4, 784) and x_te.shape == (5, 784)
    assert x_tr.dtype == np.float32 and y_tr.dtype == np.int64
    np.testing.assert_allclose(x_tr, images[:8], rtol=1e-6)
    np.testing.assert_allclose(x_va, images[8:], rtol=1e-6)
    np.testing.assert_array_equal(y_tr, labels[:8])
    np.testing.assert_array_equal(y_va, labels[8:])
    np.testing.assert_array_equal(y_te, arrays["t10k-labels-idx1-ubyte"])
    assert x_tr.min() >= 0 and x_tr.max() <= 1
    assert np.shares_memory(x_tr, x_va) or x_tr.base is x_va.base  # views, not copies


def test_load_fashion_mnist_reads_same_format(tmp_path):
    arrays = make_mnist(tmp_path / "fashion-mnist", n_train=6, compress=False)
    data = load_fashion_mnist(tmp_path, download=False, n_train=3)
    np.testing.assert_array_equal(data.val[1], arrays["train-labels-idx1-ubyte"][3:])


@pytest.mark.parametrize(
    "n_train, error, match",
    [(12, ValueError, "n_train"), (0, ValueError, "n_train"), (True, ValueError, "n_train")],
)
def test_load_mnist_rejects_bad_split(tmp_path, n_train, error, match):
    make_mnist(tmp_path)
    with pytest.raises(error, match=match):
        load_mnist(tmp_path, download=False, n_train=n_train)


@pytest.mark.parametrize("name, content, match", [
    ("train-labels-idx1-ubyte", np.zeros(11, np.uint8), "labels have shape \\(11,\\) but there are 12"),
    ("train-labels-idx1-ubyte", np.full(12, 2.7, np.float32), "labels must be integers"),
    ("t10k-labels-idx1-ubyte", np.array([0, 1, 2, 10, 3], np.uint8), "labels must be in 0 … 9"),
    ("t10k-labels-idx1-ubyte", np.array([0, 1, 2, -7, 3], np.int32), "labels must be in 0 … 9"),
    ("t10k-images-idx3-ubyte", np.zeros((5, 3, 3), np.uint8), "images of 9 pixels"),
])
def test_load_mnist_refuses_bad_labels_naming_the_file(tmp_path, name, content, match):
    make_mnist(tmp_path, compress=False)
    write(tmp_path / name, idx_bytes(content))
    with pytest.raises(DataFormatError, match=match) as error:
        load_mnist(tmp_path, download=False, n_train=8)
    assert name in str(error.value)


def test_load_mnist_offline_error_lists_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("KSPARSE_DATA", str(tmp_path / "env"))
    with pytest.raises(DataNotFoundError) as info:
        load_mnist(tmp_path / "nowhere", download=False)
    message = str(info.value)
    for folder in ("nowhere", "env", "cache", "/usr/share/datasets/mnist", "KSPARSE_DATA",
                   "train-images-idx3-ubyte"):
        assert folder in message
