"""Models that read their data as values in [0, 1] refuse anything else before any work.

The RBM's visible units are probabilities, and a sigmoid decoder's x̂ = σ(a)
lies in (0, 1): data outside [0, 1] are refused by ``fit`` and
``partial_fit``, chunk by chunk, whatever their kind, before the first step,
after the arguments and after the NaN check (a dask array's blocks: in the
same pass). A sigmoid decoder cannot fit centred data, nor data shifted by
b′: it refuses ``center`` and ``pre_bias`` as the RBM does.
"""
import inspect

import numpy as np
import pytest
import scipy.sparse

import ksparse.inputs.streaming
from ksparse.models import (
    RBM,
    DenoisingAutoencoder,
    DropoutAutoencoder,
    KLSparseAutoencoder,
    ReLUAutoencoder,
)
from ksparse.models.autoencoder import Autoencoder

SMALL = dict(n_hidden=4, epochs=1, batch_size=8, random_state=0)
UNIT_INTERVAL = {
    "RBM": lambda **kw: RBM(**SMALL, **kw),
    "KL (sigmoid decoder)": lambda **kw: KLSparseAutoencoder(**SMALL, **kw),
    "ReLU, sigmoid decoder": lambda **kw: ReLUAutoencoder(**{**SMALL, "decoder": "sigmoid", **kw}),
}
SIGMOID_DECODER = ["KL (sigmoid decoder)", "ReLU, sigmoid decoder"]


def unfitted(model):
    return getattr(model, "W_", None) is None


@pytest.mark.parametrize("name", SIGMOID_DECODER)
@pytest.mark.parametrize("option", ["center", "pre_bias"])
def test_a_sigmoid_decoder_refuses_center_and_pre_bias(rng, name, option):
    X = rng.random((40, 6))
    model = UNIT_INTERVAL[name](**{option: True})
    with pytest.raises(ValueError, match=rf"decoder='sigmoid' needs center=False and "
                                         rf"pre_bias=False \(got .*{option}=True"):
        model.fit(X)
    assert unfitted(model)
    assert not unfitted(UNIT_INTERVAL[name](decoder="linear", **{option: True}).fit(X))


def bad_data(rng, value):
    """(40, 6) values in [0, 1] but one, in the last of five chunks of 8 rows."""
    X = rng.random((40, 6))
    X[37, 2] = value
    return X


def fit_with(kind, model, X, good, tmp_path):
    if kind == "array":
        return model.fit(X, checkpoint=tmp_path / "run.ckpt")
    if kind == "memmap":
        np.save(tmp_path / "X.npy", X)
        return model.fit(np.load(tmp_path / "X.npy", mmap_mode="r"))
    if kind == "sparse":
        return model.fit(scipy.sparse.csr_matrix(X))
    if kind == "dask":
        da = pytest.importorskip("dask.array")
        return model.fit(da.from_array(X, chunks=(10, 6)))
    if kind == "dask partial_fit":
        da = pytest.importorskip("dask.array")
        return model.partial_fit(da.from_array(X, chunks=(10, 6)))
    if kind == "X_val":
        return model.fit(good, X_val=X)
    return model.partial_fit(X)


@pytest.mark.parametrize("name", UNIT_INTERVAL)
@pytest.mark.parametrize("kind", ["array", "memmap", "sparse", "dask", "dask partial_fit",
                                  "X_val", "partial_fit"])
@pytest.mark.parametrize("value", [-0.5, 1.5])
def test_data_outside_the_unit_interval_is_refused_before_any_work(
        rng, monkeypatch, tmp_path, name, kind, value):
    monkeypatch.setattr(ksparse.inputs.streaming, "CHUNK", 8)  # the bad row in the last chunk
    X, good = bad_data(rng, value), rng.random((40, 6))
    model = UNIT_INTERVAL[name]()
    argument = "X_val" if kind == "X_val" else "X"
    with pytest.raises(ValueError, match=rf"^{argument} must lie in \[0, 1\] \(.+\); "
                                         rf"it holds {value:g}\.$"):
        fit_with(kind, model, X, good, tmp_path)
    assert unfitted(model) and not (tmp_path / "run.ckpt").exists()
    assert not unfitted(fit_with(kind, UNIT_INTERVAL[name](), good, good, tmp_path))


@pytest.mark.parametrize("name", UNIT_INTERVAL)
def test_a_later_partial_fit_call_with_bad_data_learns_nothing(rng, name):
    model = UNIT_INTERVAL[name]().partial_fit(rng.random((40, 6)))
    W, history = model.W_.copy(), list(model.history_)
    with pytest.raises(ValueError, match=r"X must lie in \[0, 1\]"):
        model.partial_fit(bad_data(rng, 2.0))
    np.testing.assert_array_equal(model.W_, W)
    assert model.history_ == history


