"""``ksparse evaluate``: how good a trained model is on some data (paper §4.2, §4.4).

Three measures: the reconstruction error (mean over examples of
‖x − x̂‖², the training loss of :class:`ksparse.KSparseAutoencoder`), the
dead units (hidden units never among the k largest of any example), and,
when labels are known, the test error of a softmax regression trained on
the α·k-sparse codes with the features held fixed (§4.4).
"""
__all__ = ["add_parsers"]

import json
import math

import numpy as np

from ..nn.supp_k import n_kept
from ._common import UserError, chunks, fraction, nonnegative_int, positive_float
from ._data import add_model_inputs, check_features, load_data, load_labels, load_model
from ._encode import encode_csr, set_alpha


def add_parsers(sub):
    p = sub.add_parser("evaluate", help="reconstruction error, dead units, test error",
                       description="Evaluate a trained model: reconstruction error and dead "
                       "units on the data (the test split of a named dataset), and the test "
                       "error of a softmax regression on the codes when labels are known.")
    add_model_inputs(p)
    p.add_argument("--labels", default=None, metavar="FILE.npy",
                   help="labels of a DATA file (1-D, one per row of the whole file; --limit "
                   "cuts them too) for the test error")
    p.add_argument("--test-fraction", type=fraction, default=0.2,
                   help="share of a labelled DATA file held out for testing (default 0.2)")
    p.add_argument("--alpha", type=float, default=None,
                   help="codes keep round(alpha*k) units (default: the model's alpha)")
    p.add_argument("--l2", type=positive_float, default=1e-4,
                   help="L2 penalty of the softmax regression (default 1e-4)")
    p.add_argument("--seed", type=nonnegative_int, default=0,
                   help="seed of the train/test split of a DATA file (default 0); the photo "
                   "patches of DATA=patches have their own, --patch-seed")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(run=run)


def _inputs(args):
    """(model, evaluation X, labelled (train, test) pair or None), all checked."""
    model = set_alpha(load_model(args.model), args.alpha)
    data = load_data(args)
    if data.is_dataset:
        if args.labels is not None:
            raise UserError("--labels is for DATA files; a named dataset has its own labels.")
        X = (data.test or data.train)[0]
        check_features(model, X, args.model, data.name)
        has_labels = data.test is not None and data.test[1] is not None
        return model, data, X, _two_classes((data.train, data.test)) if has_labels else None
    X = data.train[0]
    check_features(model, X, args.model, data.name)
    if args.labels is None:
        return model, data, X, None
    labelled = _split(X, load_labels(args.labels, data.n_rows, args.limit), args)
    return model, data, X, _two_classes(labelled, f"--labels {args.labels}")


def _split(X, y, args):
    """A seeded random (train, test) split of a labelled file."""
    n_test = int(round(args.test_fraction * X.shape[0]))
    if n_test < 1 or n_test >= X.shape[0]:
        raise UserError(f"--test-fraction {args.test_fraction} of {X.shape[0]} examples leaves "
                        "an empty train or test set.")
    order = np.random.default_rng(args.seed).permutation(X.shape[0])  # (n_samples,)
    test, train = order[:n_test], order[n_test:]
    return (X[train], y[train]), (X[test], y[test])


def _two_classes(labelled, what="the labels"):
    """Refuse a training part with fewer than two classes (nothing to classify)."""
    if np.unique(labelled[0][1]).size < 2:
        raise UserError(f"{what}: the training examples hold a single class.")
    return labelled


def reconstruction_error(model, X, quiet):
    """Mean over examples of ‖x − x̂‖², summed over chunks in float64."""
    from ..backend import to_numpy

    total = 0.0
    for rows in chunks(X.shape[0], quiet, "reconstructing"):
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported as inf
            X_hat = to_numpy(model.reconstruct(X[rows])).astype(np.float64)  # (chunk, n_features)
        diff = X_hat - X[rows]  # (chunk, n_features)
        total += float(np.einsum("ij,ij->", diff, diff))
    return total / X.shape[0]


def dead_units(model, X, quiet):
    """Hidden units that are never among the k largest (α = 1) of any row of X."""
    alpha = model.alpha
    model.set_params(alpha=1.0)
    try:
        used = np.asarray(encode_csr(model, X, quiet, "counting units").getnnz(axis=0) > 0)
    finally:
        model.set_params(alpha=alpha)
    return int(used.size - used.sum()), int(used.size)


def softmax_test_error(model, labelled, l2, quiet):
    """Error of a softmax regression trained on the codes of ``train``, on ``test``."""
    from ..classify.softmax import SoftmaxRegression

    (X_train, y_train), (X_test, y_test) = labelled
    clf = SoftmaxRegression(l2=l2, verbose=not quiet)
    clf.fit(encode_csr(model, X_train, quiet, "encoding train"), y_train)
    accuracy = clf.score(encode_csr(model, X_test, quiet, "encoding test"), y_test)
    return 1.0 - accuracy, X_train.shape[0], X_test.shape[0]


def run(args):
    model, data, X, labelled = _inputs(args)
    result = {"model": args.model, "data": data.name, "n_examples": int(X.shape[0]),
              "n_hidden": int(model.n_hidden), "k": int(model.k),
              "n_active": n_kept(model.k, model.alpha)}
    if data.is_dataset:
        result["split"] = "test" if data.test is not None else "train"
    # The codes first: codes that are not finite are refused there (encode_csr),
    # before the reconstructions built on them overflow too.
    dead, _ = dead_units(model, X, args.quiet)
    result["reconstruction_error"] = reconstruction_error(model, X, args.quiet)
    result["dead_units"] = dead
    result["test_error"] = None
    if labelled is not None:
        error, n_train, n_test = softmax_test_error(model, labelled, args.l2, args.quiet)
        result.update(test_error=error, n_train=n_train, n_test=n_test)
    if args.json:  # JSON has no NaN or infinity: null instead
        result = {k: None if isinstance(v, float) and not math.isfinite(v) else v
                  for k, v in result.items()}
    print(json.dumps(result, indent=1) if args.json else _table(result))
    return 0


def _table(r):
    where = r["data"] + (f", {r['split']} split" if "split" in r else "")
    rows = [
        ("data", f"{where} ({r['n_examples']} examples)"),
        ("model", f"{r['model']} ({r['n_hidden']} hidden, k = {r['k']}, "
                  f"codes keep {r['n_active']})"),
        ("reconstruction error", f"{r['reconstruction_error']:.6g} (mean squared error "
                                 "per example, summed over features)"),
        ("dead units", f"{r['dead_units']} of {r['n_hidden']} (never among the k largest)"),
    ]
    if r["test_error"] is not None:
        rows.append(("test error", f"{100 * r['test_error']:.2f} % (softmax regression on "
                                   f"the codes: {r['n_train']} train, {r['n_test']} test)"))
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name.ljust(width)}  {value}" for name, value in rows)
