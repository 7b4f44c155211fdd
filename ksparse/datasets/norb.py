"""small NORB (normalized-uniform): binary-matrix reader and the paper's preprocessing.

Implements the NORB part of the paper's section 4.1: 24,300 training and
24,300 test stereo image pairs of 50 toys in 5 categories, each channel
96x96. The inner 64x64 pixels of each channel are resized to 32x32 with
bicubic interpolation, both channels are stacked into a 2048-vector, and every
dimension is standardized with the training mean and standard deviation. The
training set is split into 20,000 for training and 4,300 for validation.

The binary matrix format (``*-dat.mat``, ``*-cat.mat``, ``*-info.mat``): a
little-endian int32 type magic, an int32 ``ndim``, ``max(ndim, 3)`` int32
sizes (unused trailing ones are 1), then the little-endian data.
"""
import numpy as np

from ksparse.datasets._fetch import DataFormatError, DatasetSplits, fetch_files
from ksparse.datasets.idx import check_labels, read_binary_array, read_header_bytes

__all__ = [
    "NORB_URLS",
    "cubic_resize_matrix",
    "load_small_norb",
    "preprocess_norb",
    "read_norb",
    "resize_bicubic",
    "standardize",
]

_NORB_TYPES = {
    0x1E3D4C51: "<f4",  # single precision matrix
    0x1E3D4C53: "<f8",  # double precision matrix
    0x1E3D4C54: "<i4",  # integer matrix
    0x1E3D4C55: "u1",  # byte matrix
    0x1E3D4C56: "<i2",  # short matrix
}
_MAX_NDIM = 16  # far above any NORB file; guards against reading a garbage count

_PREFIX = {"train": "smallnorb-5x46789x9x18x6x2x96x96-training",
           "test": "smallnorb-5x01235x9x18x6x2x96x96-testing"}
_NORB_BASE = "https://cs.nyu.edu/~ylclab/data/norb-v1.0-small/"
#: The small NORB files on their mirror, as (url, checksum) by split and kind. No
#: checksum is pinned (none is published next to them), so automatic download is
#: refused until one is given through ``urls``.
NORB_URLS = {
    f"{split}_{kind}": (f"{_NORB_BASE}{_PREFIX[split]}-{kind}.mat.gz", None)
    for split in ("train", "test") for kind in ("dat", "cat")
}

_CHUNK = 1024  # image pairs preprocessed at a time


def _parse_norb_header(f, path):
    what = "a NORB binary matrix file"
    magic, ndim = np.frombuffer(read_header_bytes(f, 8, path, what), dtype="<i4").tolist()
    if (magic & 0xFFFFFFFF) not in _NORB_TYPES:
        raise DataFormatError(
            f"{path} has a wrong magic number 0x{magic & 0xFFFFFFFF:08X}; expected one of "
            + ", ".join(f"0x{m:08X}" for m in _NORB_TYPES) + f" ({what})."
        )
    if not 1 <= ndim <= _MAX_NDIM:
        raise DataFormatError(f"{path} declares {ndim} dimensions; expected 1 to {_MAX_NDIM}.")
    dims = np.frombuffer(read_header_bytes(f, 4 * max(ndim, 3), path, what), dtype="<i4")
    if np.any(dims[:ndim] < 0):
        raise DataFormatError(f"{path} declares negative dimensions {dims[:ndim].tolist()}.")
    return _NORB_TYPES[magic & 0xFFFFFFFF], tuple(int(d) for d in dims[:ndim])


def read_norb(path, mmap_mode=None):
    """Read a small NORB binary matrix file (raw or gzip-compressed).

    The parameters and the checks are those of
    :func:`~ksparse.datasets.idx.read_idx`, with NORB's type magic in place of
    the IDX one: nothing is allocated before the header and the file length
    agree, and a bad file raises :class:`~ksparse.datasets.DataFormatError`.

    Returns
    -------
    array : ndarray
        ``*-dat.mat``: uint8 (n, 2, 96, 96); ``*-cat.mat``: int32 (n,);
        ``*-info.mat``: int32 (n, 4).
    """
    return read_binary_array(path, _parse_norb_header, "a NORB binary matrix file", mmap_mode)


def _cubic(x, a=-0.5):
    """Keys' cubic convolution kernel with parameter ``a``."""
    ax = np.abs(x)
    near = ((a + 2) * ax - (a + 3)) * ax * ax + 1
    far = ((a * ax - 5 * a) * ax + 8 * a) * ax - 4 * a
    return np.where(ax <= 1, near, np.where(ax < 2, far, 0.0))


