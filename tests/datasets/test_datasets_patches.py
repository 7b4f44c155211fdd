"""Tests for ksparse.datasets.patches: extraction, LCN, ZCA, the sample photo."""
import numpy as np
import pytest

from ksparse.datasets import patches as P
from ksparse.datasets.patches import (
    ZCAWhitener,
    extract_patches,
    load_photo_patches,
    load_sample_photo,
    local_contrast_normalize,
)


def _is_subpatch(image, patch, p):
    """Whether ``patch`` (p*p*C,) occurs somewhere in ``image`` (H, W, C): slow scan."""
    h, w, c = image.shape
    target = patch.reshape(p, p, c)
    return any(
        np.array_equal(image[i:i + p, j:j + p], target)
        for i in range(h - p + 1)
        for j in range(w - p + 1)
    )


@pytest.mark.parametrize("shape", [(9, 7), (3, 9, 7), (3, 9, 7, 2)])
def test_extract_patches_come_from_the_images(shape):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=shape).astype(np.uint8)
    out = extract_patches(images, patch_size=3, n_patches=40, random_state=1)
    channels = shape[3] if len(shape) == 4 else 1
    assert out.shape == (40, 9 * channels) and out.dtype == np.float32
    stack = {2: images[None, :, :, None], 3: images[..., None], 4: images}[len(shape)]
    for row in out:
        assert any(_is_subpatch(img.astype(np.float32), row, 3) for img in stack)


def test_extract_patches_is_reproducible_and_chunked(monkeypatch):
    images = np.arange(2 * 6 * 6, dtype=np.float64).reshape(2, 6, 6)
    whole = extract_patches(images, 2, 25, random_state=3, dtype=np.float64)
    monkeypatch.setattr(P, "_CHUNK", 4)  # force many chunks
    chunked = extract_patches(images, 2, 25, random_state=3, dtype=np.float64)
    np.testing.assert_array_equal(whole, chunked)
    # Pixels of a patch from the arange image differ by 1 along a row and 6 down.
    grid = whole.reshape(25, 2, 2)
    np.testing.assert_array_equal(grid[:, :, 1] - grid[:, :, 0], 1.0)
    np.testing.assert_array_equal(grid[:, 1, :] - grid[:, 0, :], 6.0)


def test_extract_patches_covers_every_position():
    image = np.arange(16.0).reshape(4, 4)
    out = extract_patches(image, 3, 400, random_state=0)
    assert set(out[:, 0].tolist()) == {0.0, 1.0, 4.0, 5.0}  # all 4 top-left corners


def test_extract_patches_reads_a_memmap(tmp_path):
    path = tmp_path / "imgs.u8"
    data = np.arange(5 * 8 * 8, dtype=np.uint8).reshape(5, 8, 8)
    data.tofile(path)
    mm = np.memmap(path, dtype=np.uint8, mode="r", shape=(5, 8, 8))
    np.testing.assert_array_equal(
        extract_patches(mm, 4, 30, random_state=2),
        extract_patches(data, 4, 30, random_state=2),
    )


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"images": np.zeros(5)}, ValueError, "images"),
        ({"images": np.zeros((4, 4)), "patch_size": 5}, ValueError, "patch_size"),
        ({"images": np.zeros((4, 4)), "patch_size": 0}, ValueError, "patch_size"),
        ({"images": np.zeros((4, 4)), "patch_size": 2.0}, TypeError, "patch_size"),
        ({"images": np.zeros((4, 4)), "n_patches": 0}, ValueError, "n_patches"),
        ({"images": np.zeros((0, 4, 4))}, ValueError, "images"),
        ({"images": np.zeros((4, 4)), "dtype": np.int32}, TypeError, "dtype"),
    ],
)
def test_extract_patches_rejects_bad_input(kwargs, error, match):
    kwargs.setdefault("patch_size", 2)
    with pytest.raises(error, match=match):
        extract_patches(**kwargs)


