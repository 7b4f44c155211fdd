"""Every autoencoder takes dense, sparse, memory-mapped and object input, checked chunk by chunk."""
import tracemalloc

import numpy as np
import pytest
import scipy.sparse

import ksparse.inputs.streaming
from ksparse import KSparseAutoencoder
from ksparse.models import RBM, ReLUAutoencoder, TopKAutoencoder
from ksparse.inputs.streaming import Batches, Rows, column_mean
from ksparse.validation import check_array

FIT = dict(epochs=2, batch_size=16, random_state=0)
MODELS = {
    "ksparse": lambda **kw: KSparseAutoencoder(n_hidden=12, k=3, learning_rate=0.01, **FIT, **kw),
    "ksparse-centred": lambda **kw: KSparseAutoencoder(n_hidden=12, k=3, center=True,
                                                       pre_bias=True, **FIT, **kw),
    "relu": lambda **kw: ReLUAutoencoder(n_hidden=10, hidden_dropout=0.3, **FIT, **kw),
    "rbm": lambda **kw: RBM(n_hidden=10, persistent=True, **FIT, **kw),
    "topk": lambda **kw: TopKAutoencoder(n_hidden=12, k=3, **FIT, **kw),
}


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 7 rows, so that tiny data exercises the chunk boundaries."""
    monkeypatch.setattr(ksparse.inputs.streaming, "CHUNK", 7)


@pytest.fixture
def X_sparse(rng):
    X = rng.random((90, 15)) * (rng.random((90, 15)) < 0.3)  # (90, 15), 70 % zeros
    return X.astype(np.float32)


def fitted_arrays(model):
    names = ("W_", "b_", "b_prime_", "P_", "mean_")
    return {n: getattr(model, n) for n in names if getattr(model, n, None) is not None}


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_sparse_and_dense_input_give_the_same_model(name, fmt, X_sparse, small_chunks):
    dense = MODELS[name]().fit(X_sparse)
    S = scipy.sparse.csr_matrix(X_sparse).asformat(fmt)
    sparse = MODELS[name]().fit(S)
    for key, value in fitted_arrays(dense).items():
        np.testing.assert_allclose(getattr(sparse, key), value, rtol=1e-5, atol=1e-6)
    for model in (dense, sparse):  # inference on sparse rows matches dense rows
        np.testing.assert_allclose(model.transform(S), dense.transform(X_sparse) if model is dense
                                   else model.transform(X_sparse), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(model.reconstruct(S), model.reconstruct(X_sparse),
                                   rtol=1e-5, atol=1e-6)
        assert model.score(S) == pytest.approx(model.score(X_sparse), rel=1e-5)


def test_sparse_output_holds_the_codes(X_sparse, small_chunks):
    model = MODELS["ksparse"](alpha=2.0).fit(X_sparse)
    H = model.transform(X_sparse, sparse_output=True)
    assert scipy.sparse.issparse(H) and H.format == "csr" and H.shape == (90, 12)
    np.testing.assert_array_equal(H.toarray(), model.transform(X_sparse))
    assert (H.getnnz(axis=1) <= 6).all()  # round(alpha * k) = 6 units per row at most
    # From CSR rows the encoder product is sparse × dense: other summation order.
    H_csr = model.transform(scipy.sparse.csr_matrix(X_sparse), sparse_output=True)
    np.testing.assert_allclose(H_csr.toarray(), H.toarray(), rtol=1e-5, atol=1e-6)


def test_sparse_rows_reach_a_model_that_accepts_them_undensified(X_sparse, monkeypatch):
    seen = []

    class Recording(KSparseAutoencoder):
        _accepts_sparse_rows = True

        def _encode(self, X):
            seen.append(scipy.sparse.issparse(X))
            return super()._encode(X)

    model = MODELS["ksparse"]().fit(X_sparse)
    probe = Recording(n_hidden=12, k=3, **FIT)
    for name, value in fitted_arrays(model).items():
        setattr(probe, name, value)
    probe.n_features_in_ = model.n_features_in_
    H = probe.transform(scipy.sparse.csr_matrix(X_sparse))
    assert seen == [True]  # the encoder product was sparse × dense
    np.testing.assert_allclose(H, model.transform(X_sparse), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("tied", [True, False])
def test_sparse_minibatches_reach_the_sparse_step_undensified(X_sparse, monkeypatch, tied):
    import ksparse.models.k_sparse

    seen = []
    real = ksparse.models.k_sparse.sparse_loss_and_grads
    def spy(params, X, k, pre_bias, target=None):
        seen.append(type(X))
        return real(params, X, k, pre_bias, target=target)
    monkeypatch.setattr(ksparse.models.k_sparse, "sparse_loss_and_grads", spy)
    S = scipy.sparse.csr_matrix(X_sparse)
    sparse = MODELS["ksparse"](tied=tied).fit(S)
    assert len(seen) == 2 * 6 and all(t is type(S) for t in seen)  # 2 epochs of 6 batches
    dense = MODELS["ksparse"](tied=tied).fit(X_sparse)
    assert all(t is np.ndarray for t in seen[12:])  # dense input stays dense
    for key, value in fitted_arrays(dense).items():
        np.testing.assert_allclose(getattr(sparse, key), value, rtol=1e-5, atol=1e-6)
    centred = MODELS["ksparse"](tied=tied, center=True)  # x − μ is dense: densified per batch
    seen.clear()
    centred.fit(S)
    assert all(t is np.ndarray for t in seen) and len(seen) == 12


@pytest.fixture
def memmap_file(tmp_path, rng):
    """A float64 file of 12,000 × 20 values (1.9 MB) opened read-only, and its data."""
    X = rng.standard_normal((12_000, 20)) * 0.5 + 0.5
    path = tmp_path / "X.npy"
    np.save(path, X)
    return np.load(path, mmap_mode="r"), X


@pytest.mark.parametrize("center", [False, True])
def test_memory_mapped_input_gives_bitwise_the_in_memory_model(memmap_file, center):
    M, X = memmap_file
    settings = dict(n_hidden=16, k=4, center=center, pre_bias=center, epochs=1,
                    batch_size=256, learning_rate=0.002, random_state=1)
    mapped = KSparseAutoencoder(**settings).fit(M)
    in_memory = KSparseAutoencoder(**settings).fit(X)
    for key, value in fitted_arrays(in_memory).items():
        np.testing.assert_array_equal(getattr(mapped, key), value)
    assert mapped.history_ == in_memory.history_
    np.testing.assert_array_equal(mapped.transform(M[:500]), in_memory.transform(X[:500]))


def peak_bytes(func):
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("center", [False, True])
def test_memory_mapped_input_is_never_copied(memmap_file, center, monkeypatch):
    # Chunks of 512 rows (82 kB) against a file of 12,000 rows (1.92 MB): what is held
    # at once must scale with the chunk, never with the file.
    monkeypatch.setattr(ksparse.inputs.streaming, "CHUNK", 512)
    M, _ = memmap_file
    size = M.nbytes
    model = KSparseAutoencoder(n_hidden=8, k=2, center=center, pre_bias=center, epochs=1,
                               batch_size=64, learning_rate=0.002, random_state=0)
    assert peak_bytes(lambda: model.fit(M)) < size / 4
    assert peak_bytes(lambda: model.partial_fit(M)) < size / 4
    assert peak_bytes(lambda: model.score(M)) < size / 4
    codes_size = M.shape[0] * model.n_hidden * 8  # the output itself must be stored
    assert peak_bytes(lambda: model.transform(M)) < codes_size + size / 4
    assert isinstance(M, np.memmap)  # still the file, nothing rewrote it


def test_the_old_fit_would_have_copied_it(memmap_file):
    """The measurement can fail: a full conversion of the same data is well above the bound."""
    M, _ = memmap_file
    assert peak_bytes(lambda: np.asarray(M).astype(np.float64) - 1.0) > M.nbytes


def test_an_object_array_of_numbers_converts(rng):
    X = rng.standard_normal((40, 5))
    as_objects = np.empty(X.shape, dtype=object)
    as_objects[...] = X.tolist()
    ours = MODELS["ksparse"]().fit(as_objects)
    theirs = MODELS["ksparse"]().fit(X)
    np.testing.assert_array_equal(ours.W_, theirs.W_)
    np.testing.assert_array_equal(ours.transform(as_objects), theirs.transform(X))


def object_array(rows):
    out = np.empty((len(rows), len(rows[0])), dtype=object)
    out[...] = rows
    return out


BAD = {
    "complex": (np.ones((3, 2), dtype=complex), "Complex data not supported for {}"),
    "strings": (np.array([["a", "b"], ["c", "d"]]), "{} must contain real numbers; got dtype <U1"),
    "ragged": ([[1.0, 2.0], [3.0]], "{} could not be read as an array of numbers"),
    "object strings": (object_array([["1.0", "x"], ["2", "3"]]),
                       "{} must contain real numbers; its objects could not be converted"),
    # None becomes NaN, as NumPy (and scikit-learn) read it
    "object None": (object_array([[1.0, None], [2.0, 3.0]]), "Input {} contains NaN"),
    "sparse NaN": (scipy.sparse.csr_matrix(np.array([[0.0, np.nan], [1.0, 0.0]])),
                   "Input {} contains NaN"),
    "sparse complex": (scipy.sparse.csr_matrix(np.ones((2, 2), dtype=complex)),
                       "Complex data not supported for {}"),
}


@pytest.mark.parametrize("case", sorted(BAD))
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_bad_X_raises_value_error_naming_it_before_any_work(case, method):
    data, message = BAD[case]
    model = MODELS["ksparse"]()
    with pytest.raises(ValueError, match=message.format("X")):
        getattr(model, method)(data)
    assert getattr(model, "W_", None) is None and model._run is None


@pytest.mark.parametrize("value", [1j, {"a": 1}])
def test_objects_of_a_type_numpy_cannot_convert_raise_its_type_error(value):
    # float(1j) and float({}) raise TypeError in NumPy; scikit-learn's checks ask for the same.
    data = object_array([[1.0, value], [2.0, 3.0]])
    with pytest.raises(TypeError, match="X must contain real numbers; its objects could not be"):
        MODELS["ksparse"]().fit(data)


@pytest.mark.parametrize("case", ["complex", "strings", "ragged", "object None", "sparse NaN"])
def test_bad_X_val_is_named(case, rng):
    data, message = BAD[case]
    with pytest.raises(ValueError, match=message.format("X_val")):
        MODELS["ksparse"]().fit(rng.standard_normal((20, 2)), X_val=data)


@pytest.mark.parametrize("case", ["complex", "strings", "ragged", "object strings", "sparse NaN"])
@pytest.mark.parametrize("method", ["transform", "reconstruct", "score"])
def test_bad_X_at_inference_is_named(case, method, rng):
    model = MODELS["ksparse"]().fit(rng.standard_normal((20, 2)))
    data, message = BAD[case]
    with pytest.raises(ValueError, match=message.format("X")):
        getattr(model, method)(data)


def test_a_nan_in_a_late_chunk_of_a_file_is_found_before_training(tmp_path, small_chunks, rng):
    X = rng.standard_normal((60, 4))
    X[57, 2] = np.inf  # in the ninth chunk of seven rows
    np.save(tmp_path / "X.npy", X)
    model = MODELS["ksparse"]()
    with pytest.raises(ValueError, match="Input X contains infinity"):
        model.fit(np.load(tmp_path / "X.npy", mmap_mode="r"))
    assert getattr(model, "W_", None) is None


def test_check_array_says_when_sparse_input_is_the_problem():
    with pytest.raises(TypeError, match="X is a SciPy sparse matrix, but dense data is required"):
        check_array(scipy.sparse.csr_matrix(np.eye(3)))


def test_fraction_of_variance_unexplained_still_takes_dense_input(rng):
    X = rng.standard_normal((30, 6))
    model = TopKAutoencoder(n_hidden=8, k=2, **FIT).fit(X)
    X_hat = model.reconstruct(X)  # the FVU by hand: error over the spread around the mean
    expected = ((X_hat - X) ** 2).sum() / ((X - X.mean(axis=0)) ** 2).sum()
    assert model.fraction_of_variance_unexplained(X) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "make, exact",
    [
        (lambda X: X, True),  # C order, several columns: NumPy sums row after row
        (lambda X: (X * 50).astype(np.int16), True),  # converted chunk by chunk
        (lambda X: X.astype(np.float32), True),
        (np.asfortranarray, True),  # reduced whole, as NumPy does
        (lambda X: X[:, :1].copy(), True),
        (scipy.sparse.csr_matrix, False),
    ],
)
def test_column_mean_is_the_numpy_mean(make, exact, rng, small_chunks):
    data = make(rng.standard_normal((100, 9)) * 10 + 3)
    reference = (data.toarray() if scipy.sparse.issparse(data) else
                 np.asarray(data).astype(float if data.dtype.kind != "f" else data.dtype)
                 ).mean(axis=0)
    got = column_mean(Batches(Rows(data), np))
    assert got.dtype == reference.dtype
    if exact:
        np.testing.assert_array_equal(got, reference)
    else:
        np.testing.assert_allclose(got, reference, rtol=1e-12)


def test_column_mean_of_a_file_is_exact_and_centred_rows_too(memmap_file, small_chunks):
    M, X = memmap_file
    np.testing.assert_array_equal(column_mean(Batches(Rows(M), np)), X.mean(axis=0))
    centre = X.mean(axis=0)
    np.testing.assert_array_equal(column_mean(Batches(Rows(M), np, mean=centre)),
                                  (X - centre).mean(axis=0))


def test_values_beyond_the_models_float32_are_refused_not_read_as_infinity(rng):
    from ksparse import KSparseAutoencoder

    X = rng.random((40, 6)).astype(np.float32)
    model = KSparseAutoencoder(n_hidden=8, k=2, epochs=1, verbose=False).fit(X)
    huge = np.full((3, 6), 1e308)  # finite in float64, infinite in float32
    for method in (model.transform, model.reconstruct):
        with pytest.raises(ValueError, match="Input X contains infinity or a value too large"):
            method(huge)
    with pytest.raises(ValueError, match="infinity or a value too large"):
        KSparseAutoencoder(n_hidden=8, k=2, dtype="float32", verbose=False).fit(huge)
