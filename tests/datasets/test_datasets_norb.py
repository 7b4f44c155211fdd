"""Tests for ksparse.datasets.norb: binary-matrix reader, bicubic resize, preprocessing."""
import struct

import numpy as np
import pytest
from PIL import Image

from ksparse.datasets import DataFormatError, load_small_norb, preprocess_norb, read_norb
from ksparse.datasets import resize_bicubic, standardize
from ksparse.datasets import norb
from ksparse.datasets.norb import _cubic, cubic_resize_matrix

from _fake_files import write


_MAGIC = {np.dtype("f4"): 0x1E3D4C51, np.dtype("f8"): 0x1E3D4C53, np.dtype("i4"): 0x1E3D4C54,
          np.dtype("u1"): 0x1E3D4C55, np.dtype("i2"): 0x1E3D4C56}


def norb_bytes(array):
    """NORB binary-matrix encoding of ``array``, from the format description."""
    array = np.asarray(array)
    dims = list(array.shape) + [1] * max(0, 3 - array.ndim)
    header = struct.pack("<ii", _MAGIC[array.dtype], array.ndim)
    header += struct.pack(f"<{len(dims)}i", *dims)
    return header + array.astype(array.dtype.newbyteorder("<")).tobytes()


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize(
    "array",
    [
        np.arange(3 * 2 * 5 * 5, dtype=np.uint8).reshape(3, 2, 5, 5),
        np.array([4, 0, 2, 1], dtype=np.int32),
        np.arange(12, dtype=np.int32).reshape(3, 4) - 5,
        np.array([[-7, 300]], dtype=np.int16),
        np.array([0.25, -3.5], dtype=np.float32),
        np.array([[np.pi]], dtype=np.float64),
    ],
)
def test_read_norb_round_trip(tmp_path, array, compress):
    out = read_norb(write(tmp_path / "m.mat", norb_bytes(array), compress))
    assert out.shape == array.shape
    np.testing.assert_array_equal(out, array)


def test_read_norb_hand_written_cat_file(tmp_path):
    # int matrix, ndim 1, dims (3, 1, 1), then 3 labels: the small NORB -cat layout.
    data = bytes.fromhex("544c3d1e" "01000000" "03000000" "01000000" "01000000")
    data += bytes.fromhex("04000000" "00000000" "02000000")
    out = read_norb(write(tmp_path / "cat.mat", data), mmap_mode="r")
    assert isinstance(out, np.memmap)
    np.testing.assert_array_equal(out, [4, 0, 2])


def _bad_files():
    good = norb_bytes(np.arange(2 * 2 * 4 * 4, dtype=np.uint8).reshape(2, 2, 4, 4))
    huge = struct.pack("<iiiiii", 0x1E3D4C55, 4, 2**31 - 1, 2**31 - 1, 2**31 - 1, 2**31 - 1)
    return {
        "empty": (b"", "empty"),
        "wrong magic": (b"\x00\x00\x00\x00" + good[4:], "magic"),
        "packed matrix": (struct.pack("<i", 0x1E3D4C52) + good[4:], "magic"),
        "ndim zero": (good[:4] + struct.pack("<i", 0) + good[8:], "dimensions"),
        "ndim huge": (good[:4] + struct.pack("<i", 1000) + good[8:], "dimensions"),
        "negative dim": (good[:8] + struct.pack("<i", -2) + good[12:], "negative"),
        "header cut": (good[:14], "header"),
        "truncated": (good[:-3], "truncated"),
        "too long": (good + b"\x00", "longer"),
        "huge dims": (huge + b"\x00" * 64, "truncated"),
    }


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("case", sorted(_bad_files()))
def test_read_norb_rejects_bad_files(tmp_path, case, compress):
    data, match = _bad_files()[case]
    with pytest.raises(DataFormatError, match=match):
        read_norb(write(tmp_path / "bad.mat", data, compress and bool(data)))


def test_cubic_kernel_hand_values():
    # Keys (a = -0.5): h(0) = 1, h(1) = h(2) = 0, h(0.5) = 0.5625, h(1.5) = -0.0625.
    np.testing.assert_allclose(_cubic(np.array([0, 1, 2, 0.5, -0.5, 1.5, -1.5, 3])),
                               [1, 0, 0, 0.5625, 0.5625, -0.0625, -0.0625, 0])


