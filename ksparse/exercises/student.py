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
"""
import re
from pathlib import Path

from ..io.atomic import write_atomically

__all__ = ["BEGIN", "END", "STUB", "solution_regions", "student_version", "write_student_version"]

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
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


def write_student_version(src, dst):
    """Write the student version of the script ``src`` to ``dst`` (atomically).

    Parameters
    ----------
    src, dst : str or os.PathLike
        ``dst`` may not be ``src``.

    Returns
    -------
    dst : pathlib.Path
    """
    src, dst = Path(src), Path(dst)
    if dst.resolve() == src.resolve():
        raise ValueError(f"dst must differ from src ({src}); the solutions would be lost.")
    text = student_version(src.read_text(encoding="utf-8"))
    return write_atomically(dst, lambda fh: fh.write(text.encode("utf-8")))
