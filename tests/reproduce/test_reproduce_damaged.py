"""The output folder damaged between runs: refused with a clear error, or its cache rebuilt."""
import os
from pathlib import Path

import numpy as np
import pytest

from ksparse.reproduce.context import Context

SETTINGS = dict(n_hidden=8, k=2, epochs=2, batch_size=8, random_state=0)


@pytest.mark.parametrize("content, fragment", [
    (b"{bad", "cannot be read"),
    (b"\xff\xfe{}", "cannot be read"),
    (b"[]", "does not hold a JSON object"),
    (b'"text"', "does not hold a JSON object"),
])
def test_a_results_file_that_is_no_json_object_is_refused(tmp_path, content, fragment):
    (tmp_path / "results.json").write_bytes(content)
    path = os.path.join(str(tmp_path), "results.json")
    with pytest.raises(ValueError, match=f"^{path} {fragment}.*move it aside"):
        Context(str(tmp_path), verbose=False)
    assert not (tmp_path / "models").exists()  # refused before touching the folder


def _garbage(path, X):
    Path(path).write_bytes(b"not a model")


def _arrays_without_header(path, X):  # e.g. a file of a format before the header
    np.savez(path, W_=np.zeros((X.shape[1], 8)), b_=np.zeros(8))


def _truncated(path, X):
    from ksparse import KSparseAutoencoder

    KSparseAutoencoder(**dict(SETTINGS, epochs=1)).fit(X).save(path)
    data = Path(path).read_bytes()
    Path(path).write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("damage", [_garbage, _arrays_without_header, _truncated])
def test_a_cached_model_that_cannot_be_read_is_trained_again(tmp_path, rng, damage):
    from ksparse import KSparseAutoencoder, load

    X = rng.random((40, 10))
    ctx = Context(str(tmp_path), verbose=False)
    logged = []
    ctx.log = logged.append  # the lines a verbose run shows
    path = ctx.path("models", "m.npz")
    damage(path, X)
    model, seconds = ctx.autoencoder("m", X, **SETTINGS)
    assert logged[0].startswith(f"m: training again, {path} cannot be read") and seconds > 0
    expected = KSparseAutoencoder(**SETTINGS).fit(X)
    np.testing.assert_array_equal(model.W_, expected.W_)
    np.testing.assert_array_equal(load(path).W_, expected.W_)  # the damaged file replaced
