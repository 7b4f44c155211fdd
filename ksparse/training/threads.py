"""How many BLAS threads the training loop's products get (no paper section).

A minibatch step multiplies a (batch × n_features) block by an
(n_features × n_hidden) matrix. When that product is small (the demo's
128 × 64 × 256), the BLAS threads spend longer waiting on each other than
computing, and on a machine shared with other work they wait much longer
still; one thread is then faster. Large products (MNIST's 128 × 784 × 1000)
gain from every core. So the loop runs on one BLAS thread below
:data:`ONE_THREAD_BELOW` multiply-adds per step, and leaves the BLAS's own
choice above it. The environment variable ``KSPARSE_NUM_THREADS`` overrides
the rule: a positive integer fixes the count, ``auto`` (the default) applies
the rule; any other value is refused when ``fit`` or ``partial_fit`` starts
(:func:`thread_setting`), before the model changes. Only NumPy's BLAS is
limited (CuPy runs on the GPU), and only while the loop runs: the caller's
setting comes back afterwards.
"""
__all__ = ["ENV_VAR", "ONE_THREAD_BELOW", "blas_threads", "limited_blas_threads",
           "thread_setting"]

import contextlib
import functools
import os

import numpy as np

from ..backend import get_array_module

#: The environment variable that sets the thread count of training's BLAS, overriding the rule.
ENV_VAR = "KSPARSE_NUM_THREADS"

#: Multiply-adds per step (batch × largest parameter) below which one BLAS thread runs.
ONE_THREAD_BELOW = 16_000_000


def thread_setting():
    """``KSPARSE_NUM_THREADS`` read and checked: a fixed thread count, or None for ``auto``.

    Every ``fit`` and ``partial_fit`` calls this before any work (through
    ``Estimator._validate_for_training``), so that a bad
    value leaves the model untouched.

    Returns
    -------
    n_threads : int or None

    Raises
    ------
    ValueError
        When ``KSPARSE_NUM_THREADS`` is neither ``auto`` nor a positive integer.
    """
    setting = os.environ.get(ENV_VAR, "auto").strip().lower()
    if setting == "auto":
        return None
    if not setting.isdecimal() or int(setting) < 1:
        raise ValueError(f"{ENV_VAR} must be 'auto' or a positive integer, "
                         f"got {os.environ[ENV_VAR]!r}.")
    return int(setting)


def blas_threads(batch_size, params):
    """The BLAS thread count for steps of ``batch_size`` rows over ``params``; None: no limit.

    Parameters
    ----------
    batch_size : int
    params : dict of arrays
        The model's parameters; the largest sets the size of a step's products.

    Returns
    -------
    n_threads : int or None
        :func:`thread_setting`'s count when it fixes one (its ValueError
        when the setting is bad); else 1 when a step has fewer than
        :data:`ONE_THREAD_BELOW` multiply-adds, None above.
    """
    fixed = thread_setting()
    if fixed is not None:
        return fixed
    largest = max((p.size for p in params.values()), default=0)
    return 1 if batch_size * largest < ONE_THREAD_BELOW else None


@contextlib.contextmanager
def limited_blas_threads(batch_size, params):
    """Run the block with the BLAS threads :func:`blas_threads` chooses (NumPy arrays only)."""
    n_threads = blas_threads(batch_size, params)
    on_gpu = any(get_array_module(p) is not np for p in params.values())
    if n_threads is None or on_gpu:
        yield
        return
    with _controller().limit(limits=n_threads, user_api="blas"):
        yield


@functools.lru_cache(maxsize=None)
def _controller():
    """threadpoolctl's view of the loaded BLAS libraries, made once (a scan of the process)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()
