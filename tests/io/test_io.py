import json
import os
import zipfile

import numpy as np
import pytest

import ksparse
from ksparse import KSparseAutoencoder


@pytest.fixture
def X(rng):
    return rng.standard_normal((80, 6)).astype(np.float32)


def fitted(X, **kwargs):
    settings = dict(n_hidden=12, k=3, alpha=2.0, epochs=2, batch_size=16, random_state=0)
    settings.update(kwargs)
    return KSparseAutoencoder(**settings).fit(X)


@pytest.mark.parametrize("tied", [True, False])
def test_save_load_transform_identical(tmp_path, X, tied):
    model = fitted(X, tied=tied)
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = ksparse.load(path)
    assert type(loaded) is KSparseAutoencoder
    assert loaded.get_params() == model.get_params()
    assert loaded.history_ == model.history_
    assert loaded.backend_ == "numpy"
    assert np.array_equal(loaded.transform(X), model.transform(X))
    assert np.array_equal(loaded.reconstruct(X), model.reconstruct(X))
    assert loaded.W_.dtype == np.float32
    assert (loaded.P_ is None) == tied


def test_save_writes_the_exact_path_and_no_temporary_files(tmp_path, X):
    path = tmp_path / "weights.model"
    fitted(X).save(str(path))
    assert sorted(os.listdir(tmp_path)) == ["weights.model"]


