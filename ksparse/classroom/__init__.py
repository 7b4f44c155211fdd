"""Helpers of the classroom gallery (``examples/``): sizes and offline data.

* :mod:`~ksparse.classroom.size` — ``KSPARSE_EXAMPLE_SIZE`` (small, classroom,
  paper) and :func:`pick`, the one switch that scales every example;
* :mod:`~ksparse.classroom.data` — MNIST (paper §4.1) when it is on the
  machine, otherwise a labelled substitute that needs no download;
* :mod:`~ksparse.classroom.digits` — that substitute, glyph digits.

The exercises of the notebooks and their checks are in :mod:`ksparse.exercises`.
"""
from .data import Digits, load_digits
from .digits import make_glyph_digits
from .size import ENV_VAR, SIZES, example_size, pick

__all__ = ["Digits", "ENV_VAR", "SIZES", "example_size", "load_digits", "make_glyph_digits",
           "pick"]