@pytest.mark.parametrize("name", UNIT_INTERVAL)
@pytest.mark.parametrize("kind", ["array", "sparse", "dask"])
@pytest.mark.parametrize("dtype, accepted", [(None, False), ("float32", True)])
def test_values_are_compared_as_the_model_reads_them(rng, name, kind, dtype, accepted):
    X = rng.random((40, 3))
    X[37] = [0.0, 1.0, 1.0 + 1e-12]  # 1 + 1e-12 is beyond 1 in float64, exactly 1 in float32
    if kind != "array":
        X = scipy.sparse.csr_matrix(X) if kind == "sparse" else dask_rows(X)
    model = UNIT_INTERVAL[name](dtype=dtype)
    if accepted:
        assert not unfitted(model.fit(X))
    else:
        with pytest.raises(ValueError, match=r"^X must lie in .*; it holds 1\.$"):
            model.fit(X)


@pytest.mark.parametrize("make", [
    lambda: ReLUAutoencoder(**SMALL),
    lambda: ReLUAutoencoder(activation="sigmoid", **SMALL),  # sigmoid units, linear output
    lambda: KLSparseAutoencoder(decoder="linear", center=True, **SMALL),
])
def test_a_linear_decoder_takes_data_of_any_range(rng, make):
    X = rng.standard_normal((40, 6)) * 3
    assert not unfitted(make().fit(X))


@pytest.mark.parametrize("cls", [RBM, ReLUAutoencoder, DenoisingAutoencoder, DropoutAutoencoder,
                                 KLSparseAutoencoder])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_fit_keeps_the_docstring_and_signature_of_autoencoder(cls, method):
    ours, base = getattr(cls, method), getattr(Autoencoder, method)
    assert inspect.getdoc(ours) == inspect.getdoc(base) and inspect.getdoc(base)
    assert inspect.signature(ours) == inspect.signature(base)


def dask_rows(X, computed=None):
    """X as a dask array of four blocks; ``computed`` counts the blocks computed."""
    da = pytest.importorskip("dask.array")
    blocks = da.from_array(X, chunks=(10, X.shape[1]))
    if computed is None:
        return blocks

    def count(block):
        computed.append(block.shape)
        return block

    return blocks.map_blocks(count, meta=np.empty((0, 0), X.dtype))  # meta: never called empty


@pytest.mark.parametrize("name", UNIT_INTERVAL)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
@pytest.mark.parametrize("value, dtype", [(np.nan, None), (np.inf, None), (-np.inf, None),
                                          (1e308, "float32")])
def test_dask_data_get_the_in_memory_message_for_nan_and_infinity(rng, name, method, value,
                                                                   dtype):
    X = bad_data(rng, value)
    X[3, 0] = -0.5  # outside [0, 1] too, in an earlier block
    with pytest.raises(ValueError) as in_memory:
        getattr(UNIT_INTERVAL[name](dtype=dtype), method)(X)
    assert str(in_memory.value).startswith("Input X contains")
    model = UNIT_INTERVAL[name](dtype=dtype)
    with pytest.raises(ValueError) as dask:
        getattr(model, method)(dask_rows(X))
    assert str(dask.value) == str(in_memory.value)
    assert unfitted(model)


@pytest.mark.parametrize("name", UNIT_INTERVAL)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
@pytest.mark.parametrize("problem, message", [
    ("threads", r"^KSPARSE_NUM_THREADS must be 'auto' or a positive integer, got 'many'"),
    ("checkpoint", r"^checkpoint .*run\.ckpt: the folder .*absent does not exist\.$"),
])
def test_dask_arguments_are_checked_before_any_block_is_read(
        rng, monkeypatch, tmp_path, name, method, problem, message):
    X, computed, kwargs = rng.random((40, 6)), [], {}
    if problem == "checkpoint":
        kwargs["checkpoint"] = tmp_path / "absent" / "run.ckpt"
    else:
        monkeypatch.setenv("KSPARSE_NUM_THREADS", "many")
    with pytest.raises(ValueError, match=message):
        getattr(UNIT_INTERVAL[name](), method)(dask_rows(X, computed), **kwargs)
    assert computed == []
    monkeypatch.delenv("KSPARSE_NUM_THREADS", raising=False)
    assert not unfitted(getattr(UNIT_INTERVAL[name](), method)(dask_rows(X, computed)))
    assert computed  # the counter sees the blocks read


class Stop(Exception):
    pass


@pytest.mark.parametrize("name", UNIT_INTERVAL)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_dask_values_are_checked_in_one_pass_over_the_blocks(rng, monkeypatch, name, method):
    X, computed = rng.random((40, 6)), []
    model = UNIT_INTERVAL[name]()

    def stop(*args, **kwargs):  # where training would begin, after every check
        raise Stop

    monkeypatch.setattr(model, "_initialise", stop)
    with pytest.raises(Stop):
        getattr(model, method)(dask_rows(X, computed))
    # Each of the four blocks once (NaN, infinity and [0, 1] together), then the first one
    # again, which initialises the model.
    assert sorted(computed) == [(10, 6)] * 5
