"""``ksparse lab``: train several models on data with known features and compare what they recover.

Draws data from a random dictionary (:func:`ksparse.lab.make_sparse_data`),
trains the chosen presets (:mod:`ksparse.lab.presets`) on the same rows, and
prints one row per model: the share of true atoms recovered to |cos| >=
0.99, the MCC of the Hungarian matching, FVU, L0, dead latents and the
training time (:func:`ksparse.lab.compare`); ``--out`` also draws the
figure. The default run takes a few seconds.
"""
__all__ = ["add_parsers"]

import argparse
import json
import math

from ..io.atomic import save_figure
from ._common import (
    TrainingFailed,
    UserError,
    check_output,
    fraction,
    nonnegative_int,
    positive_float,
    positive_int,
)


def _presets(text):
    """argparse type: a comma-separated list of preset names."""
    from ..lab.presets import PRESETS

    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in PRESETS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"expected names from {', '.join(PRESETS)}, got {text!r}")
    return names


def _nonnegative_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}") from None
    if not 0 <= value < math.inf:
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text!r}")
    return value


def add_parsers(sub):
    p = sub.add_parser("lab", help="which model recovers the true features of synthetic data",
                       description="Draw data x = D c + noise from a random dictionary D of "
                       "unit-norm atoms and sparse codes c (coefficients in [0.5, 1.5]), "
                       "train each model on the same rows, and report how many true atoms "
                       "each recovers (|cos| >= 0.99), the MCC of the Hungarian matching, "
                       "FVU, L0, dead latents and the training time on held-out rows.")
    d = p.add_argument_group("data")
    d.add_argument("--atoms", type=positive_int, default=128, help="true atoms (default 128)")
    d.add_argument("--dims", type=positive_int, default=64, help="dimension of a row (64)")
    d.add_argument("--active", type=positive_int, default=5,
                   help="active atoms per row, and the models' k (default 5)")
    d.add_argument("--rows", type=positive_int, default=20000, help="rows drawn (20000)")
    d.add_argument("--noise", type=_nonnegative_float, default=0.01,
                   help="standard deviation of the noise (default 0.01)")
    d.add_argument("--coherence", type=fraction, default=None, metavar="MU",
                   help="push the dictionary's mutual coherence to MU (default: as drawn)")
    d.add_argument("--seed", type=nonnegative_int, default=0, help="random seed (default 0)")
    _add_model_options(p)
    p.add_argument("--out", default=None, metavar="FIG.png", help="also draw the comparison")
    p.add_argument("--json", action="store_true", help="print the table as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bars while training")
    p.set_defaults(run=run_lab)


def _add_model_options(p):
    from ..lab.presets import DEFAULT

    m = p.add_argument_group("models")
    m.add_argument("--models", type=_presets, default=list(DEFAULT), metavar="NAMES",
                   help="comma-separated presets: ksparse (the k-sparse model, Adam), topk "
                   "(the TopK recipe), batch-topk, matryoshka (TopK with nested prefixes), "
                   "multi-topk (TopK with the 4k loss), each also as NAME-schedule (k from "
                   "4k as in §4.2.1), and jumprelu (jumprelu-schedule: its L0 penalty warming "
                   f"up from 0) (default: {','.join(DEFAULT)})")
    m.add_argument("--latents", type=positive_int, default=None,
                   help="hidden units of every model (default: --atoms)")
    m.add_argument("--epochs", type=positive_int, default=10, help="passes (default 10)")
    m.add_argument("--learning-rate", type=positive_float, default=0.003,
                   help="Adam's step size for every model (default 0.003)")
    m.add_argument("--holdout", type=fraction, default=0.2,
                   help="share of rows kept for the report (default 0.2)")


def _check(args):
    latents = args.atoms if args.latents is None else args.latents
    if args.atoms < 2:
        raise UserError(f"--atoms must be at least 2, got {args.atoms}.")
    if args.active > args.atoms:
        raise UserError(f"--active {args.active} exceeds --atoms {args.atoms}.")
    if args.active > latents:
        raise UserError(f"--active {args.active} exceeds --latents {latents}.")
    from ..lab.truth import held_out_rows

    try:
        n_eval = held_out_rows(args.rows, args.holdout)
    except ValueError:
        n_eval = 0
    if n_eval < 2:
        raise UserError(f"--rows {args.rows} is too few for --holdout {args.holdout} "
                        "(at least 2 rows to train on and 2 held out).")
    if args.out is not None:
        check_output(args.out, suffixes=(".png", ".pdf", ".svg"))
    return latents


def run_lab(args):
    import numpy as np

    from ..lab import compare, make_model, make_sparse_data, welch_bound

    latents = _check(args)
    if args.coherence is not None and args.coherence < welch_bound(args.dims, args.atoms):
        raise UserError(f"--coherence {args.coherence} is below the Welch bound "
                        f"{welch_bound(args.dims, args.atoms):.4f} of --atoms {args.atoms} "
                        f"in --dims {args.dims}.")
    try:
        truth = make_sparse_data(args.rows, args.dims, args.atoms, active=args.active,
                                 noise=args.noise, coherence=args.coherence,
                                 random_state=args.seed)
    except ValueError as exc:  # a huge noise, or a coherence the decorrelation did not reach
        if str(exc).startswith("noise"):
            raise UserError(f"--noise: {exc}") from exc
        if args.coherence is None or not str(exc).startswith("could not bring the coherence"):
            raise  # not --coherence's (sizes beyond any array: main says so in one line)
        # The library's advice on max_iter names no option of the command line.
        raise UserError(f"--coherence: {str(exc).split(';')[0]}; ask for a larger one.") from exc
    models = {name: make_model(name, n_latents=latents, k=args.active, epochs=args.epochs,
                               learning_rate=args.learning_rate, random_state=args.seed,
                               verbose=not args.quiet)
              for name in args.models}
    try:
        # NumPy's overflow warnings would come before the one line said below.
        with np.errstate(over="ignore", invalid="ignore"):
            result = compare(models, truth, holdout=args.holdout)
    except FloatingPointError as exc:  # NonFiniteLossError: a model's training diverged
        raise TrainingFailed(f"training diverged ({exc}); try a smaller --learning-rate.") \
            from exc
    _print(args, truth, result)
    if args.out is not None:
        fig = result.plot()
        save_figure(fig, args.out, dpi=120)
    return 0


def _print(args, truth, result):
    if args.json:
        rows = [{k: None if isinstance(v, float) and not math.isfinite(v) else v
                 for k, v in row.items()} for row in result.rows()]  # JSON has no NaN, no inf
        print(json.dumps({"data": truth.info, "rows": rows, "figure": args.out}, indent=1))
        return
    print(f"data: {args.rows} rows of {args.dims} dims from {args.atoms} unit-norm atoms, "
          f"{args.active} active per row, noise {args.noise:g}, seed {args.seed}; "
          f"reports on the last {args.holdout:.0%}")
    print(result.format())
    if args.out is not None:
        print(f"figure: {args.out}")
