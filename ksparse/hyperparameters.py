"""Hyper-parameter constraints declared as data.

Every ksparse model declares the constraint of each hyper-parameter once,
in a class attribute ``hyperparameters`` mapping its name to one of the
constraints below (its default lives in the model's ``__init__``
signature). :class:`ksparse.base.Estimator` merges the tables of a class
and its bases and validates every value at the start of ``fit``, before
any work, with messages that name the argument. A constraint may refer to
another hyper-parameter by name (``Int(low=1, high="n_hidden")``); it sees
the values validated before it.
"""
__all__ = [
    "Any",
    "Bool",
    "Custom",
    "Dtype",
    "Int",
    "OneOf",
    "Optional",
    "RATE",
    "Real",
    "Seed",
    "validate",
]

import dataclasses

import numpy as np

from .validation import check_dtype, check_int, check_random_state, check_real


def _resolve(bound, values):
    """A bound given as another hyper-parameter's name takes that one's value."""
    return values[bound] if isinstance(bound, str) else bound


@dataclasses.dataclass(frozen=True)
class Int:
    """An integer in [low, high]; bounds may name other hyper-parameters."""

    low: object = None
    high: object = None

    def __call__(self, name, value, values):
        return check_int(value, name, low=_resolve(self.low, values),
                         high=_resolve(self.high, values))


@dataclasses.dataclass(frozen=True)
class Real:
    """A finite real number in a closed or (half-)open interval."""

    low: float = None
    high: float = None
    low_open: bool = False
    high_open: bool = False

    def __call__(self, name, value, values):
        return check_real(value, name, self.low, self.high, self.low_open, self.high_open)


class Bool:
    """True or False (NumPy booleans too)."""

    def __call__(self, name, value, values):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {value!r}.")
        return bool(value)


@dataclasses.dataclass(frozen=True)
class OneOf:
    """One of a few named options."""

    options: tuple

    def __call__(self, name, value, values):
        if not isinstance(value, str) or value not in self.options:
            quoted = [repr(o) for o in self.options]
            choices = " or ".join(quoted) if len(quoted) == 2 else f"one of {self.options}"
            raise ValueError(f"{name} must be {choices}, got {value!r}.")
        return value


@dataclasses.dataclass(frozen=True)
class Optional:
    """None, or a value that satisfies ``inner``."""

    inner: object

    def __call__(self, name, value, values):
        return None if value is None else self.inner(name, value, values)


class Dtype:
    """None, 'float32' or 'float64'; validated to a NumPy dtype or None."""

    def __call__(self, name, value, values):
        return check_dtype(value)


class Seed:
    """None, an int or a NumPy Generator (``random_state``)."""

    def __call__(self, name, value, values):
        check_random_state(value)
        return value


class Any:
    """Anything (e.g. ``verbose``, which only shows or hides a progress bar)."""

    def __call__(self, name, value, values):
        return value


@dataclasses.dataclass(frozen=True)
class Custom:
    """A model-specific rule: ``func(name, value, values)`` returns the validated value."""

    func: object

    def __call__(self, name, value, values):
        return self.func(name, value, values)


def validate(model, constraints):
    """Check every hyper-parameter of ``model`` in the order of ``constraints``.

    Parameters
    ----------
    model : object
        Holds the values as attributes.
    constraints : dict of str to callable
        ``constraint(name, value, values)`` returns the validated value or raises.

    Returns
    -------
    values : dict
        The validated values (ints as int, dtypes as numpy.dtype, ...).
    """
    values = {}
    for name, check in constraints.items():
        values[name] = check(name, getattr(model, name), values)
    return values


#: A dropout or corruption rate: a fraction of entries zeroed, 0 <= rate < 1.
RATE = Real(0.0, 1.0, high_open=True)
