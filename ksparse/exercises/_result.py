"""What a check returns, and how a check calls the student's code safely.

A check never prints: it returns a :class:`CheckResult` whose ``str`` is the
line the notebook prints. The student's function is called through
:func:`attempt`, so an unfinished stub (``raise NotImplementedError``) or a
crash becomes a failed check with a helpful message instead of a traceback.
"""
from dataclasses import dataclass

import numpy as np

from ..backend import to_numpy

__all__ = ["CheckResult", "StudentError", "attempt", "as_host_array", "failed", "is_close",
           "passed", "rounding_note"]

# A float32 answer may be off by this many float32 epsilons of its magnitude (the
# terms summed to make it, in absolute value). Correct float32 answers to the checks'
# cases stay under 2 (measured over 300 seeds); an answer 1e-4 off (a constant
# slightly wrong) is several times over.
_F32_ULPS = 8
_F32_EPS = float(np.finfo(np.float32).eps)


@dataclass(frozen=True)
class CheckResult:
    """Verdict of one exercise check.

    Attributes
    ----------
    exercise : str
        The exercise's name, e.g. ``'top-k mask'``.
    passed : bool
        Whether the answer is right.
    message : str
        What was checked, or what is wrong and a hint.
    """

    exercise: str
    passed: bool
    message: str

    def __bool__(self):
        return self.passed

    def __str__(self):
        verdict = "correct" if self.passed else "not yet"
        return f"[{verdict}] {self.exercise}: {self.message}"


def passed(exercise, message):
    """A successful :class:`CheckResult`."""
    return CheckResult(exercise, True, message)


def failed(exercise, message):
    """A failed :class:`CheckResult`."""
    return CheckResult(exercise, False, message)


class StudentError(Exception):
    """The student's code raised or returned something unusable; ``args[0]`` says what."""


def attempt(func, *args, **kwargs):
    """Call the student's function, turning its exceptions into :class:`StudentError`.

    Raises
    ------
    StudentError
        ``func`` is not callable, is still the stub, or raised.
    """
    if not callable(func):
        raise StudentError(f"expected a function, got {type(func).__name__}.")
    try:
        return func(*args, **kwargs)
    except NotImplementedError:
        raise StudentError(
            "your function still raises NotImplementedError; replace the `raise` "
            "with your code."
        ) from None
    except Exception as exc:  # the student's bug, reported instead of a traceback
        raise StudentError(f"your function raised {type(exc).__name__}: {exc}") from None


def as_host_array(value, what):
    """``value`` as a NumPy array (CuPy arrays are copied to the host).

    Raises
    ------
    StudentError
        ``value`` is None or cannot be an array.
    """
    if value is None:
        raise StudentError(f"your function returned None; it must return {what}.")
    try:
        return np.asarray(to_numpy(value))
    except Exception as exc:  # a list of mixed types, an object without __array__...
        raise StudentError(f"could not read the result as {what} ({exc}).") from None


def _float32_close(got, expected, magnitude):
    return np.allclose(got, expected, rtol=0.0, atol=_F32_ULPS * _F32_EPS * magnitude)


def is_close(got, expected, magnitude):
    """Whether the answer ``got`` equals ``expected`` up to round-off of its own precision.

    Parameters
    ----------
    got : ndarray
        The student's answer; a float32 one is held to float32 round-off.
    expected : ndarray
        The float64 reference.
    magnitude : float
        Size of the terms summed to make the answer, in absolute value, which
        float32 round-off scales with (the answer itself can cancel to near 0).

    Returns
    -------
    close : bool
        float64 (and any other dtype): within rtol 1e-6, atol 1e-9;
        float32: within 8 float32 epsilons of ``magnitude``.
    """
    if got.dtype == np.float32:
        return _float32_close(got, expected, magnitude)
    return np.allclose(got, expected, rtol=1e-6, atol=1e-9)


def rounding_note(got, expected, magnitude):
    """A hint for a float64 answer off only by float32 round-off, else ''."""
    if got.dtype != np.float32 and _float32_close(got, expected, magnitude):
        return " (float32 round-off: was it computed in float32? use float64 throughout)"
    return ""
