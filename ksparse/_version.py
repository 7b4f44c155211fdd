"""The version of ksparse, kept apart so that any module may read it (no section).

``ksparse.__version__`` re-exports it; the command line reads it from here,
since no module inside the package imports the package's own ``__init__``.
"""
__version__ = "0.1.0"
