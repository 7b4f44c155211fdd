"""Shared fixtures: tests run on the NumPy backend unless they ask for another."""
import numpy as np
import pytest

from ksparse.backend import use_backend


@pytest.fixture(autouse=True)
def numpy_backend():
    """Pin the backend so results do not depend on KSPARSE_BACKEND or a GPU."""
    with use_backend("numpy"):
        yield


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
