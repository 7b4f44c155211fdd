"""``ksparse reproduce``: the paper's tables and figures next to ours, in one command.

Each target computes its rows or figures through a :class:`Context` that
caches trained models and finished rows under the output folder, then
:func:`run` writes ``report.md`` there with every section done so far,
with the machine context (BLAS, threads, NumPy, backend) the times depend on.
"""
__all__ = ["TARGETS", "run"]

import os
import shlex
import time

from ..io.atomic import new_folder
from .context import Context, check_seeds
from .machine import check_threads, machine_context, thread_limit
from .report import write_report

#: What ``ksparse reproduce`` can make, besides ``all``.
TARGETS = ("table1", "table3", "fig1", "fig3", "fig4")


def _runner(target):
    # Imported on demand: each target pulls in only what it needs.
    if target == "table1":
        from .table1 import run_table1 as runner
    elif target == "table3":
        from .table3 import run_table3 as runner
    elif target == "fig1":
        from .figures import run_fig1 as runner
    elif target == "fig3":
        from .figures import run_fig3 as runner
    else:
        from .figures import run_fig4 as runner
    return runner


def run(targets, out="ksparse-reproduce", data_dir=None, quick=False, verbose=True,
        command=None, seeds=1, threads=None):
    """Run ``targets`` (names from :data:`TARGETS`, or ``"all"``) and write the report.

    Parameters
    ----------
    targets : str or sequence of str
        One name, e.g. ``"table1"``, or several, e.g. ``["table1", "fig3"]``.
    out : str
        Output folder: ``report.md``, figures, ``models/``, ``results.json``.
    data_dir : str, optional
        Folder holding the datasets (see :mod:`ksparse.datasets`).
    quick : bool
        Small settings that run in minutes on a laptop. Rows that ``out``
        holds from the other mode are neither shown nor lost (see
        :mod:`ksparse.reproduce.context`).
    verbose : bool
    command : str, optional
        Shown at the top of the report.
    seeds : int, default=1
        Train and score every autoencoder row for seeds 0 … seeds−1 and
        report mean ± sd, min and max (figures use seed 0).
    threads : int, optional
        BLAS and OpenMP threads for the run (needs threadpoolctl); default:
        as the libraries start (see the ``*_NUM_THREADS`` variables).

    Returns
    -------
    report : str
        Path of the written report.
    """
    targets = _target_list(targets)
    if "all" in targets:
        targets = TARGETS
    unknown = [t for t in targets if t not in TARGETS]
    if unknown:
        raise ValueError(f"unknown target(s) {unknown}; choose from {TARGETS} or 'all'.")
    check_seeds(seeds)
    check_threads(threads)
    # A run that fails before any result (a damaged dataset, Ctrl-C) leaves no folder of its own.
    with thread_limit(threads), new_folder(out):
        ctx = Context(out, data_dir=data_dir, quick=quick, verbose=verbose, seeds=seeds)
        command = command or " ".join(["ksparse reproduce", *map(shlex.quote, targets)])
        try:
            _run_targets(ctx, targets, command)
        except BaseException:
            ctx.discard_if_unused()
            raise
    return os.path.join(out, "report.md")


def _target_list(targets):
    """``targets`` as a list: a single name is one target, not a sequence of letters."""
    if isinstance(targets, str):
        return [targets]
    try:
        return list(targets)
    except TypeError:
        raise TypeError(f"targets must be a target name or a sequence of names, got "
                        f"{targets!r:.80}.") from None


def _run_targets(ctx, targets, command):
    title = "Reproducing k-sparse autoencoders (Makhzani & Frey, 2013)"
    title += " — quick settings" if ctx.quick else ""
    runners = [_runner(target) for target in targets]
    # Noted before the work (so an interrupted run has it too), once the
    # targets' imports have loaded every BLAS library the run will use.
    machines = ctx.note_machine(machine_context())
    sections = []
    for runner in runners:
        start = time.perf_counter()
        section = runner(ctx)
        section["text"] = (section.get("text", "") +
                           f"\n\nWall time of this run: {time.perf_counter() - start:.0f} s.")
        sections.append(section)
        write_report(ctx.path("report.md"), title, sections, command, machines)
