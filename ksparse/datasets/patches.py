"""Image patches: random extraction, local contrast normalization, ZCA whitening.

Implements the natural-image preprocessing of the paper's section 4.1: random
8x8 patches are cut from images, each patch is locally contrast-normalized and
the set is ZCA-whitened, "the same as the one used in (Coates et al., 2011)".
The same pipeline runs offline on matplotlib's bundled sample photograph, so a
natural-image demo needs no download.
"""
import numbers

import numpy as np

from ksparse.backend import get_array_module

__all__ = [
    "LCN_EPS",
    "ZCA_EPS",
    "ZCAWhitener",
    "extract_patches",
    "load_photo_patches",
    "load_sample_photo",
    "local_contrast_normalize",
]

#: Contrast normalization's regularizer. Coates et al. (2011) add 10 to the
#: per-patch variance of pixels in [0, 255]; ksparse images live in [0, 1], so
#: the same regularizer is 10 / 255**2.
LCN_EPS = 10.0 / 255.0**2

#: The whitening's regularizer. Coates et al. (2011) add 0.1 to the eigenvalues
#: of the covariance of contrast-normalized patches (whose per-pixel variance is about 1).
ZCA_EPS = 0.1

_CHUNK = 65536  # patches handled at once: bounds temporaries to a few tens of MB

_PHOTO_NAME = "grace_hopper.jpg"


def _check_int(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}.")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}.")
    return int(value)


def _check_eps(eps, name="eps", dtype=np.float64):
    # eps = 0 is refused: LCN'd patches have zero mean, so their covariance always has a
    # zero eigenvalue (whitening divides by sqrt(0)), and a flat patch under LCN is 0 / 0.
    # An eps that rounds to 0 in the dtype the sum is taken in fails the same way.
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not 0 < eps < np.inf:
        raise ValueError(f"{name} must be a finite number > 0, got {eps!r}.")
    if np.asarray(eps, dtype=dtype) == 0:
        raise ValueError(f"{name}={eps!r} rounds to 0 in {np.dtype(dtype)}; it must be > 0 there.")
    return float(eps)


def _sample_photo_path():
    """Path of matplotlib's bundled Grace Hopper photograph."""
    import matplotlib
    from matplotlib import cbook

    try:
        return cbook.get_sample_data(_PHOTO_NAME, asfileobj=False)
    except (OSError, ValueError):  # older layouts: look in the data path directly
        from pathlib import Path

        path = Path(matplotlib.get_data_path()) / "sample_data" / _PHOTO_NAME
        if not path.is_file():
            raise FileNotFoundError(
                f"matplotlib's sample photo {_PHOTO_NAME} was not found at {path}."
            ) from None
        return path


def load_sample_photo():
    """Load matplotlib's bundled sample photograph as a grayscale image.

    Returns
    -------
    image : ndarray of float64, shape (H, W)
        Luminance in [0, 1] (ITU-R BT.601 weights of the RGB channels).
    """
    from PIL import Image

    with Image.open(_sample_photo_path()) as img:
        rgb = np.asarray(img.convert("RGB"), dtype=np.float64)  # (H, W, 3)
    luma = rgb @ np.array([0.299, 0.587, 0.114])  # (H, W)
    return np.clip(luma / 255.0, 0.0, 1.0)


def _as_image_stack(images):
    """View ``images`` as (n_images, H, W, C) without copying."""
    images = np.asanyarray(images)
    if images.ndim == 2:
        return images[None, :, :, None]
    if images.ndim == 3:
        return images[:, :, :, None]
    if images.ndim == 4:
        return images
    raise ValueError(
        "images must have shape (H, W), (n_images, H, W) or (n_images, H, W, C), "
        f"got an array with {images.ndim} dimensions."
    )


