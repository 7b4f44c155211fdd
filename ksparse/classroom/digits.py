"""Glyph digits: a download-free stand-in for MNIST in the classroom examples.

The MNIST examples of the gallery (paper §4.1) must also run on a machine
without the MNIST files and without a network. They then train on this
substitute: each 28×28 image is one of the ten digits drawn from one of the
fonts that ship with matplotlib, fitted into a 20×20 box as MNIST's digits
are, then rotated, sheared, scaled and shifted at random. It looks like
MNIST and has its format (784 values in [0, 1], labels 0–9), so the code and
the figures of an example do not change; the numbers do (it is an easier
problem: no two people write a 4 alike, but a font does), which is why every
example says which data it used.
"""
import functools
from pathlib import Path

import numpy as np

__all__ = ["GLYPH_FONTS", "make_glyph_digits"]

#: Fonts bundled with every matplotlib installation (mpl-data/fonts/ttf).
GLYPH_FONTS = (
    "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf",
    "DejaVuSans-BoldOblique.ttf", "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf",
    "DejaVuSerif-Italic.ttf", "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf",
    "STIXGeneral.ttf", "STIXGeneralBol.ttf", "STIXGeneralItalic.ttf",
    "cmr10.ttf", "cmss10.ttf", "cmtt10.ttf",
)

_SIDE = 28  # image side, as MNIST
_BOX = 20  # MNIST digits are size-normalized into a 20×20 box
_OVERSAMPLE = 2  # templates are drawn 2× finer than the images they are warped into
_CHUNK = 2048  # images warped at once: bounds the (chunk, 28, 28) temporaries


def _font_paths():
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    paths = [folder / name for name in GLYPH_FONTS if (folder / name).is_file()]
    if not paths:
        raise FileNotFoundError(f"none of matplotlib's fonts {GLYPH_FONTS} is in {folder}.")
    return paths


def _rasterize(path, side):
    """Coverage in [0, 1] of a filled glyph outline on a side×side grid (2×2 samples a pixel).

    A glyph is several closed outlines (a 0 has an outer and an inner one); a
    point is ink when it lies inside an odd number of them, which leaves the
    holes of 0, 4, 6, 8 and 9 open.
    """
    from matplotlib.path import Path as MplPath

    offsets = (np.arange(2 * side) + 0.5) / 2.0  # (2 side,) sample positions in pixels
    rows, cols = np.meshgrid(offsets, offsets, indexing="ij")  # (2 side, 2 side)
    points = np.column_stack([cols.ravel(), rows.ravel()])  # (4 side², 2) as (x, y)
    inside = np.zeros(points.shape[0], dtype=bool)  # (4 side²,)
    for outline in path.to_polygons():
        inside ^= MplPath(outline).contains_points(points)
    return inside.reshape(side, 2, side, 2).mean(axis=(1, 3))  # (side, side)


@functools.lru_cache(maxsize=1)
def _templates():
    """Every digit in every font, centred in a 28×28 frame drawn 2× finer.

    Returns
    -------
    templates : ndarray of float32, shape (n_fonts * 10, 56 + 2, 56 + 2)
        Index ``font * 10 + digit``; one pixel of zero border so that
        bilinear sampling outside the frame reads 0.
    """
    from matplotlib.font_manager import FontProperties
    from matplotlib.path import Path as MplPath
    from matplotlib.textpath import TextPath
    from matplotlib.transforms import Affine2D

    side, box = _SIDE * _OVERSAMPLE, _BOX * _OVERSAMPLE
    out = []
    for font in _font_paths():
        prop = FontProperties(fname=str(font))
        for digit in range(10):
            glyph = TextPath((0, 0), str(digit), size=1.0, prop=prop)
            ext = glyph.get_extents()
            scale = box / max(ext.width, ext.height)
            # Fit the box, centre the glyph, and flip y (image rows grow downwards).
            to_pixels = (Affine2D().translate(-ext.x0 - ext.width / 2, -ext.y0 - ext.height / 2)
                         .scale(scale, -scale).translate(side / 2, side / 2))
            filled = MplPath(to_pixels.transform(glyph.vertices), glyph.codes)
            out.append(np.pad(_rasterize(filled, side), 1))
    return np.stack(out).astype(np.float32)


