"""Shared fixtures: tests run on the NumPy backend unless they ask for another, without progress bars.

This folder is on ``sys.path`` (pytest puts a root ``conftest.py``'s folder there),
so the helper modules beside this file (``_numerical``, ``_hostile``,
``_cli_helpers``, ``_fake_files``) import by name from every sub-folder.
"""
import numpy as np
import pytest
import tqdm.std

from ksparse import KSparseAutoencoder
from ksparse.backend import cupy_available, use_backend


@pytest.fixture(autouse=True)
def numpy_backend():
    """Pin the backend so results do not depend on KSPARSE_BACKEND or a GPU."""
    with use_backend("numpy"):
        yield


@pytest.fixture(autouse=True, scope="session")
def no_progress_output():
    """Hide tqdm's bars and progress lines in every test, whatever ``verbose`` says.

    ``verbose`` only shows or hides progress, so tests leave it at its default
    instead of passing ``verbose=False``. The library passes ``disable=``
    explicitly, which tqdm's ``TQDM_DISABLE`` variable would not override, hence
    the patch. Session-scoped, so session fixtures that fit a model are quiet too.
    """
    init = tqdm.std.tqdm.__init__

    def quiet_init(self, *args, **kwargs):
        init(self, *args, **dict(kwargs, disable=True))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tqdm.std.tqdm, "__init__", quiet_init)
        patch.setattr(tqdm.std.tqdm, "write", classmethod(lambda cls, *args, **kwargs: None))
        yield


@pytest.fixture(params=["numpy", pytest.param("cupy", marks=pytest.mark.skipif(
    not cupy_available(), reason="no usable GPU"))])
def xp(request):
    """The array module of each backend in turn (NumPy, then CuPy when a GPU is usable)."""
    with use_backend(request.param) as module:
        yield module


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture(scope="session")
def model_bytes(tmp_path_factory):
    """Bytes of a small fitted KSparseAutoencoder saved with ``model.save``."""
    X = np.random.default_rng(0).standard_normal((40, 6)).astype(np.float32)
    model = KSparseAutoencoder(n_hidden=8, k=2, epochs=1, batch_size=16, random_state=0).fit(X)
    path = tmp_path_factory.mktemp("model") / "good.npz"
    model.save(path)
    return path.read_bytes()