def extract_patches(images, patch_size=8, n_patches=10000, random_state=None,
                    dtype=np.float32):
    """Cut square patches at random positions of random images.

    Parameters
    ----------
    images : array_like, shape (H, W), (n_images, H, W) or (n_images, H, W, C)
        Any numeric dtype; a ``numpy.memmap`` is read only where patches fall.
    patch_size : int, default 8
        Side of the square patches, at most ``min(H, W)``.
    n_patches : int, default 10000
    random_state : None, int or numpy.random.Generator
        Chooses the images and positions (uniformly, with replacement).
    dtype : floating dtype, default float32
        dtype of the returned patches (pixel values are not rescaled).

    Returns
    -------
    patches : ndarray, shape (n_patches, patch_size * patch_size * C)
        Each row is one patch flattened in (row, column, channel) order.
    """
    stack = _as_image_stack(images)  # (n_images, H, W, C)
    patch_size = _check_int(patch_size, "patch_size", 1)
    n_patches = _check_int(n_patches, "n_patches", 1)
    if stack.shape[0] == 0:
        raise ValueError("images must hold at least one image.")
    if patch_size > min(stack.shape[1:3]):
        raise ValueError(
            f"patch_size={patch_size} exceeds the image size {stack.shape[1:3]}."
        )
    if not np.issubdtype(np.dtype(dtype), np.floating):
        raise TypeError(f"dtype must be a floating dtype, got {dtype!r}.")
    return _extract_patches(stack, patch_size, n_patches,
                            np.random.default_rng(random_state), np.dtype(dtype))


def _extract_patches(stack, p, n_patches, rng, dtype):
    n_images, height, width, channels = stack.shape
    which = rng.integers(0, n_images, size=n_patches)  # (n_patches,)
    rows = rng.integers(0, height - p + 1, size=n_patches)  # (n_patches,)
    cols = rng.integers(0, width - p + 1, size=n_patches)  # (n_patches,)
    offsets = np.arange(p)  # (p,)
    out = np.empty((n_patches, p * p * channels), dtype=dtype)
    for start in range(0, n_patches, _CHUNK):
        sl = slice(start, start + _CHUNK)
        # Fancy indexing gathers only the pixels inside the chosen patches.
        r = rows[sl, None, None] + offsets[None, :, None]  # (chunk, p, 1)
        c = cols[sl, None, None] + offsets[None, None, :]  # (chunk, 1, p)
        block = stack[which[sl, None, None], r, c]  # (chunk, p, p, C)
        out[sl] = block.reshape(block.shape[0], -1)
    return out


def local_contrast_normalize(patches, eps=LCN_EPS, copy=True):
    """Normalize the brightness and contrast of each patch separately.

    Parameters
    ----------
    patches : array, shape (n_patches, n_features)
        NumPy or CuPy array.
    eps : float, default ``LCN_EPS`` (10 / 255**2)
        Added to each patch's variance; it keeps flat patches from being
        amplified into noise. In squared units of the pixel values. Must be
        > 0 (also once cast to the dtype of ``patches``): with 0 a flat patch
        would be 0 / 0.
    copy : bool, default True
        When False and ``patches`` is a floating array, normalize in place.

    Returns
    -------
    normalized : array, shape (n_patches, n_features)
        Floating dtype of the input (float64 for integer input).

    Notes
    -----
    For a patch :math:`x \\in \\mathbb{R}^d` with mean :math:`\\bar x` and
    unbiased variance :math:`s^2 = \\frac{1}{d-1}\\sum_i (x_i - \\bar x)^2`
    (as MATLAB's ``var``, used by Coates et al. 2011):

    .. math:: \\tilde x = \\frac{x - \\bar x}{\\sqrt{s^2 + \\epsilon}}

    so each normalized patch has mean 0 and unbiased variance
    :math:`s^2 / (s^2 + \\epsilon) \\le 1`.
    """
    xp = get_array_module(patches)
    if getattr(patches, "ndim", None) != 2 or patches.shape[1] < 2:
        raise ValueError(
            "patches must be a 2-D array (n_patches, n_features) with n_features >= 2, "
            f"got shape {getattr(patches, 'shape', None)}."
        )
    floating = xp.issubdtype(patches.dtype, xp.floating)
    eps = _check_eps(eps, dtype=patches.dtype if floating else np.float64)  # var + eps is in this dtype
    out = patches.astype(patches.dtype if floating else xp.float64, copy=copy or not floating)
    for start in range(0, out.shape[0], _CHUNK):
        block = out[start:start + _CHUNK]  # (chunk, n_features), a view
        block -= block.mean(axis=1, keepdims=True)
        var = (block * block).sum(axis=1, keepdims=True) / (block.shape[1] - 1)  # (chunk, 1)
        block /= xp.sqrt(var + eps)
    return out


