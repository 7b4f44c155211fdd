"""A checkpoint records NumPy-scalar settings as their values, so a run with other values is refused."""
import numpy as np
import pytest

from ksparse import KSparseAutoencoder

FIT = dict(n_hidden=6, epochs=2, batch_size=8, random_state=0)


@pytest.fixture
def X():
    return np.random.default_rng(0).random((40, 5)).astype(np.float32)


@pytest.fixture
def checkpoint(tmp_path, X):
    path = tmp_path / "run.ckpt"
    KSparseAutoencoder(**FIT, k=np.int64(2)).fit(X, checkpoint=path)
    return path


@pytest.mark.parametrize("k", [np.int64(4), 4, np.int32(3)])
def test_a_run_with_another_k_is_refused(k, checkpoint, X):
    with pytest.raises(ValueError, match="belongs to a different run"):
        KSparseAutoencoder(**FIT, k=k).fit(X, checkpoint=checkpoint, resume=True)


@pytest.mark.parametrize("k", [np.int64(2), 2])
def test_the_same_k_resumes(k, checkpoint, X):
    reference = KSparseAutoencoder(**FIT, k=2).fit(X)
    resumed = KSparseAutoencoder(**FIT, k=k).fit(X, checkpoint=checkpoint, resume=True)
    assert resumed.W_.tobytes() == reference.W_.tobytes()
