"""Every estimator documents every constructor parameter in its numpydoc Parameters section."""
import inspect
import re

import pytest

import ksparse

ESTIMATORS = [getattr(ksparse, name) for name in ksparse.__all__
              if inspect.isclass(getattr(ksparse, name)) and hasattr(getattr(ksparse, name), "fit")]


def documented_names(cls):
    """Names of the Parameters section's entries (a line may list several, comma-separated)."""
    doc = inspect.getdoc(cls) or ""
    section = re.search(r"^Parameters\n-+\n(.*?)(?=^\w[\w ]*\n-+\n|\Z)", doc, re.S | re.M)
    if section is None:
        return set()
    text = section.group(1).replace("\\\n", " ")  # a list of names continued on the next line
    names = set()
    for line in text.splitlines():
        if line and not line[0].isspace():  # an entry's first line: names, then " : type" maybe
            names.update(n.strip() for n in line.split(" : ")[0].split(","))
    return names


def test_there_are_estimators_to_check():
    assert {"KSparseAutoencoder", "RBM", "SoftmaxRegression"} <= {c.__name__ for c in ESTIMATORS}


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_every_constructor_parameter_is_documented(cls):
    wanted = set(inspect.signature(cls.__init__).parameters) - {"self"}
    missing = wanted - documented_names(cls)
    assert not missing, f"{cls.__name__} does not document {sorted(missing)}"


def test_the_parser_sees_a_missing_entry():
    class Partial:
        """A model.

        Parameters
        ----------
        a, b : int
        c : float
            Text mentioning d.

        Attributes
        ----------
        d_ : int
        """

        def __init__(self, a, b, c, d):
            pass

    assert documented_names(Partial) == {"a", "b", "c"}
