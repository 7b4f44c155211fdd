"""Ctrl-C during training: stop at the next step boundary, never inside an update (§4.2).

An interrupt in the middle of an update could leave some parameters updated
and others not. :func:`deferred_interrupts` turns the first Ctrl-C into a
flag that the training loop (:mod:`ksparse.training.loop`) reads after each
step, so the model stops at its last completed step; a second Ctrl-C
interrupts at once.
"""
__all__ = ["deferred_interrupts"]

import contextlib
import signal
import threading


@contextlib.contextmanager
def deferred_interrupts():
    """Turn the first Ctrl-C into a flag, ``flag["set"]``, that the loop checks between steps.

    Yields
    ------
    flag : dict
        ``{"set": False}`` until the first Ctrl-C. A second Ctrl-C raises
        KeyboardInterrupt at once. Off the main thread, where signal
        handlers cannot be installed, Ctrl-C is not deferred.
    """
    flag = {"set": False}
    if threading.current_thread() is not threading.main_thread():
        yield flag  # signal handlers can only be installed from the main thread
        return
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum, frame):
        if flag["set"]:
            raise KeyboardInterrupt
        flag["set"] = True

    signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)