class ZCAWhitener:
    """ZCA whitening fitted on training patches and applicable to new ones.

    Parameters
    ----------
    eps : float, default ``ZCA_EPS`` (0.1)
        Added to every eigenvalue of the covariance before inversion; it damps
        directions of tiny variance (Coates et al. 2011 use 0.1 after LCN).
        Must be > 0: contrast-normalized patches have zero mean, so their
        covariance always has a zero eigenvalue.

    Attributes
    ----------
    mean_ : ndarray of float64, shape (n_features,)
        Mean of the training patches.
    whitening_ : ndarray of float64, shape (n_features, n_features)
        Symmetric matrix :math:`P`; whitened patches are
        :math:`(x - \\mu) P`.
    dewhitening_ : ndarray of float64, shape (n_features, n_features)
        Inverse of ``whitening_``. ``filters @ dewhitening_`` maps filters
        learned on whitened patches to pixels; :meth:`inverse_transform`
        maps whitened patches back, adding ``mean_``.
    eigenvalues_ : ndarray of float64, shape (n_features,)
        Eigenvalues of the training covariance, ascending.

    Notes
    -----
    With the covariance :math:`C = \\frac{1}{n-1}\\sum_j (x_j-\\mu)(x_j-\\mu)^\\top
    = V \\operatorname{diag}(\\lambda) V^\\top`:

    .. math:: P = V \\operatorname{diag}\\big((\\lambda + \\epsilon)^{-1/2}\\big) V^\\top

    Whitened training patches have covariance
    :math:`V \\operatorname{diag}(\\lambda / (\\lambda + \\epsilon)) V^\\top`,
    the identity when :math:`\\epsilon \\ll \\lambda`.
    """

    def __init__(self, eps=ZCA_EPS):
        self.eps = eps

    def fit(self, patches):
        """Learn the mean and whitening matrix from ``patches``.

        Parameters
        ----------
        patches : array, shape (n_patches, n_features)
            At least two patches; NumPy or CuPy.

        Returns
        -------
        self : ZCAWhitener
        """
        eps = _check_eps(self.eps, "eps")
        if getattr(patches, "ndim", None) != 2 or patches.shape[0] < 2:
            raise ValueError(
                "patches must be a 2-D array (n_patches, n_features) with at least "
                f"two patches, got shape {getattr(patches, 'shape', None)}."
            )
        xp = get_array_module(patches)
        mean, cov = _mean_and_covariance(patches, xp)
        eigenvalues, vectors = xp.linalg.eigh(cov)  # (d,), (d, d)
        eigenvalues = xp.clip(eigenvalues, 0.0, None)  # round-off can dip below 0
        self.mean_ = mean
        self.eigenvalues_ = eigenvalues
        self.whitening_ = (vectors / xp.sqrt(eigenvalues + eps)) @ vectors.T  # (d, d)
        self.dewhitening_ = (vectors * xp.sqrt(eigenvalues + eps)) @ vectors.T  # (d, d)
        return self

    def _apply(self, patches, matrix_name, shift_before):
        if not hasattr(self, "whitening_"):
            raise RuntimeError("This ZCAWhitener is not fitted yet; call fit(patches) first.")
        matrix = getattr(self, matrix_name)
        d = self.mean_.shape[0]
        if getattr(patches, "ndim", None) != 2 or patches.shape[1] != d:
            raise ValueError(
                f"patches must have shape (n_patches, {d}), "
                f"got {getattr(patches, 'shape', None)}."
            )
        xp = get_array_module(patches)
        dtype = patches.dtype if xp.issubdtype(patches.dtype, xp.floating) else xp.float64
        mat, mean = matrix.astype(dtype), self.mean_.astype(dtype)
        out = xp.empty(patches.shape, dtype=dtype)
        for start in range(0, patches.shape[0], _CHUNK):
            block = patches[start:start + _CHUNK].astype(dtype)  # (chunk, d)
            out[start:start + _CHUNK] = (
                (block - mean) @ mat if shift_before else block @ mat + mean
            )
        return out

    def transform(self, patches):
        """Whiten ``patches`` with the fitted mean and matrix.

        Parameters
        ----------
        patches : array, shape (n_patches, n_features)

        Returns
        -------
        whitened : array, shape (n_patches, n_features)
            Floating dtype of the input (float64 for integer input).
        """
        return self._apply(patches, "whitening_", shift_before=True)

    def fit_transform(self, patches):
        """``fit(patches)`` then ``transform(patches)``."""
        return self.fit(patches).transform(patches)

    def inverse_transform(self, whitened):
        """Map whitened patches back to the input space: ``whitened @ dewhitening_ + mean_``.

        Only for patches (data points), since it adds back the mean. Filters
        learned on whitened patches are directions, not data points: map them
        with ``filters @ whitener.dewhitening_`` alone, which gives the pixel
        pattern each one adds to a reconstruction.

        Parameters
        ----------
        whitened : array, shape (n_patches, n_features)

        Returns
        -------
        patches : array, shape (n_patches, n_features)
        """
        return self._apply(whitened, "dewhitening_", shift_before=False)


