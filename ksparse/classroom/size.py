"""How big the gallery examples run: one environment variable, three sizes.

Every script in ``examples/`` reads its sizes (examples, hidden units,
epochs, ...) through :func:`pick`, so one switch scales the whole gallery:

``KSPARSE_EXAMPLE_SIZE=small``
    for continuous integration: each script finishes in seconds on one core;
``KSPARSE_EXAMPLE_SIZE=classroom`` (the default)
    about a minute per script on a laptop CPU, with readable figures;
``KSPARSE_EXAMPLE_SIZE=paper``
    the sizes of Makhzani & Frey (2013), §4 (hours on a CPU, minutes on a GPU).
"""
import os

__all__ = ["DEFAULT_SIZE", "ENV_VAR", "SIZES", "example_size", "pick"]

#: The environment variable that names the gallery's size.
ENV_VAR = "KSPARSE_EXAMPLE_SIZE"
#: The sizes an example can run at, smallest first.
SIZES = ("small", "classroom", "paper")
#: The size when ``KSPARSE_EXAMPLE_SIZE`` is not set.
DEFAULT_SIZE = "classroom"


def example_size():
    """The size chosen by ``KSPARSE_EXAMPLE_SIZE`` (unset or empty: ``'classroom'``).

    Returns
    -------
    size : {'small', 'classroom', 'paper'}

    Raises
    ------
    ValueError
        When the variable holds anything else (case and surrounding spaces
        are ignored).
    """
    raw = os.environ.get(ENV_VAR, "")
    name = raw.strip().lower() or DEFAULT_SIZE
    if name not in SIZES:
        raise ValueError(
            f"{ENV_VAR} must be one of {', '.join(SIZES)} (unset means {DEFAULT_SIZE!r}), "
            f"got {raw!r}."
        )
    return name


def pick(*, small, classroom, paper):
    """The value for the chosen size.

    Parameters
    ----------
    small, classroom, paper : object
        One value per size, e.g. ``pick(small=2, classroom=20, paper=200)``
        epochs.

    Returns
    -------
    value : object
        The argument named by :func:`example_size`.
    """
    return {"small": small, "classroom": classroom, "paper": paper}[example_size()]