def test_lcn_matches_hand_formula():
    x = np.array([[1.0, 2.0, 3.0, 6.0], [5.0, 5.0, 5.0, 5.0]])
    out = local_contrast_normalize(x, eps=0.5)
    # Row 0: mean 3, deviations (-2,-1,0,3), unbiased variance 14/3.
    np.testing.assert_allclose(out[0], np.array([-2, -1, 0, 3]) / np.sqrt(14 / 3 + 0.5))
    np.testing.assert_array_equal(out[1], 0.0)  # a flat patch stays flat, not NaN
    assert x[0, 0] == 1.0  # input untouched by default


def test_lcn_gives_zero_mean_unit_variance_patches():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, size=(500, 64)).astype(np.float32)
    out = local_contrast_normalize(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.mean(axis=1), 0.0, atol=1e-6)
    var = x.var(axis=1, ddof=1)
    np.testing.assert_allclose(out.var(axis=1, ddof=1), var / (var + P.LCN_EPS), rtol=1e-4)
    assert np.all(np.abs(out.var(axis=1, ddof=1) - 1) < 0.01)


def test_lcn_in_place_and_integer_input():
    x = np.arange(12.0).reshape(3, 4)
    out = local_contrast_normalize(x, copy=False)
    assert out is x or np.shares_memory(out, x)
    ints = np.arange(12).reshape(3, 4)
    np.testing.assert_allclose(local_contrast_normalize(ints), out)


@pytest.mark.parametrize(
    "x, eps, match",
    [(np.zeros(4), 0.1, "patches"), (np.zeros((3, 1)), 0.1, "patches"),
     (np.zeros((3, 4)), -1.0, "eps")],
)
def test_lcn_rejects_bad_input(x, eps, match):
    with pytest.raises(ValueError, match=match):
        local_contrast_normalize(x, eps=eps)


@pytest.mark.parametrize("eps", [0, 0.0, -0.0, float("inf"), float("nan")])
def test_lcn_and_zca_refuse_eps_that_is_not_positive_and_finite(eps):
    # eps = 0: a flat patch is 0 / 0, and LCN'd patches (zero mean) have a zero covariance
    # eigenvalue that whitening would divide by; both gave NaN/inf with only a warning.
    x = np.array([[1.0, 2.0, 3.0, 6.0], [5.0, 5.0, 5.0, 5.0], [0.0, 1.0, 0.0, 2.0]])
    before = x.copy()
    with pytest.raises(ValueError, match="eps must be a finite number > 0"):
        local_contrast_normalize(x, eps=eps, copy=False)
    np.testing.assert_array_equal(x, before)  # refused before normalizing in place
    whitener = ZCAWhitener(eps=eps)
    with pytest.raises(ValueError, match="eps must be a finite number > 0"):
        whitener.fit(local_contrast_normalize(x))
    assert vars(whitener) == {"eps": eps}  # nothing fitted was stored


def test_lcn_refuses_eps_that_rounds_to_zero_in_the_patch_dtype():
    x = np.array([[5.0, 5.0, 5.0, 5.0], [0.0, 1.0, 0.0, 2.0]], dtype=np.float32)
    with pytest.raises(ValueError, match=r"eps=1e-50 rounds to 0 in float32"):
        local_contrast_normalize(x, eps=1e-50)
    out = local_contrast_normalize(x.astype(np.float64), eps=1e-50)  # not 0 in float64
    assert np.isfinite(out).all() and not out[0].any()


def test_zca_with_a_tiny_eps_stays_finite_on_lcn_patches():
    # The covariance of LCN'd patches is singular; any eps > 0 keeps the whitening finite.
    x = local_contrast_normalize(np.random.default_rng(0).random((200, 9)))
    whitener = ZCAWhitener(eps=1e-300).fit(x)
    assert whitener.eigenvalues_[0] < 1e-12
    assert np.isfinite(whitener.whitening_).all() and np.isfinite(whitener.transform(x)).all()


def _correlated(n, d, seed):
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(d, d))
    return rng.normal(size=(n, d)) @ mixing + rng.normal(size=d) * 5


def test_zca_gives_identity_covariance_on_training_patches(monkeypatch):
    x = _correlated(3000, 10, 0)
    monkeypatch.setattr(P, "_CHUNK", 512)  # exercise the chunked statistics
    whitener = ZCAWhitener(eps=1e-10)
    assert whitener.fit(x) is whitener
    white = whitener.transform(x)
    np.testing.assert_allclose(np.cov(white.T), np.eye(10), atol=1e-6)
    np.testing.assert_allclose(whitener.mean_, x.mean(axis=0), atol=1e-10)
    np.testing.assert_allclose(whitener.whitening_, whitener.whitening_.T)  # ZCA: symmetric


