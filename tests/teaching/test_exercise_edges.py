"""The student version and the checks' references, to the character.

Written against the surviving mutants of ``ksparse/exercises`` (issue 26): line
numbers in the marker errors, the line after a region, the final newline, a
notebook cell's source kept as a list or a string, and the reference loss.
"""
import json

import numpy as np
import pytest

from ksparse import exercises as ex
from ksparse.exercises import _reference as ref

REGION = "a = 1\n# BEGIN SOLUTION\nsecret = 2\n# END SOLUTION\nafter = 3\n"


@pytest.mark.parametrize("source, expected", [
    (REGION, 'a = 1\nraise NotImplementedError("Exercise: write your solution here.")\n'
             "after = 3\n"),
    (REGION.rstrip("\n"), 'a = 1\nraise NotImplementedError("Exercise: write your solution '
                          'here.")\nafter = 3'),
    ("a = 1\n# STUB: b = 0\n" + REGION[6:], 'a = 1\n# STUB: b = 0\nraise '
     'NotImplementedError("Exercise: write your solution here.")\nafter = 3\n'),
    ("x = 0\n# BEGIN SOLUTION\n# STUB: y = None\ny = 1\n# END SOLUTION\nz = 2\n",
     "x = 0\ny = None\nz = 2\n"),
])
def test_student_version_word_for_word(source, expected):
    # The line right after a region stays, the final newline is kept only if
    # there was one, and a # STUB: line outside a region is not a stub.
    assert ex.student_version(source) == expected


@pytest.mark.parametrize("source, message", [
    ("x = 1\n# BEGIN SOLUTION\ny = 2\n",
     "line 2: # BEGIN SOLUTION is never closed by # END SOLUTION."),
    ("x = 1\ny = 2\n# END SOLUTION\n", "line 3: # END SOLUTION without a # BEGIN SOLUTION "
                                       "before it."),
    ("x = 1\n# BEGIN SOLUTION\ny = 2\n# BEGIN SOLUTION\n# END SOLUTION\n",
     "line 4: # BEGIN SOLUTION inside the region opened on line 2; regions do not nest."),
])
def test_a_broken_marker_is_reported_at_its_line(source, message):
    with pytest.raises(ValueError) as info:
        ex.solution_regions(source)
    assert str(info.value) == message


def test_non_text_is_refused_naming_its_type():
    with pytest.raises(TypeError) as info:
        ex.student_version(b"x = 1")
    assert str(info.value) == "source must be a str, got bytes."


def test_a_notebook_cell_keeps_its_source_as_a_list_or_a_string(tmp_path):
    cells = [{"cell_type": "code", "source": REGION.splitlines(keepends=True), "outputs": []},
             {"cell_type": "code", "source": REGION, "outputs": []},
             {"cell_type": "code", "outputs": []}]  # no source at all: read as empty
    src = tmp_path / "plot_x.ipynb"
    src.write_text(json.dumps({"cells": cells, "nbformat": 4}), encoding="utf-8")
    out = ex.write_student_version(src, tmp_path / "student_x.ipynb")
    student = ex.student_version(REGION)
    got = [c["source"] for c in json.loads(out.read_text(encoding="utf-8"))["cells"]]
    assert got == [student.splitlines(keepends=True), student, ""]


def test_a_file_that_is_not_a_notebook_is_named_in_the_message(tmp_path):
    src = tmp_path / "plot_x.ipynb"
    src.write_text("{}", encoding="utf-8")
    with pytest.raises(ValueError) as info:
        ex.write_student_version(src, tmp_path / "student_x.ipynb")
    assert str(info.value) == f"src ({src}) is not a Jupyter notebook: 'cells'"


def test_a_file_without_exercises_is_refused_word_for_word(tmp_path):
    src = tmp_path / "plot_x.py"
    src.write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(ValueError) as info:
        ex.write_student_version(src, tmp_path / "student_x.py")
    assert str(info.value) == (
        f"src ({src}) holds no exercise: no # BEGIN SOLUTION / # END SOLUTION region to cut, "
        "so its student version would be the same file.")


def test_reference_loss_on_a_hand_case():
    # x = (1, 2), W = I, b = b' = 0, k = 1: z = x keeps unit 2, x̂ = (0, 2), error 1.
    # x = (3, 1): keeps unit 1, x̂ = (3, 0), error 1. Mean 1.
    X, W = np.array([[1.0, 2.0], [3.0, 1.0]]), np.eye(2)
    b, b_prime = np.zeros(2), np.zeros(2)
    assert ref.loss(X, W, b, b_prime, 1) == 1.0
    # With pre-bias b' = (1, 0): z = x - b' = (0, 2) and (2, 1), x̂ = (1, 2) and (3, 0).
    assert ref.loss(X, W, b, np.array([1.0, 0.0]), 1, pre_bias=True) == 0.5
    # Without it (the default): x̂ = (1, 2) and (4, 0), errors 0 and 2.
    assert ref.loss(X, W, b, np.array([1.0, 0.0]), 1) == 1.0


def test_reference_valid_topk_refuses_a_wrong_count():
    z = np.array([[0.5, -1.0, 2.0, 0.7]])
    assert not ref.valid_topk(z, np.array([[True, False, True, True]]), 2)
    assert not ref.valid_topk(z, np.array([[False, False, True, False]]), 2)
