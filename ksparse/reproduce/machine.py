"""What a run's wall times depend on: BLAS, its thread count, NumPy and the backend.

Wall times in the report are only comparable between runs of the same
machine context, so ``ksparse reproduce`` records it in ``results.json``
and prints it in ``report.md``. The BLAS and its threads are read with
threadpoolctl when it is installed (it asks the loaded libraries
themselves); without it, from NumPy's build configuration and the
``*_NUM_THREADS`` environment variables, which BLAS libraries read once,
when they are loaded — hence :func:`thread_limit` needs threadpoolctl.
"""
__all__ = ["THREAD_VARIABLES", "check_threads", "format_machine", "machine_context",
           "thread_limit"]

import contextlib
import importlib.util
import os
import platform

import numpy as np

from ..backend import get_backend

#: Environment variables that set the BLAS's thread count, reported with each run.
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _has_threadpoolctl():
    return importlib.util.find_spec("threadpoolctl") is not None


def check_threads(threads):
    """Refuse a thread count that is not an integer >= 1, or that cannot be applied.

    Raises
    ------
    ValueError
        Naming ``threads``; without threadpoolctl, saying which variable to set instead.
    """
    if threads is None:
        return
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1:
        raise ValueError(f"threads must be an integer >= 1, got {threads!r}.")
    if threads > 2**31 - 1:  # the thread libraries take a C int
        raise ValueError(f"threads must be at most 2147483647, got {threads}.")
    if not _has_threadpoolctl():
        raise ValueError(f"threads={threads} needs threadpoolctl (pip install threadpoolctl); "
                         f"without it, set OPENBLAS_NUM_THREADS={threads} (or OMP_NUM_THREADS, "
                         "MKL_NUM_THREADS) before Python starts.")


@contextlib.contextmanager
def thread_limit(threads):
    """Limit the BLAS and OpenMP thread pools to ``threads`` inside the block (None: no limit)."""
    check_threads(threads)
    if threads is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=int(threads)):
        yield


def _blas_from_threadpoolctl():
    from threadpoolctl import threadpool_info

    return [{"api": info.get("internal_api"), "version": info.get("version"),
             "threads": info.get("num_threads"), "kind": info.get("user_api")}
            for info in threadpool_info()]


def _blas_from_numpy():
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    except (TypeError, KeyError):  # NumPy < 1.25 only prints its configuration
        return [{"api": "unknown", "version": None, "threads": None, "kind": "blas"}]
    return [{"api": blas.get("name"), "version": blas.get("version"), "threads": None,
             "kind": "blas"}]


def machine_context():
    """The context of this process, as JSON-serialisable values.

    Returns
    -------
    dict
        ``backend``, ``numpy``, ``python``, ``machine``, ``cpu_count``,
        ``libraries`` (each loaded BLAS or OpenMP library: api, version,
        threads, kind; threads None when unknown), ``env`` (the
        ``*_NUM_THREADS`` variables that are set) and ``source`` (how the
        libraries were found: ``"threadpoolctl"`` or ``"numpy.show_config"``).
    """
    source = "threadpoolctl" if _has_threadpoolctl() else "numpy.show_config"
    libraries = _blas_from_threadpoolctl() if _has_threadpoolctl() else _blas_from_numpy()
    return {
        "backend": get_backend(), "numpy": np.__version__,
        "python": platform.python_version(), "machine": platform.machine(),
        "cpu_count": os.cpu_count(), "libraries": libraries,
        "env": {name: os.environ[name] for name in THREAD_VARIABLES if name in os.environ},
        "source": source,
    }


def _threads_of(library, context):
    if library["threads"] is not None:
        return f"threads: {library['threads']}"
    for name in THREAD_VARIABLES:
        if name in context["env"]:
            return f"threads: {name}={context['env'][name]}"
    return f"threads: not set (BLAS default, usually {context['cpu_count']})"


def format_machine(context):
    """One line of Markdown describing :func:`machine_context`'s dict."""
    libraries = "; ".join(
        f"{lib['kind']}: {lib['api']} {lib['version'] or ''}".rstrip()
        + f" ({_threads_of(lib, context)})" for lib in context["libraries"]) or "none found"
    env = ", ".join(f"{k}={v}" for k, v in context["env"].items()) or "none"
    return (f"Backend: {context['backend']}; NumPy {context['numpy']}; {libraries} "
            f"(read by {context['source']}); thread variables set: {env}; Python "
            f"{context['python']} on {context['machine']} with {context['cpu_count']} CPU(s).")