def test_zca_matches_direct_eigendecomposition():
    x = _correlated(400, 6, 1)
    eps = 0.3
    lam, v = np.linalg.eigh(np.cov(x.T))
    expected = (x - x.mean(0)) @ v @ np.diag(1 / np.sqrt(lam + eps)) @ v.T
    whitener = ZCAWhitener(eps=eps).fit(x)
    np.testing.assert_allclose(whitener.transform(x), expected, atol=1e-10)
    np.testing.assert_allclose(np.linalg.eigvalsh(np.cov(expected.T)),
                               np.sort(lam / (lam + eps)), atol=1e-10)
    new = _correlated(5, 6, 2)  # applicable to patches not seen in fit
    np.testing.assert_allclose(whitener.transform(new), (new - x.mean(0)) @ whitener.whitening_)
    np.testing.assert_allclose(whitener.inverse_transform(whitener.transform(new)), new,
                               atol=1e-9)


def test_zca_inverse_adds_the_mean_to_patches_but_a_filter_maps_through_dewhitening():
    # What the docstrings promise: a filter f added to a whitened patch adds f @ dewhitening_
    # to the pixels (no mean), while inverse_transform of a patch adds the mean back.
    x = _correlated(300, 5, 4) + 3.0
    whitener = ZCAWhitener(eps=0.2).fit(x)
    lam, v = np.linalg.eigh(np.cov(x.T))
    dewhiten = v @ np.diag(np.sqrt(lam + 0.2)) @ v.T  # written from the definition
    np.testing.assert_allclose(whitener.dewhitening_, dewhiten, atol=1e-10)
    np.testing.assert_allclose(whitener.inverse_transform(np.zeros((1, 5))),
                               x.mean(0)[None], atol=1e-10)
    white = whitener.transform(x[:4])
    filters = np.random.default_rng(5).standard_normal((4, 5))
    np.testing.assert_allclose(
        whitener.inverse_transform(white + filters) - whitener.inverse_transform(white),
        filters @ dewhiten, atol=1e-9)


def test_zca_keeps_float32_and_sklearn_style():
    x = _correlated(200, 4, 3).astype(np.float32)
    whitener = ZCAWhitener(eps=0.5)
    assert vars(whitener) == {"eps": 0.5}  # __init__ only stores arguments
    assert whitener.fit_transform(x).dtype == np.float32
    with pytest.raises(RuntimeError, match="not fitted"):
        ZCAWhitener().transform(x)
    with pytest.raises(ValueError, match="shape"):
        whitener.transform(np.zeros((3, 5), dtype=np.float32))
    with pytest.raises(ValueError, match="eps"):
        ZCAWhitener(eps=-1).fit(x)
    with pytest.raises(ValueError, match="patches"):
        ZCAWhitener().fit(np.zeros((1, 4)))


def test_sample_photo_and_photo_patches():
    image = load_sample_photo()
    assert image.ndim == 2 and image.dtype == np.float64
    assert image.min() >= 0 and image.max() <= 1 and image.std() > 0.05
    x, whitener = load_photo_patches(patch_size=6, n_patches=3000, random_state=0)
    assert x.shape == (3000, 36) and x.dtype == np.float32
    assert isinstance(whitener, ZCAWhitener) and whitener.whitening_.shape == (36, 36)
    np.testing.assert_allclose(x.mean(axis=0), 0.0, atol=1e-5)
    x2, _ = load_photo_patches(patch_size=6, n_patches=3000, random_state=0)
    np.testing.assert_array_equal(x, x2)
    # Whitened covariance eigenvalues equal lambda / (lambda + eps) of the LCN patches.
    lam = whitener.eigenvalues_
    np.testing.assert_allclose(np.linalg.eigvalsh(np.cov(x.T.astype(np.float64))),
                               lam / (lam + P.ZCA_EPS), atol=1e-4)
