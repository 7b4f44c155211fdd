"""dask arrays: lazy transform and reconstruct equal the in-memory ones; training streams blocks."""
import collections
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse

from ksparse import RBM, KSparseAutoencoder
from ksparse.models import ReLUAutoencoder

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")

FIT = dict(epochs=2, batch_size=16, random_state=0)


@pytest.fixture(params=["synchronous", "threads"])
def scheduler(request):
    with dask.config.set(scheduler=request.param):
        yield request.param


@pytest.fixture
def X(rng):
    return rng.standard_normal((130, 11)) * 0.5  # (130, 11), float64


@pytest.fixture
def model(X):
    return KSparseAutoencoder(n_hidden=14, k=3, alpha=2.0, center=True, **FIT).fit(X)


@pytest.mark.parametrize("method", ["transform", "reconstruct"])
@pytest.mark.parametrize("chunks", [(40, 11), (130, 11), (25, 5)])
def test_lazy_result_equals_the_in_memory_one(model, X, method, chunks, scheduler):
    dX = da.from_array(X, chunks=chunks)
    lazy = getattr(model, method)(dX)
    assert isinstance(lazy, da.Array) and lazy.chunks[0] == dX.chunks[0]
    assert lazy.dtype == np.float64
    np.testing.assert_allclose(lazy.compute(), getattr(model, method)(X), rtol=1e-12,
                               atol=1e-12)


def test_float32_blocks_match_to_float32_precision(X, scheduler):
    X32 = X.astype(np.float32)
    model = ReLUAutoencoder(n_hidden=9, **FIT).fit(X32)
    lazy = model.transform(da.from_array(X32, chunks=(33, 11)))
    assert lazy.dtype == np.float32
    np.testing.assert_allclose(lazy.compute(), model.transform(X32), rtol=1e-5, atol=1e-6)


def test_codes_as_sparse_blocks(model, X, scheduler):
    lazy = model.transform(da.from_array(X, chunks=(50, 11)), sparse_output=True)
    codes = lazy.compute()
    assert scipy.sparse.issparse(codes) and codes.shape == (130, 14)
    np.testing.assert_allclose(codes.toarray(), model.transform(X), rtol=1e-12, atol=1e-12)


def test_score_over_blocks(model, X, scheduler):
    assert model.score(da.from_array(X, chunks=(40, 11))) == pytest.approx(model.score(X),
                                                                            rel=1e-12)


def test_a_nan_in_a_block_is_reported_when_computed(model, X):
    bad = X.copy()
    bad[100, 3] = np.nan
    lazy = model.transform(da.from_array(bad, chunks=(40, 11)))  # nothing runs yet
    with pytest.raises(ValueError, match="Input X contains NaN"):
        lazy.compute(scheduler="synchronous")


@pytest.mark.parametrize("center", [False, True])
def test_fit_on_one_block_is_bitwise_fit_in_memory(X, center):
    settings = dict(n_hidden=14, k=3, center=center, pre_bias=center, **FIT)
    streamed = KSparseAutoencoder(**settings).fit(da.from_array(X, chunks=(130, 11)))
    in_memory = KSparseAutoencoder(**settings).fit(X)
    for name in ("W_", "b_", "b_prime_"):
        np.testing.assert_array_equal(getattr(streamed, name), getattr(in_memory, name))
    assert streamed.history_ == in_memory.history_


def test_fit_streams_many_blocks(X, scheduler):
    settings = dict(n_hidden=14, k=3, center=True, learning_rate=0.005, **dict(FIT, epochs=6))
    streamed = KSparseAutoencoder(**settings).fit(da.from_array(X, chunks=(30, 11)))
    np.testing.assert_array_equal(streamed.mean_, X.mean(axis=0))  # the centre is exact
    assert len(streamed.history_) == 6
    assert streamed.history_[-1]["loss"] < streamed.history_[0]["loss"]
    untrained = KSparseAutoencoder(**dict(settings, epochs=1)).partial_fit(X[:16], mean=X.mean(0))
    assert streamed.score(X) > untrained.score(X)


