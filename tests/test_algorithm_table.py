"""docs/algorithm.rst maps the paper's equations to functions; every name it gives must exist.

The page's list-table has four columns: the paper's equation, what it
means, the file and the function. For every row the file must be a module
of ksparse, the function a (dotted) name in it, and the object must be
defined in that very file, so a function that moves or is renamed fails
here instead of leaving the page pointing at nothing.
"""
import importlib
import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "algorithm.rst"
HEADER = ["paper", "what it means", "file", "function"]
NUMBERED = range(2, 12)  # Eqs. 2–11 are the numbered equations of §2–§4


def table_rows(text):
    """The rows of every list-table in ``text``, each a list of cell strings."""
    rows, in_table = [], False
    for line in text.splitlines():
        if line.startswith(".. list-table::"):
            in_table = True
        elif in_table and line and not line.startswith(" "):
            in_table = False  # the first unindented line ends the directive
        elif in_table and line.strip().startswith("* - "):
            rows.append([line.strip()[4:]])
        elif in_table and line.strip().startswith("- ") and rows:
            rows[-1].append(line.strip()[2:])
    return rows


def parse_row(row):
    """(paper, file, module name, dotted name) of one data row."""
    paper, _, file_cell, function_cell = row
    file_match = re.fullmatch(r"``(ksparse/[\w/]+)\.py``", file_cell)
    name_match = re.fullmatch(r"``([A-Za-z_][\w.]*)``", function_cell)
    assert file_match, f"file cell is not ``ksparse/....py``: {file_cell!r}"
    assert name_match, f"function cell is not ``name``: {function_cell!r}"
    module = file_match.group(1).replace("/", ".")
    return paper, file_match.group(1) + ".py", module, name_match.group(1)


ROWS = table_rows(PAGE.read_text(encoding="utf-8"))
DATA = ROWS[1:]


def test_the_table_has_the_four_columns():
    assert ROWS, "docs/algorithm.rst has no list-table"
    assert ROWS[0] == HEADER
    assert all(len(row) == len(HEADER) for row in ROWS), [r for r in ROWS if len(r) != 4]


@pytest.mark.parametrize("row", DATA, ids=[row[3].strip("`") for row in DATA])
def test_every_named_function_exists_in_its_file(row):
    paper, path, module_name, dotted = parse_row(row)
    module = importlib.import_module(module_name)
    obj = module
    for part in dotted.split("."):
        assert hasattr(obj, part), f"{paper}: {module_name} has no {dotted}"
        obj = getattr(obj, part)
    assert callable(obj), f"{module_name}.{dotted} is not a function or class"
    source = Path(inspect.getsourcefile(inspect.unwrap(obj))).resolve()
    assert source == (ROOT / path).resolve(), f"{dotted} is defined in {source}, not {path}"


@pytest.mark.parametrize("row", DATA, ids=[row[3].strip("`") for row in DATA])
def test_every_named_function_has_its_own_docstring(row):
    # The page sends the reader to the function's docstring; a method without
    # one would show its base class's (inspect.getdoc) or nothing.
    _, _, module_name, dotted = parse_row(row)
    obj = importlib.import_module(module_name)
    for part in dotted.split("."):
        obj = getattr(obj, part)
    assert (inspect.unwrap(obj).__doc__ or "").strip(), f"{dotted} has no docstring"


@pytest.mark.parametrize("number", NUMBERED)
def test_every_numbered_equation_has_a_row(number):
    papers = [row[0] for row in DATA]
    assert any(re.search(rf"\bEq\. {number}\b", paper) for paper in papers), number


# Unnumbered equations of §2–§4 that a row once lacked.
UNNUMBERED = [r"H = W^\top W - I", r"\operatorname{supp}_{\alpha k}", "α·k"]


@pytest.mark.parametrize("equation", UNNUMBERED)
def test_unnumbered_equations_have_a_row(equation):
    assert any(equation in row[0] for row in DATA), equation


def test_the_parser_sees_a_broken_name():
    row = ["§2.2: z", "meaning", "``ksparse/nn/affine.py``", "``no_such_function``"]
    _, _, module_name, dotted = parse_row(row)
    assert not hasattr(importlib.import_module(module_name), dotted)
    with pytest.raises(AssertionError, match="file cell"):
        parse_row(["§2.2: z", "meaning", "ksparse/nn/affine.py", "``affine``"])
