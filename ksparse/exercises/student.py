"""The student version of an example: its solutions cut out, stubs left in their place.

An exercise in an example script holds its reference solution between two
marker comments::

    def my_topk_mask(z, k):
        # BEGIN SOLUTION
        order = np.argsort(-z, axis=1)[:, :k]
        ...
        # END SOLUTION

:func:`student_version` replaces every such region by a stub: the region's
own ``# STUB: <code>`` lines, uncommented (e.g. ``# STUB: answer = None``),
or else ``raise NotImplementedError(...)`` at the marker's indentation. The
rest of the script is kept as it is, so the student's notebook has the same
prose, the same check cells, and runs to the end printing "not yet".

:func:`write_student_version` does the same to a file: an example script
(``.py``) or a notebook made from one (``.ipynb``, each code cell cut the
same way and its outputs cleared, since they could show a solution's result).
"""
import json
import re
from pathlib import Path

from ..io.atomic import write_atomically

__all__ = ["BEGIN", "END", "STUB", "solution_regions", "student_version", "write_student_version"]

#: The comment that opens a solution region.
BEGIN = "# BEGIN SOLUTION"
#: The comment that closes a solution region.
END = "# END SOLUTION"
#: Prefix of a line inside a region that becomes the student's stub, uncommented.
STUB = "# STUB:"

_BEGIN = re.compile(r"^(\s*)# BEGIN SOLUTION\b")
_END = re.compile(r"^(\s*)# END SOLUTION\b")
_STUB = re.compile(r"^(\s*)# STUB:(.*)$")
_DEFAULT_STUB = 'raise NotImplementedError("Exercise: write your solution here.")'


def solution_regions(source):
    """Line ranges of the solution regions of ``source``.

    Returns
    -------
    regions : list of (int, int)
        0-based (begin, end) line indices of each marker pair.

    Raises
    ------
    ValueError
        On a nested, unclosed or unopened region (with its line number).
    """
    regions, start = [], None
    for i, line in enumerate(source.splitlines()):
        if _BEGIN.match(line):
            if start is not None:
                raise ValueError(f"line {i + 1}: {BEGIN} inside the region opened on line "
                                 f"{start + 1}; regions do not nest.")
            start = i
        elif _END.match(line):
            if start is None:
                raise ValueError(f"line {i + 1}: {END} without a {BEGIN} before it.")
            regions.append((start, i))
            start = None
    if start is not None:
        raise ValueError(f"line {start + 1}: {BEGIN} is never closed by {END}.")
    return regions


def _stub(lines, begin, end):
    """The replacement of lines[begin..end], both markers included."""
    stubs = [m for m in (_STUB.match(line) for line in lines[begin + 1:end]) if m]
    if stubs:
        return [m.group(1) + m.group(2).strip() for m in stubs]
    return [_BEGIN.match(lines[begin]).group(1) + _DEFAULT_STUB]


def student_version(source):
    """``source`` with every solution region replaced by its stub.

    Parameters
    ----------
    source : str
        Text of an example script.

    Returns
    -------
    student_source : str
        No marker and no line of any solution region remains.
    """
    if not isinstance(source, str):
        raise TypeError(f"source must be a str, got {type(source).__name__}.")
    lines = source.splitlines()
    out, previous = [], 0
    for begin, end in solution_regions(source):
        out += lines[previous:begin] + _stub(lines, begin, end)
        previous = end + 1
    out += lines[previous:]
    return "\n".join(out) + ("\n" if source.endswith("\n") else "")


def _student_notebook(text, src):
    """The student version of the notebook JSON ``text``: code cells cut, outputs cleared."""
    try:
        notebook = json.loads(text)
        cells = notebook["cells"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"src ({src}) is not a Jupyter notebook: {exc}") from None
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        joined = "".join(source) if isinstance(source, list) else source
        student = student_version(joined)
        # nbformat keeps a cell's source as a list of lines, each with its newline.
        cell["source"] = student.splitlines(keepends=True) if isinstance(source, list) else student
        cell["outputs"] = []
        cell["execution_count"] = None
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def _count_regions(text, suffix):
    """How many solution regions ``text`` (a script, or a notebook's JSON) holds."""
    if suffix == ".py":
        return len(solution_regions(text))
    cells = json.loads(text).get("cells", [])
    sources = ("".join(c.get("source", "")) for c in cells if c.get("cell_type") == "code")
    return sum(len(solution_regions(source)) for source in sources)


def write_student_version(src, dst):
    """Write the student version of the example ``src`` to ``dst`` (atomically).

    Parameters
    ----------
    src : str or os.PathLike
        An example script (``.py``) or its notebook (``.ipynb``) holding at
        least one solution region.
    dst : str or os.PathLike
        Where to write; it must end like ``src`` (``.py`` or ``.ipynb``) and
        may not be ``src``. It is readable by others, as files the user
        writes usually are (mode 0644 under the usual umask 022).

    Returns
    -------
    dst : pathlib.Path

    Raises
    ------
    ValueError
        ``src`` is neither ``.py`` nor ``.ipynb``, holds no exercise, or is
        ``dst``; ``dst`` ends differently.
    """
    src, dst = Path(src), Path(dst)
    suffix = src.suffix.lower()
    if suffix not in (".py", ".ipynb"):
        raise ValueError(f"src must be an example script (.py) or notebook (.ipynb), got {src}.")
    if dst.suffix.lower() != suffix:
        raise ValueError(f"dst must end in {suffix} like src, got {dst}.")
    if dst.resolve() == src.resolve():
        raise ValueError(f"dst must differ from src ({src}); the solutions would be lost.")
    text = src.read_text(encoding="utf-8")
    if suffix == ".ipynb":
        student = _student_notebook(text, src)
    else:
        student = student_version(text)
    if not _count_regions(text, suffix):
        raise ValueError(f"src ({src}) holds no exercise: no {BEGIN} / {END} region to cut, "
                         "so its student version would be the same file.")
    return write_atomically(dst, lambda fh: fh.write(student.encode("utf-8")))
