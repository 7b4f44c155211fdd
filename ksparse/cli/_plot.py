"""``ksparse plot``: pictures of a trained model written to an image file.

``filters`` is the grid of paper Figs. 1-3 (the columns of W, as images);
``histogram`` the activation histogram of Fig. 4; ``reconstructions``,
``scatter`` and ``mean-activation`` are the figures of
:mod:`ksparse.plotting.models`. Drawing uses matplotlib's Agg backend, so no
screen is needed.
"""
__all__ = ["add_parsers"]

import math

from ..io.atomic import save_figure
from ._common import UserError, check_output, positive_int
from ._data import add_model_inputs, check_features, load_data, load_labels, load_model
from ._encode import encode_csr
from ._evaluate import reconstruction_error

KINDS = ("filters", "histogram", "reconstructions", "scatter", "mean-activation")
_FORMATS = (".png", ".pdf", ".svg")


def add_parsers(sub):
    p = sub.add_parser("plot", help="filters, histogram, reconstructions, ... as an image",
                       description="Draw a figure of a trained model. 'filters' needs only "
                       "the model; the other kinds need DATA (a named dataset: its --split).")
    add_model_inputs(p, nargs="?")
    p.add_argument("--what", choices=KINDS, default="filters", help="figure to draw "
                   "(default: %(default)s)")
    p.add_argument("--split", choices=("train", "val", "test"), default=None,
                   help="split of a named dataset to draw from (default: test; train for "
                   "patches, which has only a train split)")
    p.add_argument("--shape", default=None, metavar="H,W[,C]",
                   help="image shape of one example, channels last, C = 1 (grey) or 3 "
                   "(colour) (default: from DATA, or square)")
    p.add_argument("--n", type=positive_int, default=None,
                   help="filters (default: all, at most 400) or reconstructions (default 10)")
    p.add_argument("--labels", default=None, metavar="FILE.npy",
                   help="labels of a DATA file, one per row of the whole file (--limit cuts "
                   "them too), to colour the scatter")
    p.add_argument("--out", default=None, help="image file, .png/.pdf/.svg (default: WHAT.png)")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(run=run)


def _parse_shape(text, n_features, known, data_name):
    """(height, width[, channels]) from ``--shape``, the data, or a square guess."""
    if known is not None and len(known) == 3 and known[0] == 1:
        known = tuple(known[1:])  # one channel first or last: the same grey image
    if text is not None:
        try:
            shape = tuple(int(v) for v in text.split(","))
        except ValueError:
            raise UserError(f"--shape must look like 28,28, got {text!r}.") from None
        if len(shape) not in (2, 3) or min(shape) < 1:
            raise UserError(f"--shape must be two or three positive integers, got {text!r}.")
    elif known is not None:
        shape = tuple(known)
    else:
        side = math.isqrt(n_features)
        if side * side != n_features:
            raise UserError(f"{n_features} features are not a square image; give --shape H,W.")
        shape = (side, side)
    if known is not None and _channels_first(known) and shape in (known, known[1:] + known[:1]):
        raise UserError(f"DATA {data_name} holds examples of shape {known}, which look channels "
                        "first; plot needs channels last (H, W, C) and --shape cannot reorder "
                        "the values: save np.moveaxis(X, 1, -1) and plot that file.")
    source = "--shape" if text is not None else f"DATA {data_name}: the image shape"
    if not _drawable(shape):  # two or three positive sizes by now: the channels (last) are wrong
        raise UserError(f"{source} {shape} has {shape[-1]} channels (last); plot draws 1 (grey) "
                        "or 3 (colour) channels: for RGBA, drop the alpha channel first "
                        "(X[..., :3]).")
    if math.prod(shape) != n_features:
        raise UserError(f"{source} {shape} holds {math.prod(shape)} values, but an example "
                        f"has {n_features} features.")
    return shape


def _channels_first(shape):
    """Looks like (channels, height, width): 3 or 4 first, and a last axis plot cannot draw."""
    return len(shape) == 3 and shape[0] in (3, 4) and not _drawable(shape)


def _drawable(shape):
    """Whether the plots draw an image of ``shape``: their own rule (grey, or 3 channels last)."""
    from ..plotting.filters import _image_shape

    try:
        _image_shape(shape)
    except ValueError:
        return False
    return True


def _inputs(args):
    model = load_model(args.model)
    if args.data is None:
        if args.what != "filters":
            raise UserError(f"--what {args.what} needs DATA (a dataset name or a file).")
        return model, None, None, None
    data = load_data(args)
    X, y = data.split(args.split)
    check_features(model, X, args.model, data.name)
    if args.what != "filters":  # the others draw codes: refused here when not finite
        drawn = X[: args.n or 10] if args.what == "reconstructions" else X  # the rows it draws
        encode_csr(model, drawn, args.quiet, "checking codes")
        # finite codes, huge weights: evaluate's error of the drawn rows is inf (no warning)
        if args.what == "reconstructions" and not math.isfinite(
                reconstruction_error(model, drawn, quiet=True)):
            raise UserError("MODEL gives reconstructions that are not finite (NaN or infinity) "
                            "of DATA: its weights are too large for its dtype on this data.")
    if args.what == "scatter" and model.n_hidden < 2:
        raise UserError(f"--what scatter needs a model of at least 2 hidden units; "
                        f"{args.model} has {model.n_hidden}.")
    if args.labels is not None:
        if data.is_dataset:
            raise UserError("--labels is for DATA files; a named dataset has its own labels.")
        y = load_labels(args.labels, data.n_rows, args.limit)
    return model, X, y, data.shape


def _figure(args, model, X, y, shape):
    from ..plotting.filters import plot_activation_histograms, plot_filters
    from ..plotting.models import (
        plot_code_scatter,
        plot_mean_activation,
        plot_model_reconstructions,
    )

    name = type(model).__name__
    if args.what == "filters":
        n = min(args.n or 400, model.n_hidden)
        return plot_filters(model.components_[:n], shape, title=f"{name}: first {n} filters")
    if args.what == "reconstructions":
        return plot_model_reconstructions(model, X, shape, n=args.n or 10)
    if args.what == "scatter":
        return plot_code_scatter(model, X, y)
    if args.what == "mean-activation":
        return plot_mean_activation(model, X)
    return plot_activation_histograms({f"{name}, k = {model.k}": model.transform(X)})


def run(args):
    out = f"{args.what}.png" if args.out is None else args.out
    check_output(out, suffixes=_FORMATS)
    model, X, y, known = _inputs(args)
    shape = None
    if args.what in ("filters", "reconstructions"):
        shape = _parse_shape(args.shape, int(model.n_features_in_), known, args.data)
    fig = _figure(args, model, X, y, shape)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)  # draw with Agg whatever pyplot's backend is; no screen needed
    save_figure(fig, out, dpi=120)
    print(f"{args.what}: {out}")
    return 0
