"""Shared fixtures: tests run on the NumPy backend unless they ask for another."""
import numpy as np
import pytest

from ksparse import KSparseAutoencoder
from ksparse.backend import use_backend


@pytest.fixture(autouse=True)
def numpy_backend():
    """Pin the backend so results do not depend on KSPARSE_BACKEND or a GPU."""
    with use_backend("numpy"):
        yield


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture(scope="session")
def model_bytes(tmp_path_factory):
    """Bytes of a small fitted KSparseAutoencoder saved with ``model.save``."""
    X = np.random.default_rng(0).standard_normal((40, 6)).astype(np.float32)
    model = KSparseAutoencoder(n_hidden=8, k=2, epochs=1, batch_size=16, random_state=0,
                               verbose=False).fit(X)
    path = tmp_path_factory.mktemp("model") / "good.npz"
    model.save(path)
    return path.read_bytes()