def test_partial_fit_over_a_dask_array_is_the_chain_over_its_blocks(X, scheduler):
    settings = dict(n_hidden=14, k=3, **FIT)
    streamed = KSparseAutoencoder(**settings).partial_fit(da.from_array(X, chunks=(40, 11)))
    chain = KSparseAutoencoder(**settings)
    for start in range(0, 130, 40):
        chain.partial_fit(X[start : start + 40])
    np.testing.assert_array_equal(streamed.W_, chain.W_)
    assert len(streamed.history_) == 1 and streamed._run.state.step == chain._run.state.step


def test_bad_dask_input_is_refused_before_training(X):
    model = KSparseAutoencoder(n_hidden=14, k=3, **FIT)
    bad = X.copy()
    bad[-1, -1] = np.inf
    with pytest.raises(ValueError, match="Input X contains infinity"):
        model.fit(da.from_array(bad, chunks=(40, 11)))
    with pytest.raises(ValueError, match="Complex data not supported for X"):
        model.fit(da.from_array(X.astype(complex), chunks=(40, 11)))
    with pytest.raises(ValueError, match="Expected 2D array, got 1D"):
        model.partial_fit(da.from_array(X[:, 0], chunks=40))
    with pytest.raises(ValueError, match="checkpoint is not supported when fitting a dask"):
        model.fit(da.from_array(X, chunks=(40, 11)), checkpoint="never-written.npz")
    assert getattr(model, "W_", None) is None


def test_incremental_from_dask_ml_trains_block_by_block(X):
    wrappers = pytest.importorskip("dask_ml.wrappers")
    dX = da.from_array(X, chunks=(40, 11))
    settings = dict(n_hidden=14, k=3, **FIT)
    wrapped = wrappers.Incremental(KSparseAutoencoder(**settings), shuffle_blocks=False).fit(dX)
    chain = KSparseAutoencoder(**settings)
    for start in range(0, 130, 40):
        chain.partial_fit(X[start : start + 40])
    np.testing.assert_array_equal(wrapped.estimator_.W_, chain.W_)
    np.testing.assert_allclose(wrapped.transform(dX).compute(), chain.transform(X), rtol=1e-12,
                               atol=1e-12)


def test_importing_ksparse_does_not_import_dask():
    code = "import sys, ksparse; print('dask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def spread(rng, shape):
    """Values over three orders of magnitude: the order of their additions shows in the sum."""
    return rng.standard_normal(shape) * 10.0 ** rng.integers(-1, 2, shape)


@pytest.mark.parametrize("make", [lambda X: X[:, :1].copy(), np.asfortranarray],
                         ids=["one column", "Fortran blocks"])
@pytest.mark.parametrize("chunks", [400, 1000, 5001])
def test_a_centred_fit_is_bitwise_the_fit_of_the_computed_array(make, chunks, rng):
    data = make(spread(rng, (5001, 4)))
    dX = da.from_array(data, chunks=(chunks, -1)).map_blocks(make)  # blocks in data's layout
    settings = dict(n_hidden=6, k=1, center=True, pre_bias=True, learning_rate=1e-3, **FIT)
    streamed = KSparseAutoencoder(**settings).fit(dX)
    in_memory = KSparseAutoencoder(**settings).fit(dX.compute())
    np.testing.assert_array_equal(streamed.mean_, dX.compute().mean(axis=0))
    np.testing.assert_array_equal(streamed.mean_, in_memory.mean_)
    if dX.numblocks[0] == 1:  # one block trains as in memory (several: blocks in random order)
        for name in ("b_prime_", "W_"):
            np.testing.assert_array_equal(getattr(streamed, name), getattr(in_memory, name))
    first = KSparseAutoencoder(**settings).partial_fit(dX)  # the centre of the whole array
    np.testing.assert_array_equal(first.mean_, in_memory.mean_)


@pytest.mark.parametrize("sizes", [(40, 0, 50, 0, 40), (0, 130), (130, 0)])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_blocks_of_no_rows_are_skipped(X, sizes, method):
    settings = dict(n_hidden=14, k=3, center=True, **FIT)
    with_empty = da.from_array(X, chunks=(sizes, (11,)))
    assert 0 in with_empty.chunks[0]
    without = da.from_array(X, chunks=(tuple(s for s in sizes if s), (11,)))
    got = getattr(KSparseAutoencoder(**settings), method)(with_empty)
    expected = getattr(KSparseAutoencoder(**settings), method)(without)
    for name in ("mean_", "W_", "b_", "b_prime_"):
        np.testing.assert_array_equal(getattr(got, name), getattr(expected, name))
    assert got.history_ == expected.history_