def _mean_and_covariance(patches, xp):
    """Float64 mean (d,) and unbiased covariance (d, d), computed in chunks.

    Each chunk's scatter matrix is formed in the input's floating dtype (float32
    BLAS is several times faster for a million patches, with relative error
    near 1e-7 on centred data) and summed in float64.
    """
    n, d = patches.shape
    dtype = patches.dtype if xp.issubdtype(patches.dtype, xp.floating) else xp.float64
    total = xp.zeros(d, dtype=xp.float64)
    for start in range(0, n, _CHUNK):
        total += patches[start:start + _CHUNK].sum(axis=0, dtype=xp.float64)
    mean = total / n  # (d,)
    shift = mean.astype(dtype)
    scatter = xp.zeros((d, d), dtype=xp.float64)
    for start in range(0, n, _CHUNK):
        centred = patches[start:start + _CHUNK].astype(dtype, copy=False) - shift  # (chunk, d)
        scatter += centred.T @ centred
    return mean, scatter / (n - 1)


def load_photo_patches(patch_size=8, n_patches=20000, random_state=None):
    """Whitened natural-image patches from matplotlib's sample photograph.

    Runs the section 4.1 pipeline offline: random patches of
    :func:`load_sample_photo`, :func:`local_contrast_normalize`, then a
    :class:`ZCAWhitener` fitted on these patches.

    Parameters
    ----------
    patch_size : int, default 8
    n_patches : int, default 20000
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    patches : ndarray of float32, shape (n_patches, patch_size**2)
        Whitened patches.
    whitener : ZCAWhitener
        Fitted whitener: ``inverse_transform`` maps whitened patches back to
        pixels, ``filters @ whitener.dewhitening_`` maps filters.
    """
    patch_size = _check_int(patch_size, "patch_size", 2)
    n_patches = _check_int(n_patches, "n_patches", 2)
    image = load_sample_photo()  # (H, W)
    raw = extract_patches(image, patch_size, n_patches, random_state,
                          dtype=np.float64)  # (n_patches, patch_size**2)
    normalized = local_contrast_normalize(raw, copy=False)
    whitener = ZCAWhitener().fit(normalized)
    return whitener.transform(normalized).astype(np.float32), whitener