def test_failed_save_keeps_the_previous_file(tmp_path, X, monkeypatch):
    path = tmp_path / "model.npz"
    fitted(X).save(path)
    before = path.read_bytes()

    def broken_savez(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        fitted(X, random_state=1).save(path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]


def test_generator_random_state_is_saved_as_none(tmp_path, X):
    model = fitted(X, random_state=np.random.default_rng(3))
    model.save(tmp_path / "m.npz")
    assert ksparse.load(tmp_path / "m.npz").random_state is None


def rewrite(path, arrays):
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def read_arrays(path):
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def header_of(arrays):
    return json.loads(arrays["__header__"].tobytes())


def with_header(arrays, **changes):
    header = header_of(arrays)
    header.update(changes)
    arrays["__header__"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    return arrays


def load_refuses(path, arrays, match):
    """Write ``arrays`` to ``path``; :func:`ksparse.load` must refuse it with ``match``."""
    rewrite(path, arrays)
    with pytest.raises(ValueError, match=match):
        ksparse.load(path)


@pytest.fixture
def saved(tmp_path, X):
    path = tmp_path / "model.npz"
    fitted(X).save(path)
    return path


def test_truncated_file(saved):
    data = saved.read_bytes()
    saved.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a ksparse model file|truncated"):
        ksparse.load(saved)


@pytest.mark.parametrize("content", [b"", b"hello world", b"PK\x03\x04garbage"])
def test_not_an_npz(tmp_path, content):
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="not a ksparse model file|not a readable"):
        ksparse.load(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        ksparse.load(tmp_path / "nothing.npz")


def test_newer_format_version(saved):
    load_refuses(saved, with_header(read_arrays(saved), format_version=99),
                 "format version 99, newer.*upgrade ksparse")


def test_missing_array(saved):
    arrays = read_arrays(saved)
    del arrays["b_prime_"]
    load_refuses(saved, arrays, "missing the array 'b_prime_'")


def test_wrong_shape(saved):
    arrays = read_arrays(saved)
    arrays["W_"] = arrays["W_"][:, :5]
    load_refuses(saved, arrays, "'W_' has shape")


def test_mixed_float_dtypes_are_said_to_differ(saved):
    arrays = read_arrays(saved)
    arrays["b_"] = arrays["b_"].astype(np.float64)  # each dtype allowed, the mix not
    load_refuses(saved, arrays, r"must all share one dtype, got \['float32', 'float64'\]")


def test_float16_arrays_are_refused_by_dtype(saved):
    arrays = {name: a.astype(np.float16) if a.dtype == np.float32 else a
              for name, a in read_arrays(saved).items()}
    load_refuses(saved, arrays, r"must all be one of \['float32', 'float64'\], got \['float16'\]")


def test_missing_header(saved):
    arrays = read_arrays(saved)
    del arrays["__header__"]
    load_refuses(saved, arrays, "no '__header__'")


def test_unknown_class_and_bad_params(saved):
    load_refuses(saved, with_header(read_arrays(saved), **{"class": "Evil"}),
                 "unknown model class 'Evil'")
    arrays = read_arrays(saved)
    load_refuses(saved, with_header(arrays, **{"class": "KSparseAutoencoder", "params": {"k": -1}}),
                 "invalid hyper-parameters")


def test_object_array_is_refused(saved):
    arrays = read_arrays(saved)
    arrays["W_"] = np.array([{"a": 1}, None], dtype=object)
    load_refuses(saved, arrays, "object array")


def test_pickle_member_is_refused(saved):
    with zipfile.ZipFile(saved, "a") as archive:
        archive.writestr("evil.pkl", b"\x80\x04K\x01.")
    with pytest.raises(ValueError, match="ksparse model file|readable"):
        ksparse.load(saved)


def test_classifiers_round_trip_with_string_labels(tmp_path, rng):
    from ksparse.classify import SoftmaxRegression
    from ksparse.finetune import SparseMLPClassifier

    X = rng.standard_normal((60, 5))
    y = np.array(["cat", "dog", "emu"])[rng.integers(0, 3, 60)]
    models = [
        SoftmaxRegression(l2=1e-3).fit(X, y),
        SparseMLPClassifier(hidden_layers=(8, 6), k=2, alpha=1.5, epochs=2, learning_rate=0.1,
                            random_state=0).fit(X, y),
    ]
    for i, model in enumerate(models):
        path = tmp_path / f"clf{i}.npz"
        model.save(path)
        loaded = ksparse.load(path)
        assert type(loaded) is type(model)
        assert loaded.get_params() == model.get_params()
        assert np.array_equal(loaded.classes_, model.classes_)
        assert np.array_equal(loaded.predict(X), model.predict(X))
        np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_repeated_class_labels_are_refused(tmp_path, rng):
    from ksparse.classify import SoftmaxRegression

    X, y = rng.standard_normal((40, 5)), np.array(["a", "b"] * 20)
    path = tmp_path / "clf.npz"
    SoftmaxRegression(max_iter=20).fit(X, y).save(path)
    arrays = read_arrays(path)
    arrays["classes_"] = np.array(["a", "a"])  # "b" could never be predicted
    load_refuses(path, arrays, "array 'classes_' repeats a class label")


def test_an_unset_batch_topk_threshold_loads_and_a_nan_weight_does_not(tmp_path, X):
    from ksparse.models import BatchTopKAutoencoder

    path = tmp_path / "btk.npz"
    BatchTopKAutoencoder(n_hidden=8, k=2, epochs=1, batch_size=16, random_state=0).fit(X).save(path)
    arrays = read_arrays(path)
    arrays["threshold_"] = np.array(np.nan, dtype=arrays["W_"].dtype)  # NaN: not learned yet
    rewrite(path, arrays)
    assert np.isnan(ksparse.load(path).threshold_)
    arrays["b_"] = np.full_like(arrays["b_"], np.nan)
    load_refuses(path, arrays, "array 'b_' holds NaN or infinity")


def test_centring_model_round_trip(tmp_path, X):
    model = fitted(X + 3.0, center=True)
    model.save(tmp_path / "c.npz")
    loaded = ksparse.load(tmp_path / "c.npz")
    assert np.array_equal(loaded.mean_, model.mean_)
    assert np.array_equal(loaded.reconstruct(X), model.reconstruct(X))


def test_saved_model_gets_the_usual_file_permissions(tmp_path, model_bytes):
    import stat

    (tmp_path / "m.npz").write_bytes(model_bytes)
    model = ksparse.load(tmp_path / "m.npz")
    old = os.umask(0o022)
    try:
        model.save(tmp_path / "again.npz")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "again.npz").st_mode) == 0o644


@pytest.mark.parametrize("kept", [0, 1])
def test_a_file_with_fewer_than_two_classes_is_refused_by_its_count(tmp_path, rng, kept):
    from ksparse.classify import SoftmaxRegression

    X, y = rng.standard_normal((40, 5)), np.array(["a", "b"] * 20)
    path = tmp_path / "clf.npz"
    SoftmaxRegression(max_iter=20).fit(X, y).save(path)
    arrays = read_arrays(path)
    # Shapes consistent with the fewer classes: only the count itself is wrong.
    arrays["classes_"] = arrays["classes_"][:kept]
    arrays["coef_"] = arrays["coef_"][:, :kept]
    arrays["intercept_"] = arrays["intercept_"][:kept]
    load_refuses(path, arrays,
                 rf"array 'classes_' holds {kept} class\(es\); a classifier has at least 2")