def overflow_in_float32(X):
    bad = X.copy()
    bad[100, 3] = 1e308  # finite in float64, infinite in float32
    return da.from_array(bad, chunks=(40, 11)), bad, "infinity or a value too large"


def nan_in_sparse_blocks(X):
    bad = X.copy()
    bad[100, 3] = np.nan
    blocks = da.from_array(bad, chunks=(40, 11)).map_blocks(scipy.sparse.csr_matrix)
    return blocks, scipy.sparse.csr_matrix(bad), "NaN"


@pytest.mark.parametrize("make", [overflow_in_float32, nan_in_sparse_blocks])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_invalid_values_are_refused_before_training_as_in_memory(X, make, method, monkeypatch):
    dX, in_memory, what = make(X)
    settings = dict(n_hidden=14, k=3, dtype="float32", **FIT)
    with pytest.raises(ValueError) as expected:
        KSparseAutoencoder(**settings).fit(in_memory)
    model = KSparseAutoencoder(**settings)
    monkeypatch.setattr(model, "_initialise", lambda *args: pytest.fail("training started"))
    with pytest.raises(ValueError, match=what) as refused:
        getattr(model, method)(dX)
    assert str(refused.value) == str(expected.value)
    assert getattr(model, "W_", None) is None and getattr(model, "history_", None) is None


def counted(X, chunks, counts):
    """X as a dask array whose every computation of a block is counted in ``counts[block]``."""
    def count(block, block_info=None):
        counts[block_info[0]["chunk-location"][0]] += 1
        return block

    return da.from_array(X, chunks=chunks).map_blocks(count, dtype=X.dtype, meta=np.empty((0, 0)))


def val_with_nan(X):
    bad = X[:20].copy()
    bad[5, 2] = np.nan
    return bad


@pytest.mark.parametrize("make_val, what", [
    (lambda X: X[:20, :7], "X_val has 7 features, but X has 11"),
    (val_with_nan, "Input X_val contains NaN"),
    (lambda X: X[:20].astype(complex), "Complex data not supported for X_val"),
    (lambda X: X[:20, :1].ravel(), "Expected 2D array, got 1D"),
], ids=["features", "NaN", "complex", "1-D"])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_a_bad_X_val_is_refused_before_any_block_is_computed(X, make_val, what, method):
    settings = dict(n_hidden=14, k=3, center=True, **FIT)
    with pytest.raises(ValueError) as expected:
        KSparseAutoencoder(**settings).fit(X, X_val=make_val(X))
    counts = collections.Counter()
    model = KSparseAutoencoder(**settings)
    with dask.config.set(scheduler="synchronous"), pytest.raises(ValueError, match=what) as got:
        getattr(model, method)(counted(X, (40, 11), counts), X_val=make_val(X))
    assert str(got.value) == str(expected.value)  # the in-memory message
    assert counts == {} and getattr(model, "W_", None) is None


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_an_X_val_outside_the_unit_interval_is_refused_before_any_block(X, method):
    data = (X - X.min()) / (X.max() - X.min())  # in [0, 1]
    val = data[:10].copy()
    val[3, 4] = 1.5
    counts = collections.Counter()
    with dask.config.set(scheduler="synchronous"), pytest.raises(
            ValueError, match=r"X_val must lie in \[0, 1\].*it holds 1\.5"):
        getattr(RBM(n_hidden=5, **FIT), method)(counted(data, (40, 11), counts), X_val=val)
    assert counts == {}


@pytest.mark.parametrize("method, first, others", [
    ("fit", 2 + FIT["epochs"], 2 + FIT["epochs"]),  # check, centre (start), every epoch
    ("partial_fit", 2, 3),  # check, then the first block's rows centre, start and train
])
def test_a_centred_fit_computes_the_first_block_once_to_start_and_centre(X, method, first,
                                                                         others):
    counts = collections.Counter()
    settings = dict(n_hidden=14, k=3, center=True, **FIT)
    with dask.config.set(scheduler="synchronous"):
        streamed = getattr(KSparseAutoencoder(**settings), method)(
            counted(X, (40, 11), counts), X_val=X[:20])
    assert counts == {0: first, 1: others, 2: others, 3: others}
    np.testing.assert_array_equal(streamed.mean_, X.mean(axis=0))