@pytest.mark.parametrize("n_in, n_out", [(64, 32), (10, 10), (7, 3), (8, 12)])
def test_resize_matrix_rows_sum_to_one_and_keep_ramps(n_in, n_out):
    r = cubic_resize_matrix(n_in, n_out)
    assert r.shape == (n_out, n_in)
    np.testing.assert_allclose(r.sum(axis=1), 1.0)
    if n_in == n_out:
        np.testing.assert_allclose(r, np.eye(n_in), atol=1e-12)
    # Away from the edges a linear ramp is resampled exactly at the output centres.
    ramp = np.arange(n_in, dtype=float)
    centres = (np.arange(n_out) + 0.5) * n_in / n_out - 0.5
    reach = 2 / min(1.0, n_out / n_in)  # kernel half-width in input pixels
    inner = (centres - reach >= 0) & (centres + reach <= n_in - 1)
    assert inner.any() or n_out == 3
    np.testing.assert_allclose((r @ ramp)[inner], centres[inner], atol=1e-9)


def test_resize_halving_matches_hand_weights():
    # 2x reduction: output u sits at 2u + 0.5; weights 0.5 h(d / 2) at d = +-0.5 ... +-3.5.
    d = np.array([3.5, 2.5, 1.5, 0.5, 0.5, 1.5, 2.5, 3.5])
    w = 0.5 * _cubic(d / 2)
    w /= w.sum()
    signal = np.random.default_rng(0).normal(size=20)
    u = 5
    expected = w @ signal[2 * u - 3: 2 * u + 5]
    assert (cubic_resize_matrix(20, 10) @ signal)[u] == pytest.approx(expected)


def test_resize_matches_pillow_bicubic_in_the_interior():
    image = np.random.default_rng(1).uniform(0, 255, size=(64, 64)).astype(np.float32)
    ours = resize_bicubic(image[None], (32, 32))[0]
    theirs = np.asarray(Image.fromarray(image, mode="F").resize((32, 32), Image.BICUBIC))
    # Pillow clips the kernel at the border where ksparse mirrors; inside they agree.
    np.testing.assert_allclose(ours[2:30, 2:30], theirs[2:30, 2:30], atol=2e-3)


def test_resize_rejects_bad_input():
    with pytest.raises(ValueError, match="images"):
        resize_bicubic(np.zeros((4, 4)), (2, 2))
    with pytest.raises(ValueError, match="n_out"):
        cubic_resize_matrix(4, 0)


def _pairs(n, seed):
    return np.random.default_rng(seed).integers(0, 256, (n, 2, 96, 96), dtype=np.uint8)


def test_preprocess_norb_crops_resizes_and_stacks():
    pairs = np.zeros((2, 2, 96, 96), dtype=np.uint8)
    pairs[:, 0], pairs[:, 1] = 40, 200
    pairs[1, 1, 16:80, 16:80] = 90
    pairs[:, :, :16] = 255  # outside the inner 64x64: must not matter
    pairs[:, :, :, 80:] = 7
    out = preprocess_norb(pairs)
    assert out.shape == (2, 2048) and out.dtype == np.float32
    np.testing.assert_allclose(out[:, :1024], 40, atol=1e-3)
    np.testing.assert_allclose(out[0, 1024:], 200, atol=1e-3)
    np.testing.assert_allclose(out[1, 1024:], 90, atol=1e-3)
    random_pairs = _pairs(3, 0)
    inner = random_pairs[:, :, 16:80, 16:80].reshape(6, 64, 64)
    expected = resize_bicubic(inner, (32, 32)).reshape(3, 2048)
    np.testing.assert_allclose(preprocess_norb(random_pairs), expected, rtol=1e-6)


