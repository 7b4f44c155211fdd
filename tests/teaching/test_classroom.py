"""The classroom helpers: the size switch, glyph digits and the MNIST-or-substitute loader."""
import numpy as np
import pytest

from ksparse.classroom import data as classroom_data
from ksparse.classroom import example_size, load_digits, make_glyph_digits, pick
from ksparse.datasets import DataNotFoundError, DatasetSplits


@pytest.mark.parametrize("value, expected", [
    (None, "classroom"), ("", "classroom"), ("small", "small"), (" Paper ", "paper"),
    ("CLASSROOM", "classroom"),
])
def test_example_size_reads_the_variable(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("KSPARSE_EXAMPLE_SIZE", raising=False)
    else:
        monkeypatch.setenv("KSPARSE_EXAMPLE_SIZE", value)
    assert example_size() == expected
    assert pick(small=1, classroom=2, paper=3) == {"small": 1, "classroom": 2, "paper": 3}[expected]


@pytest.mark.parametrize("value", ["tiny", "full", "small,paper"])
def test_example_size_rejects_unknown_sizes(monkeypatch, value):
    monkeypatch.setenv("KSPARSE_EXAMPLE_SIZE", value)
    with pytest.raises(ValueError, match=r"KSPARSE_EXAMPLE_SIZE must be one of small, "
                                         r"classroom, paper.*got '" + value):
        example_size()
    with pytest.raises(ValueError, match="KSPARSE_EXAMPLE_SIZE"):
        pick(small=1, classroom=2, paper=3)


def test_pick_needs_all_three_sizes():
    with pytest.raises(TypeError):
        pick(small=1, classroom=2)  # pylint: disable=missing-kwoa


def test_glyph_digits_look_like_mnist():
    X, y = make_glyph_digits(500, random_state=0)
    assert X.shape == (500, 784) and X.dtype == np.float32
    assert y.shape == (500,) and y.dtype == np.int64
    assert 0.0 <= X.min() and X.max() <= 1.0
    assert set(np.unique(y)) == set(range(10))
    assert 0.05 < X.mean() < 0.3  # mostly background, like MNIST (mean 0.13)
    images = X.reshape(-1, 28, 28)
    frame = np.concatenate([images[:, 0], images[:, -1], images[:, :, 0], images[:, :, -1]], 1)
    assert (frame.max(axis=1) > 0.5).mean() < 0.02  # a dark frame around almost every digit
    ink = images.sum(axis=(1, 2))
    assert (ink > 20).all(), "every image has a digit in it"


def test_glyph_digits_are_reproducible_and_differ_by_seed():
    X1, y1 = make_glyph_digits(50, random_state=3)
    X2, y2 = make_glyph_digits(50, random_state=3)
    X3, _ = make_glyph_digits(50, random_state=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


def test_glyph_digits_keep_holes_open():
    """An 8 has two holes: its centre of each loop is background, not ink."""
    from ksparse.classroom.digits import _templates

    eight = _templates()[8]  # first font, digit 8, 58×58 with a border
    zero = _templates()[0]
    centre = eight.shape[0] // 2
    assert zero[centre, centre] < 0.1, "the inside of a 0 must stay empty"
    assert eight.sum() > zero.sum() * 0.8


@pytest.mark.parametrize("n", [0, -1, 2.5, True])
def test_glyph_digits_reject_bad_sizes(n):
    with pytest.raises(ValueError, match="n_samples must be a positive integer"):
        make_glyph_digits(n)


def test_load_digits_falls_back_to_glyph_digits_and_says_so(monkeypatch):
    def missing(*args, **kwargs):
        assert kwargs.get("download") is False  # never the network
        raise DataNotFoundError("no MNIST here")

    monkeypatch.setattr(classroom_data, "load_mnist", missing)
    digits = load_digits(30, 20)
    assert digits.substitute and digits.source == "glyph digits"
    assert "not found" in digits.note and "substitute" in digits.note
    assert digits.train[0].shape == (30, 784) and digits.test[0].shape == (20, 784)
    assert not np.array_equal(digits.train[0][:20], digits.test[0])


def test_load_digits_uses_mnist_when_present(monkeypatch):
    rng = np.random.default_rng(0)
    fake = DatasetSplits(train=(rng.random((40, 784), dtype=np.float32), np.arange(40) % 10),
                         val=(rng.random((5, 784), dtype=np.float32), np.arange(5)),
                         test=(rng.random((30, 784), dtype=np.float32), np.arange(30) % 10))
    monkeypatch.setattr(classroom_data, "load_mnist", lambda *a, **k: fake)
    digits = load_digits(25, 10)
    assert not digits.substitute and digits.source == "MNIST"
    np.testing.assert_array_equal(digits.train[0], fake.train[0][:25])
    np.testing.assert_array_equal(digits.test[1], fake.test[1][:10])
    assert "MNIST" in digits.note


@pytest.mark.parametrize("n_train, n_test, match", [
    (0, 10, "n_train"), (10, -1, "n_test"), (1.5, 10, "n_train"), (True, 10, "n_train"),
    (np.int64(0), 10, "n_train"), (10, np.float64(5.0), "n_test"), (10, np.bool_(True), "n_test"),
])
def test_load_digits_rejects_bad_counts(n_train, n_test, match):
    with pytest.raises(ValueError, match=f"{match} must be a positive integer"):
        load_digits(n_train, n_test)


@pytest.mark.parametrize("n_train, n_test", [(np.int64(25), np.int32(10)), (np.uint8(25), 10)])
def test_load_digits_takes_numpy_integers(monkeypatch, n_train, n_test):
    rng = np.random.default_rng(0)
    fake = DatasetSplits(train=(rng.random((40, 784), dtype=np.float32), np.arange(40) % 10),
                         val=None,
                         test=(rng.random((30, 784), dtype=np.float32), np.arange(30) % 10))
    monkeypatch.setattr(classroom_data, "load_mnist", lambda *a, **k: fake)
    digits = load_digits(n_train, n_test)
    assert digits.train[0].shape == (25, 784) and digits.test[0].shape == (10, 784)
    assert "the first 25 training and 10 test images" in digits.note


@pytest.mark.parametrize("make, error, match", [
    (lambda tmp: tmp / "no-such-folder", FileNotFoundError,
     "data_dir '.*no-such-folder' does not exist"),
    (lambda tmp: str(tmp / "no-such-folder"), FileNotFoundError, "data_dir '.*' does not exist"),
    (lambda tmp: (tmp / "file.txt").write_text("x") and tmp / "file.txt", NotADirectoryError,
     "data_dir '.*file.txt' is not a folder"),
    (lambda tmp: 3, TypeError, "data_dir must be a path"),
], ids=["missing-path", "missing-str", "a-file", "not-a-path"])
def test_load_digits_refuses_a_data_dir_that_is_not_a_folder(monkeypatch, tmp_path, make,
                                                              error, match):
    def missing(*args, **kwargs):
        raise DataNotFoundError("no MNIST here")

    monkeypatch.setattr(classroom_data, "load_mnist", missing)
    with pytest.raises(error, match=match):
        load_digits(10, 5, data_dir=make(tmp_path))
    # An existing folder without MNIST still falls back to the substitute, and says so.
    assert load_digits(10, 5, data_dir=tmp_path).substitute


def _no_mnist(monkeypatch):
    def missing(*args, **kwargs):
        raise DataNotFoundError("no MNIST here")

    monkeypatch.setattr(classroom_data, "load_mnist", missing)


@pytest.mark.parametrize("n_train, n_val, n_test", [(30, 10, 20), (12, 25, 8)])
def test_load_digits_glyph_validation_split_is_apart_from_train_and_test(monkeypatch, n_train,
                                                                         n_val, n_test):
    _no_mnist(monkeypatch)
    digits = load_digits(n_train, n_test, n_val=n_val, random_state=3)
    (X_train, _), (X_val, y_val), (X_test, _) = digits.train, digits.val, digits.test
    assert X_train.shape == (n_train, 784) and X_test.shape == (n_test, 784)
    assert X_val.shape == (n_val, 784) and y_val.shape == (n_val,) and y_val.dtype == np.int64
    for other in (X_train, X_test):
        # No validation image equals any training or test image.
        same = (X_val[:, None, :] == other[None, :, :]).all(axis=2)
        assert not same.any()
    # The validation digits are the ones drawn right after the training digits.
    X_all, y_all = make_glyph_digits(n_train + n_val + n_test, random_state=3)
    np.testing.assert_array_equal(X_val, X_all[n_train:n_train + n_val])
    np.testing.assert_array_equal(y_val, y_all[n_train:n_train + n_val])
    np.testing.assert_array_equal(X_train, X_all[:n_train])


def test_load_digits_without_n_val_has_no_validation_split_and_same_train_test(monkeypatch):
    _no_mnist(monkeypatch)
    digits = load_digits(30, 20, random_state=1)
    assert digits.val is None
    X_all, _ = make_glyph_digits(50, random_state=1)
    np.testing.assert_array_equal(digits.train[0], X_all[:30])
    np.testing.assert_array_equal(digits.test[0], X_all[30:])


@pytest.mark.parametrize("n_val", [0, 3, 5])
def test_load_digits_takes_validation_from_mnist_validation_split(monkeypatch, n_val):
    rng = np.random.default_rng(0)
    fake = DatasetSplits(train=(rng.random((40, 784), dtype=np.float32), np.arange(40) % 10),
                         val=(rng.random((5, 784), dtype=np.float32), np.arange(5) + 2),
                         test=(rng.random((30, 784), dtype=np.float32), np.arange(30) % 10))
    monkeypatch.setattr(classroom_data, "load_mnist", lambda *a, **k: fake)
    digits = load_digits(40, 10, n_val=n_val)
    np.testing.assert_array_equal(digits.train[0], fake.train[0])  # all of train, none carved
    if n_val == 0:
        assert digits.val is None and "validation" not in digits.note
    else:
        np.testing.assert_array_equal(digits.val[0], fake.val[0][:n_val])
        np.testing.assert_array_equal(digits.val[1], fake.val[1][:n_val])
        assert f"{n_val} validation" in digits.note


@pytest.mark.parametrize("n_val", [-1, 1.5, True, np.float64(2.0), "3"])
def test_load_digits_rejects_bad_n_val(monkeypatch, n_val):
    _no_mnist(monkeypatch)
    with pytest.raises(ValueError, match="n_val must be a non-negative integer"):
        load_digits(10, 5, n_val=n_val)
