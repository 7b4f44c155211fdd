"""Markdown reports that put our numbers next to the paper's (issue: reproduce the paper).

A report is a list of sections; a section is a title, a table of rows and
free text. Rows are plain dicts so that a run can be written, read back as
JSON and resumed without re-running anything.
"""
__all__ = ["Row", "format_table", "render_report", "write_report"]

import dataclasses
import os

from ..io.atomic import write_atomically
from .machine import format_machine, machine_context


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
    dead_units : int, float or None
        A float for the mean over seeds.
    seconds : float or None
        Wall time of the row (training and evaluation; all seeds together; a
        training resumed after an interruption counts every session's time).
    sd, low, high : float or None
        Over seeds: sample standard deviation (ddof = 1), lowest and highest
        test error; ``ours`` is then their mean.
    n_seeds : int or None
        Number of seeds summarised (None: a single run).
    """

    name: str
    ours: float = None
    paper: float = None
    settings: str = ""
    dead_units: int = None
    seconds: float = None
    sd: float = None
    low: float = None
    high: float = None
    n_seeds: int = None


def _cell(value, fmt):
    return "–" if value is None else format(value, fmt)


def _ours(r):
    """Our test error; over seeds "mean ± sd (min–max, n seeds)"."""
    if not r.n_seeds:
        return _cell(r.ours, ".2f")
    return (f"{r.ours:.2f} ± {_cell(r.sd, '.2f')} ({r.low:.2f}–{r.high:.2f}, "
            f"{r.n_seeds} seeds)")


def format_table(rows):
    """A Markdown table of ``rows`` (Row objects or dicts with Row's fields)."""
    rows = [r if isinstance(r, Row) else Row(**r) for r in rows]
    ours = "ours (test error %)"
    if any(r.n_seeds for r in rows):
        ours = "ours (test error %: mean ± sd (min–max, seeds))"
    lines = [
        f"| model | {ours} | paper (%) | difference | dead units | wall time | settings |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        # Rounded first, so that equal numbers do not show as "-0.00".
        diff = None if r.ours is None or r.paper is None else round(r.ours - r.paper, 2) + 0.0
        dead = ".0f" if isinstance(r.dead_units, float) else "d"  # a mean over seeds
        lines.append(
            f"| {r.name} | {_ours(r)} | {_cell(r.paper, '.2f')} | "
            f"{_cell(diff, '+.2f')} | {_cell(r.dead_units, dead)} | "
            f"{_cell(None if r.seconds is None else r.seconds / 60, '.1f')}"
            f"{'' if r.seconds is None else ' min'} | {r.settings} |"
        )
    return "\n".join(lines)


def render_report(title, sections, command=None, machines=None):
    """The whole report as Markdown.

    Parameters
    ----------
    title : str
    sections : list of dict
        Each with ``title``, optional ``rows`` (for :func:`format_table`),
        ``text`` and ``figures`` (paths relative to the report).
    command : str, optional
        The command that produced the report.
    machines : list of dict, optional
        Machine contexts (:func:`~.machine.machine_context`) of the runs
        whose rows are shown, the latest last; default: this process's.
    """
    out = [f"# {title}", ""]
    if command:
        out += ["Command:", "", f"    {command}", ""]
    machines = machines or [machine_context()]
    out += [format_machine(machines[-1]), ""]
    if len(machines) > 1:
        out += ["Rows read back from earlier runs in this folder were computed under:", ""]
        out += [f"- {format_machine(m)}" for m in machines[:-1]] + [""]
    for section in sections:
        out += [f"## {section['title']}", ""]
        if section.get("rows"):
            out += [format_table(section["rows"]), ""]
        if section.get("text"):
            out += [section["text"], ""]
        for figure in section.get("figures", ()):
            out += [f"![{os.path.basename(figure)}]({figure})", ""]
    return "\n".join(out)


def write_report(path, title, sections, command=None, machines=None):
    """Write :func:`render_report`'s Markdown to ``path`` atomically."""
    text = render_report(title, sections, command, machines)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    return write_atomically(path, lambda fh: fh.write(text.encode("utf-8")))
