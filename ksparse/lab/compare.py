"""Train several models on the same ground truth and set their reports side by side.

:func:`compare` fits every (unfitted) model on the training rows of one
:class:`~ksparse.lab.truth.GroundTruth`, times the fit, and evaluates it on
the held-out rows (:func:`ksparse.lab.report.evaluate`). The result prints
as a table — which model recovers the true features, which only
reconstructs well — and draws as a figure (:meth:`Comparison.plot`).
"""
__all__ = ["Comparison", "compare", "TABLE_COLUMNS"]

import dataclasses
import time

from ..validation import check_real
from .report import evaluate

#: The columns of the printed table: (report measure, heading, format).
TABLE_COLUMNS = (
    ("features_recovered", "recovered", "{:.1%}"),
    ("mcc", "MCC", "{:.4f}"),
    ("fvu", "FVU", "{:.4f}"),
    ("l0", "L0", "{:.1f}"),
    ("dead_fraction", "dead", "{:.1%}"),
    ("seconds", "seconds", "{:.2f}"),
)


@dataclasses.dataclass
class Comparison:
    """The reports of several models on one ground truth.

    Attributes
    ----------
    names : list of str
    reports : list of LabReport
        In the order of ``names``.
    seconds : list of float
        Wall time of each fit.
    models : list
        The fitted models.
    """

    names: list
    reports: list
    seconds: list
    models: list

    def rows(self):
        """One dict per model: its name, the measures of its report and ``seconds``."""
        return [dict(model=name, **report.as_dict(), seconds=seconds)
                for name, report, seconds in zip(self.names, self.reports, self.seconds)]

    def format(self):
        """The table as text: model, recovered, MCC, FVU, L0, dead, seconds."""
        headings = ["model"] + [heading for _, heading, _ in TABLE_COLUMNS]
        cells = [[row["model"]] + [fmt.format(row[key]) for key, _, fmt in TABLE_COLUMNS]
                 for row in self.rows()]
        widths = [max(len(line[i]) for line in [headings] + cells) for i in range(len(headings))]
        lines = [headings, ["-" * w for w in widths]] + cells
        return "\n".join("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                                   for i, (cell, w) in enumerate(zip(line, widths)))
                         for line in lines)

    def __str__(self):
        return self.format()

    def plot(self, fig=None):
        """The figure of :func:`ksparse.lab.plot.plot_comparison` (drawn into ``fig`` if given)."""
        from .plot import plot_comparison

        return plot_comparison(self, fig=fig)


def compare(models, truth, *, holdout=0.2, threshold=0.99):
    """Fit every model on the same synthetic data and report each against the truth.

    Parameters
    ----------
    models : dict of {name: estimator}, or list of estimators
        Unfitted models with ``fit``, ``transform`` and ``reconstruct`` (or
        ``inverse_transform``); a list is named by class (numbered when a
        class repeats).
    truth : GroundTruth
        The data and its features, e.g. from
        :func:`~ksparse.lab.data.make_sparse_data`.
    holdout : float in [0, 1), default 0.2
        Share of the rows (the last ones) kept out of training and used for
        the reports; 0 evaluates on the training rows.
    threshold : float in (0, 1], default 0.99
        ``|cos|`` at which a true atom counts as recovered.

    Returns
    -------
    comparison : Comparison
        ``print(comparison)`` shows the table; ``comparison.plot()`` draws it.
    """
    named = _named(models)
    threshold = check_real(threshold, "threshold", low=0.0, high=1.0, low_open=True)  # before any fit
    train, held_out = truth.split(holdout)
    reports, seconds = [], []
    for model in named.values():
        start = time.perf_counter()
        model.fit(train.X)
        seconds.append(time.perf_counter() - start)
        reports.append(evaluate(model, held_out, threshold=threshold))
    return Comparison(list(named), reports, seconds, list(named.values()))


def _named(models):
    """``{name: model}`` from a dict, or from a list named by class."""
    if isinstance(models, dict):
        named = dict(models)
    else:
        named, counts = {}, {}
        for model in models:
            name = type(model).__name__
            counts[name] = counts.get(name, 0) + 1
            named[name if counts[name] == 1 else f"{name}-{counts[name]}"] = model
    if not named:
        raise ValueError("compare needs at least one model.")
    return named
