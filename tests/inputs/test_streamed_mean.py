"""The centre of streamed input is bitwise NumPy's mean of the same rows in memory, any layout."""
import numpy as np
import pytest
import scipy.sparse

import ksparse.inputs.streaming
from ksparse import KSparseAutoencoder
from ksparse.inputs.pairwise import pairwise_column_sums
from ksparse.inputs.streaming import Batches, Rows, column_mean, is_memory_mapped


def spread(rng, shape, dtype=np.float64):
    """Values over twelve orders of magnitude: the order of their additions shows in the sum."""
    return (rng.standard_normal(shape) * 10.0 ** rng.integers(-6, 7, shape)).astype(dtype)


def row_after_row(X):
    total = np.zeros(X.shape[1], X.dtype)
    for row in X:
        total = total + row
    return total


@pytest.mark.parametrize("n_rows", [1, 7, 8, 9, 127, 128, 129, 1000, 9001, 20011])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("chunk", [1, 13, 4096])
def test_pairwise_sums_of_chunks_are_numpys_sums_of_a_fortran_array(n_rows, dtype, chunk, rng):
    X = np.asfortranarray(spread(rng, (n_rows, 3), dtype))  # (n_rows, 3), columns contiguous
    chunks = (X[start : start + chunk] for start in range(0, n_rows, chunk))
    got = pairwise_column_sums(chunks, n_rows)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, X.sum(axis=0))
    np.testing.assert_array_equal(pairwise_column_sums([X[:, :1]], n_rows), X[:, :1].sum(axis=0))


def test_numpy_does_not_add_a_column_row_after_row(rng):
    # Without this, the tests above could pass with a plain running sum.
    X = np.asfortranarray(spread(rng, (20011, 3)))
    assert not np.array_equal(X.sum(axis=0), row_after_row(X))
    assert np.array_equal(np.ascontiguousarray(X).sum(axis=0), row_after_row(X))


def test_a_column_of_negative_zeros_sums_to_zero_as_in_numpy():
    X = np.full((200, 1), -0.0)
    got = pairwise_column_sums([X[:70], X[70:]], 200)
    assert not np.signbit(got[0]) and not np.signbit(X.sum(axis=0)[0])


# How the file is written, and which rows and columns of it are read.
LAYOUTS = {
    "one column": (np.ascontiguousarray, lambda X: X[:, 2:3]),
    "Fortran order": (np.asfortranarray, lambda X: X),
    "Fortran order, every other row": (np.asfortranarray, lambda X: X[::2]),
    "C order": (np.ascontiguousarray, lambda X: X),
}


def saved(X, layout, path):
    """X written in the layout's order; its view of the file and of the same array in memory."""
    order, view = LAYOUTS[layout]
    np.save(path, order(X))
    return view(np.load(path, mmap_mode="r")), view(np.load(path))


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(ksparse.inputs.streaming, "CHUNK", 97)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_mean_of_a_file_is_the_mean_of_the_array_in_memory(layout, dtype, tmp_path, rng,
                                                               small_chunks):
    M, in_memory = saved(spread(rng, (3001, 4), dtype), layout, tmp_path / "X.npy")
    assert is_memory_mapped(M) and not is_memory_mapped(in_memory)
    np.testing.assert_array_equal(column_mean(Batches(Rows(M), np)), in_memory.mean(axis=0))
    centre = in_memory.mean(axis=0)  # the rows centred first, as pre_bias sees them
    np.testing.assert_array_equal(column_mean(Batches(Rows(M), np, mean=centre)),
                                  (in_memory - centre).mean(axis=0))


@pytest.mark.parametrize("layout", ["one column", "Fortran order"])
def test_a_centred_fit_on_a_file_is_bitwise_the_fit_in_memory(layout, tmp_path, rng,
                                                              small_chunks):
    M, X = saved(spread(rng, (2000, 5)) * 1e-6, layout, tmp_path / "X.npy")
    settings = dict(n_hidden=6, k=1, center=True, pre_bias=True, epochs=1, batch_size=64,
                    learning_rate=1e-4, random_state=3)
    mapped = KSparseAutoencoder(**settings).fit(M)
    in_memory = KSparseAutoencoder(**settings).fit(X)
    np.testing.assert_array_equal(mapped.mean_, X.mean(axis=0))
    for name in ("mean_", "b_prime_", "W_", "b_"):
        np.testing.assert_array_equal(getattr(mapped, name), getattr(in_memory, name))
    assert mapped.history_ == in_memory.history_


@pytest.mark.parametrize("n_columns", [1, 4])
def test_the_mean_of_sparse_rows_is_the_mean_of_their_dense_array(n_columns, rng, small_chunks):
    X = spread(rng, (3001, n_columns)) * (rng.random((3001, n_columns)) < 0.7)
    got = column_mean(Batches(Rows(scipy.sparse.csr_matrix(X)), np))
    np.testing.assert_array_equal(got, X.mean(axis=0))