def cubic_resize_matrix(n_in, n_out, antialias=True):
    """Matrix of 1-D bicubic resampling from ``n_in`` to ``n_out`` samples.

    Parameters
    ----------
    n_in, n_out : int
    antialias : bool, default True
        When shrinking, widen the kernel by ``n_in / n_out`` so it also low-pass
        filters (as MATLAB's ``imresize`` and Pillow do).

    Returns
    -------
    R : ndarray of float64, shape (n_out, n_in)
        Rows sum to 1; ``R @ signal`` resamples a signal.

    Notes
    -----
    Output sample :math:`u` sits at input coordinate
    :math:`c_u = (u + \\tfrac12) n_{in}/n_{out} - \\tfrac12` (pixel centres
    aligned). With :math:`s = \\min(1, n_{out}/n_{in})` when antialiasing
    (else 1) and Keys' kernel :math:`h` (:math:`a = -0.5`):

    .. math:: R_{u,i} \\propto s\\, h\\big(s (c_u - i)\\big)

    with indices outside the signal mirrored back inside (symmetric edges).
    """
    for name, n in (("n_in", n_in), ("n_out", n_out)):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"{name} must be a positive integer, got {n!r}.")
    scale = n_out / n_in
    s = min(scale, 1.0) if antialias else 1.0
    centres = (np.arange(n_out) + 0.5) / scale - 0.5  # (n_out,)
    taps = int(np.ceil(4 / s)) + 2
    idx = np.floor(centres - 2 / s).astype(int)[:, None] + np.arange(taps)  # (n_out, taps)
    weights = s * _cubic(s * (centres[:, None] - idx))  # (n_out, taps)
    period = 2 * n_in  # symmetric extension repeats with this period
    mirrored = np.mod(idx, period)
    mirrored = np.where(mirrored >= n_in, period - 1 - mirrored, mirrored)  # (n_out, taps)
    matrix = np.zeros((n_out, n_in))
    np.add.at(matrix, (np.repeat(np.arange(n_out), taps), mirrored.ravel()), weights.ravel())
    return matrix / matrix.sum(axis=1, keepdims=True)


def resize_bicubic(images, out_shape, antialias=True):
    """Resize a stack of grayscale images with separable bicubic interpolation.

    Written here (rather than ``scipy.ndimage.zoom(order=3)``, a cubic
    *B-spline* that neither matches the bicubic convolution of image tools nor
    low-pass filters when shrinking) so that a 2x reduction behaves like
    MATLAB's ``imresize(..., 'bicubic')``: Keys' kernel with ``a = -0.5``,
    widened when shrinking.

    Parameters
    ----------
    images : array_like, shape (n, H, W)
    out_shape : (int, int)
        Output (rows, columns).
    antialias : bool, default True

    Returns
    -------
    resized : ndarray of float32, shape (n, out_shape[0], out_shape[1])
    """
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"images must have shape (n, H, W), got {images.shape}.")
    if len(out_shape) != 2:
        raise ValueError(f"out_shape must be (rows, columns), got {out_shape!r}.")
    rows = cubic_resize_matrix(images.shape[1], out_shape[0], antialias).astype(np.float32)
    cols = cubic_resize_matrix(images.shape[2], out_shape[1], antialias).astype(np.float32)
    return (rows @ images.astype(np.float32)) @ cols.T  # (n, out_rows, out_cols)


def preprocess_norb(pairs, crop=64, size=32):
    """Crop, resize and flatten NORB stereo pairs as in the paper.

    Parameters
    ----------
    pairs : array_like, shape (n, 2, H, W)
        uint8 stereo pairs (96x96 in small NORB); may be a memmap.
    crop : int, default 64
        Side of the centred square kept from each channel.
    size : int, default 32
        Side after bicubic resizing.

    Returns
    -------
    X : ndarray of float32, shape (n, 2 * size * size)
        Channel 0's pixels (row-major) then channel 1's, on the 0-255 scale.
    """
    if getattr(pairs, "ndim", None) != 4 or pairs.shape[1] != 2:
        raise ValueError(f"pairs must have shape (n, 2, H, W), got {getattr(pairs, 'shape', None)}.")
    n, _, height, width = pairs.shape
    if not 1 <= crop <= min(height, width):
        raise ValueError(f"crop={crop} must be between 1 and the image side {min(height, width)}.")
    top, left = (height - crop) // 2, (width - crop) // 2
    out = np.empty((n, 2 * size * size), dtype=np.float32)
    for start in range(0, n, _CHUNK):
        block = np.asarray(pairs[start:start + _CHUNK, :, top:top + crop, left:left + crop])
        m = block.shape[0]
        small = resize_bicubic(block.reshape(m * 2, crop, crop), (size, size))  # (2m, size, size)
        out[start:start + m] = small.reshape(m, 2 * size * size)
    return out