def _random_maps(rng, n):
    """Per image, the 2×2 matrix and shift taking image pixels to template pixels."""
    angle = rng.uniform(-0.25, 0.25, n)  # radians, about ±14°
    shear = rng.uniform(-0.25, 0.25, n)
    scale = rng.uniform(0.8, 1.05, (n, 2))  # per axis: some digits come out narrow or tall
    cos, sin = np.cos(angle), np.sin(angle)
    rot = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], -2)  # (n, 2, 2)
    shape = np.zeros((n, 2, 2))
    shape[:, 0, 0], shape[:, 1, 1], shape[:, 0, 1] = scale[:, 0], scale[:, 1], shear
    # Template coordinates = OVERSAMPLE · (rot · shape)⁻¹ applied about the centre.
    inverse = np.linalg.inv(rot @ shape) * _OVERSAMPLE  # (n, 2, 2)
    shift = rng.uniform(-1.5, 1.5, (n, 2))  # pixels, as MNIST's centring by mass varies
    return inverse, shift


def _warp(templates, which, inverse, shift):
    """Bilinear samples of ``templates[which]`` at the mapped 28×28 pixel centres."""
    size = templates.shape[1]
    centre = (_SIDE - 1) / 2.0
    pixel = np.arange(_SIDE * _SIDE)  # (784,)
    rows = (pixel // _SIDE - centre)[None, :] - shift[:, :1]  # (n, 784)
    cols = (pixel % _SIDE - centre)[None, :] - shift[:, 1:]  # (n, 784)
    # Map about the template's frame centre (its one-pixel border included);
    # clamped samples land on the zero border.
    r = inverse[:, :1, 0] * rows + inverse[:, :1, 1] * cols + (size - 1) / 2.0  # (n, 784)
    c = inverse[:, 1:, 0] * rows + inverse[:, 1:, 1] * cols + (size - 1) / 2.0  # (n, 784)
    r, c = np.clip(r, 0.0, size - 1.001), np.clip(c, 0.0, size - 1.001)
    r0, c0 = r.astype(np.intp), c.astype(np.intp)  # floor, since r, c >= 0
    fr, fc = (r - r0).astype(np.float32), (c - c0).astype(np.float32)
    flat = templates.reshape(-1)
    # Index of the top-left neighbour in the flattened (template, row, col) array.
    base = (which[:, None] * size + r0) * size + c0  # (n, 784)
    top = flat.take(base) * (1 - fc) + flat.take(base + 1) * fc  # (n, 784)
    bottom = flat.take(base + size) * (1 - fc) + flat.take(base + size + 1) * fc
    return top * (1 - fr) + bottom * fr


def make_glyph_digits(n_samples, random_state=None):
    """Random 28×28 images of the digits 0–9 drawn from matplotlib's fonts.

    Parameters
    ----------
    n_samples : int
        Number of images, >= 1.
    random_state : None, int or numpy.random.Generator
        Chooses the digits, fonts and warps.

    Returns
    -------
    X : ndarray of float32, shape (n_samples, 784)
        Ink coverage in [0, 1], rows of the image one after the other (as
        :func:`ksparse.datasets.load_mnist`).
    y : ndarray of int64, shape (n_samples,)
        The digit of each image, uniformly distributed.
    """
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) \
            or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")
    rng = np.random.default_rng(random_state)
    templates = _templates()  # (n_fonts * 10, 86, 86)
    n_fonts = templates.shape[0] // 10
    y = rng.integers(0, 10, n_samples)  # (n_samples,)
    which = rng.integers(0, n_fonts, n_samples) * 10 + y  # (n_samples,)
    inverse, shift = _random_maps(rng, n_samples)
    X = np.empty((n_samples, _SIDE * _SIDE), dtype=np.float32)
    for start in range(0, n_samples, _CHUNK):
        sl = slice(start, start + _CHUNK)
        X[sl] = _warp(templates, which[sl], inverse[sl], shift[sl])
    return np.clip(X, 0.0, 1.0), y.astype(np.int64)
