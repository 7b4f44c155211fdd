"""Training data are read once to be checked, and a dask block in memory is not computed again.

Before the first step, X and X_val are each read once, chunk by chunk: NaN,
infinity and, for a model that needs data in [0, 1] (the RBM, a sigmoid
decoder), the range, in the same pass; a model without that rule computes
no extremes. A dask X's X_val is checked on its own, as beside in-memory X.
A multi-block dask ``fit`` computes a block for training only when the
block in memory is another one.
"""
import collections

import numpy as np
import pytest
import scipy.sparse

import ksparse.inputs.dask_arrays
import ksparse.inputs.streaming
from ksparse import RBM, KSparseAutoencoder

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")

SMALL = dict(n_hidden=4, epochs=1, batch_size=8, random_state=0)
MODELS = {
    "RBM ([0, 1] data)": lambda: RBM(**SMALL),
    "k-sparse (any data)": lambda: KSparseAutoencoder(k=2, **SMALL),
}


class CountedReads(np.memmap):
    """A memory-mapped array that records every row a slice of it reads (in ``reads``)."""

    def __getitem__(self, key):
        reads = getattr(self, "reads", None)  # views made by slicing record nothing
        if reads is not None and isinstance(key, slice):
            reads.extend(range(*key.indices(self.shape[0])))
        return super().__getitem__(key)


def counted_memmap(X, path):
    np.save(path, X)
    mapped = np.load(path, mmap_mode="r").view(CountedReads)
    mapped.reads = []
    return mapped


class Stop(Exception):
    pass


def stop_at_training(model, monkeypatch):
    def stop(*args, **kwargs):  # where training would begin, after every check
        raise Stop

    monkeypatch.setattr(model, "_initialise", stop)


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
@pytest.mark.parametrize("mapped, other", [("X", "array"), ("X_val", "array"),
                                           ("X_val", "dask")])
def test_a_memory_mapped_argument_is_read_once_before_training(
        rng, monkeypatch, tmp_path, name, method, mapped, other):
    monkeypatch.setattr(ksparse.inputs.streaming, "CHUNK", 8)  # five chunks of 40 rows
    extremes = collections.Counter()
    value_extremes = ksparse.inputs.streaming.value_extremes

    def counting(rows, dtype):
        extremes["calls"] += 1
        return value_extremes(rows, dtype)

    monkeypatch.setattr(ksparse.inputs.streaming, "value_extremes", counting)
    data = counted_memmap(rng.random((40, 6)), tmp_path / "data.npy")
    other_data = rng.random((24, 6))
    if other == "dask":
        other_data = da.from_array(other_data, chunks=(10, 6))
    X, X_val = (data, other_data) if mapped == "X" else (other_data, data)
    model = MODELS[name]()
    stop_at_training(model, monkeypatch)
    with pytest.raises(Stop):
        getattr(model, method)(X, X_val=X_val)
    assert sorted(data.reads) == list(range(40))  # every row once: NaN and range together
    if model._unit_interval() is None:
        assert extremes["calls"] == 0  # no extremes for a model that takes any data
    else:
        assert extremes["calls"] >= 5  # at least the memory-mapped argument's five chunks


@pytest.mark.parametrize("kind", ["array", "sparse", "dask"])
def test_the_value_named_is_the_extreme_of_all_of_X_whatever_its_kind(rng, monkeypatch, kind):
    monkeypatch.setattr(ksparse.inputs.streaming, "CHUNK", 8)
    X = rng.random((40, 6))
    X[3, 1], X[37, 2] = 1.5, -0.5  # in the first and the last of five chunks
    if kind == "sparse":
        X = scipy.sparse.csr_matrix(X)
    elif kind == "dask":
        X = da.from_array(X, chunks=(8, 6))
    with pytest.raises(ValueError, match=r"^X must lie in \[0, 1\] .*; it holds -0\.5\.$"):
        RBM(**SMALL).fit(X)


def counted_blocks(X, chunks, computed):
    """X as a dask array that appends the index of every block it computes to ``computed``."""
    def count(block, block_info=None):
        computed.append(block_info[0]["chunk-location"][0])
        return block

    return da.from_array(X, chunks=chunks).map_blocks(count, dtype=X.dtype,
                                                      meta=np.empty((0, 0)))


@pytest.mark.parametrize("center", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 4])  # visits from 0 (2, 2 across epochs), 1, 4 (both)
def test_fit_computes_a_block_for_training_only_when_another_is_in_memory(
        rng, monkeypatch, seed, center):
    X = rng.random((130, 5))
    starts = [0, 40, 80, 120]  # the four blocks' first rows
    visits, computed = [], []
    pass_steps = ksparse.inputs.dask_arrays.pass_steps

    def record(model, run, sources, *args, **kwargs):
        first_row = sources[0].rows.data[0]
        visits.append(starts.index(int(np.flatnonzero((X == first_row).all(axis=1))[0])))
        return pass_steps(model, run, sources, *args, **kwargs)

    monkeypatch.setattr(ksparse.inputs.dask_arrays, "pass_steps", record)
    model = KSparseAutoencoder(n_hidden=3, k=1, center=center, epochs=3, batch_size=16,
                               random_state=seed)
    with dask.config.set(scheduler="synchronous"):
        model.fit(counted_blocks(X, (40, 5), computed))
    epochs = [visits[i : i + 4] for i in range(0, 12, 4)]
    assert len(visits) == 12 and all(sorted(epoch) == [0, 1, 2, 3] for epoch in epochs)
    # Computed: each block once for the check; the first to start the model (the others
    # too with center, for the centre); then on each visit that follows another block's.
    expected = collections.Counter({0: 2, 1: 1 + center, 2: 1 + center, 3: 1 + center})
    previous = 0  # the first block, in memory once the model has started
    for block in visits:
        expected[block] += block != previous
        previous = block
    assert collections.Counter(computed) == expected
