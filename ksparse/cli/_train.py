"""``ksparse train``: fit a k-sparse autoencoder (paper §2.2, trained as in §4.2) from the shell.

Every hyper-parameter of :class:`ksparse.KSparseAutoencoder` is an option;
the model's own checks run on them before the data is loaded, so a bad
combination (say ``--k`` above ``--hidden``) fails at once.
"""
__all__ = ["add_parsers"]

import argparse
import os
import re
import sys

import numpy as np

from ..reproduce.table1 import ADAM, BASE, RECIPE
from ._common import (
    TrainingFailed,
    UserError,
    check_output,
    nonnegative_int,
    positive_float,
    positive_int,
    user_input,
)
from ._data import add_data_options, check_range, load_data

# Option of each hyper-parameter, so that the model's messages name what the user typed.
_OPTIONS = {"n_hidden": "--hidden", "k_start": "--k-start", "k": "--k", "alpha": "--alpha",
            "learning_rate": "--learning-rate", "lr_end": "--lr-end", "epochs": "--epochs",
            "batch_size": "--batch-size", "momentum": "--momentum", "init_std": "--init-std",
            "optimizer": "--optimizer", "dtype": "--dtype", "random_state": "--seed"}
_NAME = re.compile(r"\b(" + "|".join(sorted(_OPTIONS, key=len, reverse=True)) + r")\b")


# Named training recipes: the option values a recipe sets unless the user gives them.
# They are the recipes of the reproduction's Table 1 rows (ksparse.reproduce.table1),
# with k_start as a multiple of --k (the sparsity schedule of §4.2.1 starts at 4k).
_PAPER = dict(k_start=4, learning_rate=BASE["learning_rate"], lr_end=None,
              momentum=BASE["momentum"], optimizer="momentum", center=False, pre_bias=False)
RECIPES = {
    "paper": _PAPER,  # §4.2 as written: momentum SGD (Eq. 11) on raw inputs
    "centred": dict(_PAPER, **RECIPE),  # centred inputs, η falling to 0.001
    "adam": dict(_PAPER, **ADAM),  # centred inputs and Adam: the fewest dead units
}
DEFAULT_RECIPE = "adam"


def add_parsers(sub):
    p = sub.add_parser("train", help="fit a k-sparse autoencoder",
                       description="Fit a k-sparse autoencoder on a dataset or a .npy/.npz "
                       "file and save it as one .npz file (reload with ksparse.load).")
    add_data_options(p)
    _add_recipe_options(p)
    _add_model_options(p)
    p.add_argument("--out", default="model.npz", help="model file to write (default: %(default)s)")
    p.add_argument("--checkpoint", default=None, metavar="PATH",
                   help="save the training state here after every epoch and on Ctrl-C")
    p.add_argument("--resume", action="store_true",
                   help="continue from --checkpoint if it exists")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(run=run)


def _add_recipe_options(p):
    """--recipe and the options whose default is the recipe's."""
    h = p.add_argument_group("training recipe (see KSparseAutoencoder); an option given "
                             "here overrides the recipe's value")
    h.add_argument("--recipe", choices=tuple(RECIPES), default=DEFAULT_RECIPE,
                   help="paper: momentum SGD on raw inputs, k from 4k (§4.2); centred: the "
                   "same on centred inputs, η falling to 0.001; adam: centred inputs and "
                   "Adam, η 0.001 falling to 0.0001, k from 4k (default: %(default)s)")
    h.add_argument("--k-start", type=positive_int, default=None,
                   help="k falls linearly from this to --k over the first half of training "
                   "(recipe: 4k, at most --hidden)")
    h.add_argument("--learning-rate", type=positive_float, default=None,
                   help="step size (recipe)")
    h.add_argument("--lr-end", type=float, default=None,
                   help="learning rate falls linearly to this over the run (recipe)")
    h.add_argument("--momentum", type=float, default=None, help="momentum in [0, 1) (0.9)")
    h.add_argument("--optimizer", choices=("momentum", "adam"), default=None,
                   help="(recipe)")
    h.add_argument("--center", action=argparse.BooleanOptionalAction, default=None,
                   help="subtract the mean example first (recipe)")
    h.add_argument("--pre-bias", action=argparse.BooleanOptionalAction, default=None,
                   help="encode x - b' instead of x (recipe: no)")