def test_standardize_uses_training_statistics():
    rng = np.random.default_rng(2)
    train, test = rng.normal(3, 2, (50, 4)), rng.normal(0, 1, (5, 4))
    train[:, 3] = 1.0  # a constant dimension maps to 0, not NaN
    t0, s0 = test.copy(), train.copy()
    mean, std = standardize(train, test)
    np.testing.assert_allclose(train[:, :3].mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(train[:, :3].std(0), 1)
    np.testing.assert_array_equal(train[:, 3], 0)
    np.testing.assert_allclose(test, (t0 - s0.mean(0)) / np.where(s0.std(0) == 0, 1, s0.std(0)))
    np.testing.assert_allclose(mean, s0.mean(0))


_PREFIX = {"train": "smallnorb-5x46789x9x18x6x2x96x96-training",
           "test": "smallnorb-5x01235x9x18x6x2x96x96-testing"}


def _write_norb(folder, arrays, compress=False):
    """Write {split: (pairs, cats)} as small NORB's -dat and -cat files in ``folder``."""
    suffix = ".gz" if compress else ""
    for split, (pairs, cats) in arrays.items():
        write(folder / f"{_PREFIX[split]}-dat.mat{suffix}", norb_bytes(pairs), compress)
        write(folder / f"{_PREFIX[split]}-cat.mat{suffix}", norb_bytes(cats), compress)


@pytest.mark.parametrize("compress", [False, True])
def test_load_small_norb_tiny_files(tmp_path, compress):
    arrays = {"train": (_pairs(6, 1), np.array([0, 1, 2, 3, 4, 0], np.int32)),
              "test": (_pairs(3, 2), np.array([4, 4, 1], np.int32))}
    _write_norb(tmp_path, arrays, compress)
    data = load_small_norb(tmp_path, download=False, n_train=4)
    assert [x.shape for x, _ in data] == [(4, 2048), (2, 2048), (3, 2048)]
    assert data.train[1].tolist() == [0, 1, 2, 3] and data.val[1].tolist() == [4, 0]
    assert data.test[1].tolist() == [4, 4, 1] and data.test[1].dtype == np.int64
    raw_train = preprocess_norb(arrays["train"][0])
    raw_test = preprocess_norb(arrays["test"][0])
    mean, std = raw_train[:4].mean(0), raw_train[:4].std(0)
    np.testing.assert_allclose(data.train[0], (raw_train[:4] - mean) / std, atol=1e-4)
    np.testing.assert_allclose(data.val[0], (raw_train[4:] - mean) / std, atol=1e-4)
    np.testing.assert_allclose(data.test[0], (raw_test - mean) / std, atol=1e-4)
    with pytest.raises(ValueError, match="n_train"):
        load_small_norb(tmp_path, download=False, n_train=6)


@pytest.mark.parametrize("cats, pairs, match", [
    (np.array([0, 1, 5], np.int32), _pairs(3, 0), "labels must be in 0 … 4"),
    (np.array([0, -5, 1], np.int32), _pairs(3, 0), "labels must be in 0 … 4"),
    (np.array([0, 1.9, 3.5], np.float32), _pairs(3, 0), "labels must be integers"),
    (np.array([0, 1, 2], np.int32), _pairs(3, 0)[:, :, :48, :48], "smaller than the 64 x 64 crop"),
])
def test_load_small_norb_refuses_bad_test_files_naming_them(tmp_path, cats, pairs, match):
    _write_norb(tmp_path, {"train": (_pairs(4, 1), np.array([0, 1, 2, 3], np.int32)),
                           "test": (np.ascontiguousarray(pairs), cats)})
    with pytest.raises(DataFormatError, match=match) as error:
        load_small_norb(tmp_path, download=False, n_train=2)
    assert _PREFIX["test"] in str(error.value)


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("n_train", [6, 7, 1000])
def test_load_small_norb_refuses_n_train_before_preprocessing(tmp_path, monkeypatch, compress,
                                                              n_train):
    _write_norb(tmp_path, {"train": (_pairs(6, 1), np.zeros(6, np.int32)),
                           "test": (_pairs(2, 2), np.zeros(2, np.int32))}, compress)
    calls = []

    def counting(pairs, *args, **kwargs):
        calls.append(len(pairs))
        return preprocess_norb(pairs, *args, **kwargs)

    monkeypatch.setattr(norb, "preprocess_norb", counting)
    with pytest.raises(ValueError, match=rf"n_train={n_train} leaves no validation pairs: "
                                         "the training file holds 6\\."):
        load_small_norb(tmp_path, download=False, n_train=n_train)
    assert calls == []  # no pair was cropped and resized before the refusal
