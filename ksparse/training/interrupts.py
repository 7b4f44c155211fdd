"""Ctrl-C during training: stop at the next step boundary, never inside an update (§4.2).

An interrupt in the middle of an update could leave some parameters updated
and others not, and a checkpoint written then would resume a run that never
was. Two context managers prevent it:

* :func:`deferred_interrupts`, around the whole training loop
  (:mod:`ksparse.training.loop`), turns the first Ctrl-C into a request,
  ``requested``, that the loop reads between steps, so the model stops at
  its last completed step; a second Ctrl-C interrupts at once;
* :func:`held_interrupts`, around each critical section (an update with its
  bookkeeping, the end of an epoch, a checkpoint write), holds every Ctrl-C
  back until the section is done, then delivers it: a second Ctrl-C lands
  just after the update, never inside it.

Both work in the main thread only, where Python runs signal handlers; they
restore the handler they found, and neither drops a Ctrl-C. A
KeyboardInterrupt that code raises inside a critical section cannot be held
back: the section is then marked torn, and the loop saves no checkpoint of
its half-done work.
"""
__all__ = ["Interrupts", "deferred_interrupts", "held_interrupts", "interruption"]

import contextlib
import signal
import threading


class Interrupts:
    """Ctrl-C as the training loop receives it: its SIGINT handler and critical sections.

    Attributes
    ----------
    requested : bool
        True once a first Ctrl-C has asked training to stop at the next step
        boundary. A later Ctrl-C raises KeyboardInterrupt.
    torn : bool
        True when an exception left a critical section before its end (a
        KeyboardInterrupt raised by code rather than by a signal, for
        instance): the state it was changing may be half changed, so no
        checkpoint may be written of it.
    """

    def __init__(self):
        self.requested = False
        self.torn = False
        self._depth = 0  # critical sections entered and not yet left
        self._held = 0  # Ctrl-C received inside them, not yet delivered

    def __call__(self, signum, frame):
        """The SIGINT handler."""
        if self._depth:
            self._held += 1
        else:
            self._receive()

    def _receive(self):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self):
        """Enter a critical section (they nest)."""
        self._depth += 1
        return self

    def __exit__(self, exc_type, exc, traceback):
        """Leave a critical section; the outermost delivers what it held."""
        self._depth -= 1
        if exc_type is not None:
            self.torn = True
        if self._depth == 0:
            held, self._held = self._held, 0
            for _ in range(held):
                self._receive()
        return False


@contextlib.contextmanager
def deferred_interrupts():
    """Install an :class:`Interrupts` as the SIGINT handler for the block.

    Yields
    ------
    interrupts : Interrupts
        ``requested`` turns True at the first Ctrl-C. Off the main thread,
        where signal handlers cannot be installed, Ctrl-C is not deferred
        and ``requested`` stays False. A request still unanswered when the
        block ends normally is delivered to the handler found at the start,
        so that no Ctrl-C is lost.
    """
    interrupts = Interrupts()
    if threading.current_thread() is not threading.main_thread():
        yield interrupts  # signal handlers can only be installed from the main thread
        return
    previous = signal.signal(signal.SIGINT, interrupts)
    try:
        yield interrupts
    finally:
        signal.signal(signal.SIGINT, previous)
    if interrupts.requested:  # the block ended normally: its caller never saw the Ctrl-C
        _deliver(previous, None)


def held_interrupts():
    """A context manager that holds Ctrl-C back while it runs, then delivers it.

    Inside :func:`deferred_interrupts` it is that block's :class:`Interrupts`
    (a critical section, without a change of handler); elsewhere in the main
    thread it installs a handler that counts each Ctrl-C, restores the one it
    found, then passes each Ctrl-C on to it. Off the main thread it does nothing.

    Returns
    -------
    context : context manager
    """
    if threading.current_thread() is not threading.main_thread():
        return contextlib.nullcontext()
    current = signal.getsignal(signal.SIGINT)
    if isinstance(current, Interrupts):
        return current
    if current is None:  # a handler installed outside Python cannot be put back
        return contextlib.nullcontext()
    return _holding(current)


@contextlib.contextmanager
def _holding(previous):
    held = []
    signal.signal(signal.SIGINT, lambda signum, frame: held.append(frame))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        for frame in held:
            _deliver(previous, frame)


def _deliver(handler, frame):
    """Do what ``handler`` does with a Ctrl-C."""
    if handler is signal.SIG_DFL:
        signal.raise_signal(signal.SIGINT)  # the default action, now that it is back
    elif callable(handler):
        handler(signal.SIGINT, frame)


def interruption(where, note):
    """The KeyboardInterrupt that training raises after Ctrl-C: where it stopped, what is kept."""
    return KeyboardInterrupt(
        f"training interrupted {where}: the model keeps the parameters of its last completed "
        f"step{note}"
    )