def _add_model_options(p):
    """The hyper-parameters no recipe sets."""
    h = p.add_argument_group("model (see KSparseAutoencoder)")
    h.add_argument("--hidden", type=positive_int, default=1000, help="hidden units (default 1000)")
    h.add_argument("--k", type=positive_int, default=25, help="units kept per example (25)")
    h.add_argument("--alpha", type=float, default=1.0,
                   help="transform keeps round(alpha*k) units, alpha >= 1 (1.0)")
    h.add_argument("--epochs", type=positive_int, default=20, help="passes over the data (20)")
    h.add_argument("--batch-size", type=positive_int, default=128, help="minibatch size (128)")
    h.add_argument("--init-std", type=positive_float, default=0.01,
                   help="std of the initial weights (0.01)")
    h.add_argument("--untied", action="store_true", help="learn a separate encoder matrix")
    h.add_argument("--seed", type=nonnegative_int, default=None, help="random seed")
    h.add_argument("--dtype", choices=("float32", "float64"), default=None,
                   help="compute in this precision (default: follow the data)")


def recipe_values(args):
    """The recipe's hyper-parameters, each replaced by its option when the user gave it."""
    values = dict(RECIPES[args.recipe])
    values["k_start"] = min(values["k_start"] * args.k, args.hidden)
    if values["k_start"] <= args.k:  # no room for a schedule
        values["k_start"] = None
    for name in values:
        given = getattr(args, name)
        if given is not None:
            values[name] = given
    return values


def _model(args):
    from ..models.k_sparse import KSparseAutoencoder

    model = KSparseAutoencoder(
        n_hidden=args.hidden, k=args.k, alpha=args.alpha, tied=not args.untied,
        epochs=args.epochs, batch_size=args.batch_size, init_std=args.init_std,
        dtype=args.dtype, random_state=args.seed, verbose=not args.quiet,
        **recipe_values(args),
    )
    check_hyperparameters(model)
    return model


def check_hyperparameters(model):
    """Run the model's own hyper-parameter checks now, naming options in the message."""
    validate = getattr(model, "_validate_hyperparameters", None)
    if validate is None:  # a model without the check validates in fit
        return
    try:
        validate()
    except (ValueError, TypeError) as exc:
        raise UserError(_NAME.sub(lambda m: _OPTIONS[m.group(1)], str(exc))) from exc


def _check_paths(args):
    # A model file is one .npz archive; it must not replace the data it learns from.
    check_output(args.out, suffixes=(".npz",), inputs=(args.data,))
    if args.resume and args.checkpoint is None:
        raise UserError("--resume needs --checkpoint PATH to resume from.")
    if args.checkpoint is not None:
        check_output(args.checkpoint, "--checkpoint", inputs=(args.data,))
        if os.path.abspath(args.checkpoint) == os.path.abspath(args.out):
            raise UserError("--checkpoint and --out must be different files.")
        from ..training.checkpoint import check_checkpoint

        try:  # an existing file that is not a checkpoint is not overwritten
            check_checkpoint(args.checkpoint, 1, args.resume)
        except ValueError as exc:
            raise UserError(f"--{exc}") from exc


def dead_units_warning(dead, n_hidden, recipe):
    """One line naming the fix when more than a fifth of the hidden units ended dead (or None)."""
    if dead is None or dead * 5 <= n_hidden:
        return None
    if recipe == "adam":
        fix = "train longer (--epochs) or with fewer units (--hidden)"
    else:
        fix = ("train with --recipe adam (centred inputs, Adam, k falling from 4k as in "
               "§4.2.1), which keeps most of them alive")
    return (f"{dead} of {n_hidden} hidden units are dead (never among the k largest in the "
            f"last epoch); {fix}.")


def run(args):
    model = _model(args)
    _check_paths(args)
    X, _ = load_data(args).train
    if args.dtype is not None:  # float64 data finite, but not once cast to float32
        check_range(X, args.dtype, f"DATA {args.data}", "--dtype")
    resuming = args.resume and os.path.exists(args.checkpoint)
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # a divergence is said in one line
            model.fit(X, checkpoint=args.checkpoint, resume=args.resume)
    except ValueError as exc:
        # A checkpoint of another run or a damaged one is refused by fit with a
        # message naming the file; any other ValueError here is a bug.
        if not (resuming and str(exc).startswith(os.fspath(args.checkpoint))):
            raise
        raise UserError(f"--checkpoint {exc}") from exc
    except FloatingPointError as exc:  # NonFiniteLossError: the run diverged
        raise TrainingFailed(f"training diverged ({exc}); try a smaller --learning-rate.") \
            from exc
    with user_input(f"--out {args.out}"):
        model.save(args.out)
    last = model.history_[-1] if model.history_ else {}
    warning = dead_units_warning(last.get("dead_units"), args.hidden, args.recipe)
    if warning:
        print(f"ksparse: warning: {warning}", file=sys.stderr)
    print(f"model: {args.out}")
    if "loss" in last:
        dead = last.get("dead_units")
        epochs = len(model.history_)
        print(f"final loss {last['loss']:.6g} (squared error per example) after {epochs} "
              f"epoch{'s' * (epochs != 1)}" + ("" if dead is None else f", {dead} dead units"))
    return 0
