"""Markdown reports that put our numbers next to the paper's (issue: reproduce the paper).

A report is a list of sections; a section is a title, a table of rows and
free text. Rows are plain dicts so that a run can be written, read back as
JSON and resumed without re-running anything.
"""
__all__ = ["Row", "format_table", "render_report", "write_report"]

import dataclasses
import os
import platform
import tempfile

from ..backend import get_backend


@dataclasses.dataclass
class Row:
    """One line of a results table.

    Attributes
    ----------
    name : str
        What was measured, e.g. ``"k-sparse AE, k = 25"``.
    ours : float or None
        Our test error in percent (None while not measured).
    paper : float or None
        The paper's number in percent (None where the paper has none).
    settings : str
        The settings that produced ``ours``.
    dead_units : int or None
    seconds : float or None
        Wall time of the row (training and evaluation).
    """

    name: str
    ours: float = None
    paper: float = None
    settings: str = ""
    dead_units: int = None
    seconds: float = None


def _cell(value, fmt):
    return "–" if value is None else format(value, fmt)


def format_table(rows):
    """A Markdown table of ``rows`` (Row objects or dicts with Row's fields)."""
    rows = [r if isinstance(r, Row) else Row(**r) for r in rows]
    lines = [
        "| model | ours (test error %) | paper (%) | difference | dead units | wall time | settings |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        # Rounded first, so that equal numbers do not show as "-0.00".
        diff = None if r.ours is None or r.paper is None else round(r.ours - r.paper, 2) + 0.0
        lines.append(
            f"| {r.name} | {_cell(r.ours, '.2f')} | {_cell(r.paper, '.2f')} | "
            f"{_cell(diff, '+.2f')} | {_cell(r.dead_units, 'd')} | "
            f"{_cell(None if r.seconds is None else r.seconds / 60, '.1f')}"
            f"{'' if r.seconds is None else ' min'} | {r.settings} |"
        )
    return "\n".join(lines)


def render_report(title, sections, command=None):
    """The whole report as Markdown.

    Parameters
    ----------
    title : str
    sections : list of dict
        Each with ``title``, optional ``rows`` (for :func:`format_table`),
        ``text`` and ``figures`` (paths relative to the report).
    command : str, optional
        The command that produced the report.
    """
    out = [f"# {title}", ""]
    if command:
        out += ["Command:", "", f"    {command}", ""]
    out += [f"Backend: {get_backend()}; Python {platform.python_version()} on "
            f"{platform.machine()} with {os.cpu_count()} CPU(s).", ""]
    for section in sections:
        out += [f"## {section['title']}", ""]
        if section.get("rows"):
            out += [format_table(section["rows"]), ""]
        if section.get("text"):
            out += [section["text"], ""]
        for figure in section.get("figures", ()):
            out += [f"![{os.path.basename(figure)}]({figure})", ""]
    return "\n".join(out)


def write_report(path, title, sections, command=None):
    """Write :func:`render_report`'s Markdown to ``path`` atomically."""
    text = render_report(title, sections, command)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return path
