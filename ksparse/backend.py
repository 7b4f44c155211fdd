"""Array backend shim: NumPy on the CPU, CuPy on the GPU.

Every numerical function in ksparse is written once against an array module
``xp`` that is either :mod:`numpy` or :mod:`cupy`. This is the only module in
the package that imports CuPy, and it does so lazily: importing ksparse never
touches the GPU and never prints anything.

The default backend comes from the environment variable ``KSPARSE_BACKEND``:

``auto``   (the default) CuPy when it imports and a GPU is usable, else NumPy;
``numpy``  always NumPy;
``cupy``   always CuPy, with a clear error when it is unusable.

It can be changed at run time with :func:`set_backend` or, for a block of
code, with the :func:`use_backend` context manager.

Random numbers that decide a model (initial weights, minibatch order) are
drawn on the host with NumPy and then moved to the device, so a given
``random_state`` gives the same model on either backend.
"""
import contextlib
import os

import numpy as np

__all__ = [
    "waits_for_device",
    "BACKENDS",
    "cupy_available",
    "default_rng",
    "get_array_module",
    "get_backend",
    "get_xp",
    "set_backend",
    "to_device",
    "to_numpy",
    "use_backend",
]

#: The values ``KSPARSE_BACKEND`` and :func:`set_backend` accept.
BACKENDS = ("auto", "numpy", "cupy")

_GPU_HINT = (
    "Install the GPU extra from a checkout with `python -m pip install \".[gpu]\"` "
    "(CuPy for CUDA 12) "
    "on a machine with an NVIDIA GPU, or use KSPARSE_BACKEND=numpy."
)

_state = {"name": None}  # None: not chosen yet; read KSPARSE_BACKEND on first use
_cupy_probe = {}  # cached result of the (slow) CuPy import and device check


def _import_cupy():
    """Return the cupy module when it imports and a GPU answers, else raise."""
    if "module" in _cupy_probe:
        return _cupy_probe["module"]
    if "error" in _cupy_probe:
        raise _cupy_probe["error"]
    try:
        import cupy  # the one place CuPy is imported

        cupy.cuda.runtime.getDeviceCount()
        cupy.zeros(1).sum()  # a kernel must really run, not only the driver answer
    except Exception as exc:  # ImportError, CUDARuntimeError, compile errors...
        error = RuntimeError(f"The CuPy backend is unusable here ({exc!r}). {_GPU_HINT}")
        _cupy_probe["error"] = error
        raise error from exc
    _cupy_probe["module"] = cupy
    return cupy


def cupy_available():
    """Whether CuPy imports and a GPU is usable (the check runs once).

    Returns
    -------
    available : bool
    """
    try:
        _import_cupy()
    except RuntimeError:
        return False
    return True


def _check_name(name, source):
    if not isinstance(name, str) or name.lower() not in BACKENDS:
        raise ValueError(f"{source} must be one of {BACKENDS}, got {name!r}.")
    return name.lower()


def _resolve(name):
    """Turn 'auto' into 'cupy' or 'numpy'; check that 'cupy' is usable."""
    if name == "auto":
        return "cupy" if cupy_available() else "numpy"
    if name == "cupy":
        _import_cupy()
    return name


def set_backend(name):
    """Choose the backend used from now on.

    Parameters
    ----------
    name : {'auto', 'numpy', 'cupy'}
        ``'auto'`` picks CuPy when a GPU is usable and NumPy otherwise.

    Returns
    -------
    resolved : {'numpy', 'cupy'}
        The backend now in use.
    """
    _state["name"] = _resolve(_check_name(name, "backend"))
    return _state["name"]


def get_backend():
    """Name of the backend in use, ``'numpy'`` or ``'cupy'``.

    On first use it is read from ``KSPARSE_BACKEND`` (default ``'auto'``).
    """
    if _state["name"] is None:
        env = os.environ.get("KSPARSE_BACKEND", "auto")
        name = _check_name(env, "KSPARSE_BACKEND")
        try:
            _state["name"] = _resolve(name)
        except RuntimeError as exc:  # 'cupy' asked for by the environment, and unusable
            accepted = ", ".join(repr(b) for b in BACKENDS)
            raise RuntimeError(
                f"The environment variable KSPARSE_BACKEND is {env!r}: {exc} "
                f"KSPARSE_BACKEND accepts {accepted} ('auto' takes CuPy when a GPU is usable "
                "and NumPy otherwise)."
            ) from exc
    return _state["name"]


def get_xp():
    """The array module of the backend in use (:mod:`numpy` or :mod:`cupy`)."""
    return _import_cupy() if get_backend() == "cupy" else np


@contextlib.contextmanager
def use_backend(name):
    """Context manager that switches the backend for a block of code.

    Examples
    --------
    >>> from ksparse.backend import use_backend, get_backend
    >>> with use_backend("numpy"):
    ...     get_backend()
    'numpy'
    """
    previous = _state["name"]
    set_backend(name)
    try:
        yield get_xp()
    finally:
        _state["name"] = previous


def get_array_module(*arrays):
    """The array module (:mod:`numpy` or :mod:`cupy`) that owns ``arrays``.

    NumPy arrays, Python scalars and anything else that is not a CuPy array
    give :mod:`numpy`; CuPy is never imported just to answer.
    """
    for a in arrays:
        if type(a).__module__.split(".")[0] == "cupy":
            return _import_cupy()
    return np


def waits_for_device(xp):
    """True when reading a result of ``xp`` on the host waits for queued device work (CuPy).

    Code that runs every training step asks this before a data-dependent
    branch or a result whose size depends on the data (``any``,
    ``nonzero``): on a GPU it takes the branch-free form instead.
    """
    return xp is not np


def to_numpy(a):
    """Copy an array to the host as a NumPy array (a no-op for NumPy input)."""
    if get_array_module(a) is np:
        return np.asarray(a)
    return a.get()


def to_device(a, xp=None):
    """Move an array to the backend ``xp`` (default: the backend in use).

    Parameters
    ----------
    a : array_like
    xp : module, optional
        :mod:`numpy` or :mod:`cupy`.

    Returns
    -------
    array
        ``a`` itself when it already lives on ``xp``.
    """
    xp = get_xp() if xp is None else xp
    if xp is np:
        return to_numpy(a)
    return xp.asarray(a)


def default_rng(seed=None, xp=None):
    """A seeded random generator on the host (NumPy) or the device (CuPy).

    ksparse draws the random numbers that define a model on the host (see the
    module docstring); a device generator is offered for bulk sampling such as
    Monte Carlo experiments, where transfer would dominate.

    Parameters
    ----------
    seed : None, int, or numpy.random.Generator
        An existing NumPy generator is returned as is when ``xp`` is NumPy.
    xp : module, optional
        :mod:`numpy` (the default) or :mod:`cupy`.
    """
    xp = np if xp is None else xp
    if xp is np:
        return np.random.default_rng(seed)
    if isinstance(seed, np.random.Generator):
        seed = int(seed.integers(2**63))
    return xp.random.default_rng(seed)
