"""Every gallery script runs to the end at KSPARSE_EXAMPLE_SIZE=small, headless and offline.

The scripts are found by glob, so a new ``examples/plot_*.py`` is tested
without touching this file. They run as subprocesses, as sphinx-gallery and
a student would run them, from an empty working directory (a script must
not depend on the cwd, nor leave files in it), several at a time since each
uses one BLAS thread.
"""
import ast
import json
import os
import re
import runpy
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ksparse.exercises import solution_regions, student_version, write_student_version

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"  # tests/teaching/ -> root
EXAMPLES = sorted(EXAMPLES_DIR.glob("plot_*.py"))
if not EXAMPLES:  # an empty list would turn every test below into one silent skip
    raise FileNotFoundError(f"no gallery scripts in {EXAMPLES_DIR}")
WITH_EXERCISES = [p for p in EXAMPLES if solution_regions(p.read_text(encoding="utf-8"))]
TIMEOUT = 180  # seconds per script; each takes a few seconds on one core
_ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                      "MKL_NUM_THREADS")}


def run_script(path, cwd, source=None):
    """Run ``path`` (or ``source`` under its name) in ``cwd`` the way CI does."""
    env = dict(os.environ, KSPARSE_EXAMPLE_SIZE="small", MPLBACKEND="Agg", **_ONE_THREAD)
    cwd.mkdir(parents=True, exist_ok=True)
    if source is not None:
        path = cwd.parent / path.name
        path.write_text(source, encoding="utf-8")
    return subprocess.run([sys.executable, str(path)], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def runs(request, tmp_path_factory):
    """Start every selected example at once, a few at a time; tests wait for their own."""
    wanted = [item.callspec.params["path"] for item in request.session.items
              if item.originalname == "test_example_runs_at_small_size"]
    root = tmp_path_factory.mktemp("examples")
    pool = ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1)))
    futures = {p: pool.submit(run_script, p, root / p.stem / "cwd") for p in wanted}
    yield {p: (f, root / p.stem / "cwd") for p, f in futures.items()}
    pool.shutdown(cancel_futures=True)


def test_there_are_examples():
    assert len(EXAMPLES) >= 10
    assert len(WITH_EXERCISES) >= 4


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_at_small_size(path, runs):
    future, cwd = runs[path]
    proc = future.result()
    assert proc.returncode == 0, f"{path.name} failed:\n{proc.stderr[-3000:]}"
    assert "size: small" in proc.stdout
    assert "Traceback" not in proc.stderr
    assert "[not yet]" not in proc.stdout  # the reference solutions pass their checks
    assert list(cwd.iterdir()) == [], f"{path.name} wrote files into the working directory"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_follows_the_gallery_conventions(path):
    source = path.read_text(encoding="utf-8")
    docstring = ast.get_docstring(ast.parse(source), clean=False)
    assert docstring, f"{path.name} has no module docstring"
    title, underline = docstring.strip("\n").splitlines()[:2]
    assert underline == "=" * len(title), f"{path.name}: the reST title is not underlined"
    assert "You will learn" in docstring, f"{path.name} does not say what the reader learns"
    assert source.count("# %%") >= 2, f"{path.name} has no # %% cells"
    for forbidden in ("argparse", "sys.argv", "__file__", "savefig", "os.chdir"):
        assert forbidden not in source, f"{path.name} uses {forbidden}"
    assert "KSPARSE_EXAMPLE_SIZE" in docstring or "example_size" in source


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_no_example_validates_on_the_test_split(path):
    # Training is watched (and settings chosen) on a validation split carved
    # from the training data; the test images are only for the final numbers.
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.keyword) and node.arg == "X_val":
            value = ast.unparse(node.value)
            assert "test" not in value.lower(), f"{path.name}: X_val={value}"


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=lambda p: p.name)
def test_student_version_holds_no_solution(path):
    source = path.read_text(encoding="utf-8")
    student = student_version(source)
    compile(student, path.name, "exec")
    assert "BEGIN SOLUTION" not in student and "END SOLUTION" not in student
    lines = source.splitlines()
    kept = set(student.splitlines())
    for begin, end in solution_regions(source):
        for line in lines[begin + 1:end]:
            if line.strip() and not line.strip().startswith("#"):
                assert line not in kept, f"{path.name}: solution line {line.strip()!r} remains"
    assert re.search(r"check_\w+\(", student), "the check cells must stay"


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=lambda p: p.name)
def test_every_stub_is_one_the_gallery_readme_describes(path):
    readme = (EXAMPLES_DIR / "README.rst").read_text(encoding="utf-8")
    described = {"raise NotImplementedError(": "``NotImplementedError``",
                 "answer = None": "``answer = None``"}
    source = path.read_text(encoding="utf-8")
    # The stubs are the student's lines that the script does not have.
    stubs = set(student_version(source).splitlines()) - set(source.splitlines())
    assert stubs, f"{path.name}: no stub"
    for stub in stubs:
        kind = next((k for k in described if stub.strip().startswith(k)), None)
        assert kind, f"{path.name}: the stub {stub.strip()!r} is neither kind the README describes"
        assert described[kind] in readme, f"examples/README.rst does not mention {kind!r}"


def _as_notebook(source):
    """``source`` as an nbformat-4 notebook: one code cell per ``# %%`` block, as the gallery cuts."""
    blocks = re.split(r"^(?=# %%)", source, flags=re.MULTILINE)
    cells = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
              "source": block.splitlines(keepends=True)} for block in blocks if block.strip()]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=lambda p: p.name)
def test_student_notebook_holds_no_solution_and_every_check_says_not_yet(path, tmp_path):
    source = path.read_text(encoding="utf-8")
    notebook = tmp_path / path.with_suffix(".ipynb").name
    notebook.write_text(_as_notebook(source), encoding="utf-8")
    student = write_student_version(notebook, tmp_path / f"student_{notebook.name}")
    cells = [c for c in json.loads(student.read_text(encoding="utf-8"))["cells"]]
    code = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert "SOLUTION" not in code
    lines = source.splitlines()
    kept = set(code.splitlines())
    for begin, end in solution_regions(source):
        for line in lines[begin + 1:end]:
            if line.strip() and not line.strip().startswith("#"):
                assert line not in kept, f"{path.name}: solution line {line.strip()!r} remains"
    proc = run_script(path, tmp_path / "cwd", source=code)  # the cells, top to bottom
    assert proc.returncode == 0, proc.stderr[-3000:]
    n_checks = len(re.findall(r"^print\(check_\w+\(", source, flags=re.MULTILINE))
    assert n_checks == len(solution_regions(source))  # one check per exercise
    assert proc.stdout.count("[not yet]") == n_checks
    assert "[correct]" not in proc.stdout


def test_the_gallery_lists_every_example_once_quick_start_first():
    order = runpy.run_path(str(EXAMPLES_DIR.parent / "docs" / "gallery_order.py"))
    reading = order["READING_ORDER"]
    assert reading[0] == "plot_quickstart.py"
    assert sorted(reading) == [p.name for p in EXAMPLES]  # each once, none missing
    key = order["ReadingOrder"](str(EXAMPLES_DIR))
    assert sorted((str(p) for p in EXAMPLES), key=key) == [str(EXAMPLES_DIR / n) for n in reading]