def standardize(train, *others):
    """Standardize every dimension with the training mean and standard deviation, in place.

    Parameters
    ----------
    train : ndarray of float, shape (n_train, d)
    *others : ndarray of float, shape (n_i, d)
        Further sets (validation, test) transformed with the training statistics.

    Returns
    -------
    mean, std : ndarray of float64, shape (d,)
        Dimensions with zero spread get ``std = 1`` so they map to 0.

    Notes
    -----
    .. math:: x_j \\leftarrow (x_j - \\mu_j) / \\sigma_j
    """
    mean = train.mean(axis=0, dtype=np.float64)  # (d,)
    std = train.std(axis=0, dtype=np.float64)  # (d,)
    std[std == 0] = 1.0
    for x in (train,) + others:
        x -= mean.astype(x.dtype)
        x /= std.astype(x.dtype)
    return mean, std


def _norb_split(paths, split, which):
    """The split's checked stereo pairs (memory-mapped unless gzipped) and labels, unprocessed."""
    where = paths[f"{split}_dat"]
    pairs = read_norb(where, mmap_mode="r")
    if pairs.ndim != 4 or pairs.shape[1] != 2 or pairs.dtype != np.uint8:
        raise DataFormatError(
            f"{where}: {which} images must be uint8 stereo pairs (n, 2, H, W), got "
            f"{pairs.dtype} {pairs.shape}."
        )
    if min(pairs.shape[2:]) < 64:  # the paper's preprocessing crops the central 64 x 64
        raise DataFormatError(f"{where}: {which} images are {pairs.shape[2]} x "
                              f"{pairs.shape[3]}, smaller than the 64 x 64 crop.")
    labels = check_labels(read_norb(paths[f"{split}_cat"]), pairs.shape[0], 5,
                          paths[f"{split}_cat"])  # 5 categories
    return pairs, labels


def load_small_norb(data_dir=None, download=True, *, n_train=20000, urls=None, progress=True):
    """Load small NORB with the paper's preprocessing and split.

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        Folder with the training and testing ``*-dat.mat`` and ``*-cat.mat``
        files (raw or ``.gz``); see :mod:`ksparse.datasets` for the search order.
    download : bool, default True
        Download when no local copy exists; needs checksums given via ``urls``
        because none is pinned in :data:`NORB_URLS`.
    n_train : int, default 20000
        The first ``n_train`` training pairs train, the rest (4,300) validate.
    urls : dict, optional
        Replaces :data:`NORB_URLS` (file key -> (url, checksum)).
    progress : bool, default True

    Returns
    -------
    splits : DatasetSplits
        ``.train``, ``.val``, ``.test``, each ``(X, y)``: ``X`` float32 of
        shape (n, 2048), standardized with the statistics of ``.train``;
        ``y`` int64 categories 0-4.
    """
    if isinstance(n_train, bool) or not isinstance(n_train, (int, np.integer)) or n_train < 2:
        raise ValueError(f"n_train must be an integer >= 2, got {n_train!r}.")
    files = {f"{split}_{kind}": (f"{_PREFIX[split]}-{kind}.mat", f"{_PREFIX[split]}-{kind}.mat.gz")
             for split in ("train", "test") for kind in ("dat", "cat")}
    paths = fetch_files("smallnorb", files, urls or NORB_URLS, data_dir, download, progress)
    pairs, y = _norb_split(paths, "train", "training")
    n_pairs = pairs.shape[0]  # from the file's header: decided before any pair is resized
    if n_train >= n_pairs:
        raise ValueError(
            f"n_train={n_train} leaves no validation pairs: the training file holds {n_pairs}."
        )
    test_pairs, y_test = _norb_split(paths, "test", "test")
    x, x_test = preprocess_norb(pairs), preprocess_norb(test_pairs)
    # The statistics come from the training split only, so validation stays unseen.
    standardize(x[:n_train], x[n_train:], x_test)
    return DatasetSplits(train=(x[:n_train], y[:n_train]), val=(x[n_train:], y[n_train:]),
                         test=(x_test, y_test))
