"""``ksparse encode``: the α·k-sparse codes of data (paper §2.2) written to a file.

The default output is a ``.npz`` holding the parts of a CSR matrix
(``data``, ``indices``, ``indptr``, ``shape`` and ``format``), the layout of
:func:`scipy.sparse.save_npz`, so ``scipy.sparse.load_npz`` reads it back;
``--dense`` writes a plain ``.npy`` array instead. Rows are encoded in
chunks, so memory stays proportional to the non-zeros.
"""
__all__ = ["add_parsers", "encode_csr"]

import numpy as np

from ..nn.supp_k import n_kept
from ._common import UserError, check_output, chunks, write_atomically
from ._data import add_model_inputs, check_features, load_data, load_model


def add_parsers(sub):
    p = sub.add_parser("encode", help="write the sparse codes of data",
                       description="Encode data with a trained model: each row keeps its "
                       "round(alpha*k) largest hidden units. Writes a CSR .npz (readable with "
                       "scipy.sparse.load_npz) or, with --dense, a .npy array.")
    add_model_inputs(p)
    p.add_argument("--split", choices=("train", "val", "test"), default="train",
                   help="split of a named dataset to encode (default: %(default)s)")
    p.add_argument("--alpha", type=float, default=None,
                   help="keep round(alpha*k) units per row (default: the model's alpha)")
    p.add_argument("--dense", action="store_true", help="write a dense .npy array instead")
    p.add_argument("--out", default=None,
                   help="output file (default: codes.npz, or codes.npy with --dense)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=run)


def set_alpha(model, alpha):
    """Give ``model`` the transform width ``alpha`` (checked against its k and n_hidden).

    k and n_hidden come from the model file, so a message names only
    ``--alpha`` as what the user can change.
    """
    if alpha is None:
        return model
    from ._train import check_hyperparameters

    if not np.isfinite(alpha):
        raise UserError(f"--alpha must be finite, got {alpha}.")
    k, n_hidden = int(model.k), int(model.n_hidden)
    try:  # an alpha below 1 (-1e308 too) is left to the model's own check, at the end
        n_kept(k, max(alpha, 1.0), n_hidden)
    except ValueError:
        # Not n_kept's message: it offers "lower alpha or k", but k is fixed by
        # MODEL. ':.0f' rounds half to even as round() does, and prints inf.
        raise UserError(f"--alpha {alpha:g}: codes would keep round({alpha:g} * k) = "
                        f"{alpha * k:.0f} units, but the model (k = {k}, fixed by MODEL) "
                        f"has only {n_hidden} hidden units; give --alpha at most "
                        f"{n_hidden}/{k}.") from None
    model.set_params(alpha=alpha)
    check_hyperparameters(model)
    return model


def encode_csr(model, X, quiet, desc="encoding"):
    """``model.transform(X)`` as a CSR matrix, built chunk by chunk.

    Every code the command line computes comes from here, so this is where
    codes that are not finite are refused, before any output is written.

    Returns
    -------
    H : scipy.sparse.csr_matrix, shape (n_samples, n_hidden)

    Raises
    ------
    UserError
        When a code is NaN or infinite: weights huge but finite (a 3e38 in a
        float32 model) overflow on this data.
    """
    import scipy.sparse

    from ..backend import to_numpy

    parts = []
    for rows in chunks(X.shape[0], quiet, desc):
        with np.errstate(over="ignore", invalid="ignore"):  # refused just below, in one line
            H = scipy.sparse.csr_matrix(to_numpy(model.transform(X[rows])))
        if not np.all(np.isfinite(H.data)):
            raise UserError(_not_finite(model))
        parts.append(H)
    return scipy.sparse.vstack(parts, format="csr")


def _not_finite(model):
    """The message for codes that are NaN or infinite, with the largest weight when known."""
    from ..backend import to_numpy

    message = "MODEL gives codes that are not finite (NaN or infinity) for DATA"
    W = getattr(model, "W_", None)
    if W is None:
        return message + "."
    W = to_numpy(W)
    return (f"{message}: its weights reach {float(np.max(np.abs(W))):.3g} in magnitude, "
            f"which overflows {W.dtype.name} on this data.")


def _write_csr(H):
    def write(fh):
        np.savez(fh, data=H.data, indices=H.indices, indptr=H.indptr,
                 shape=np.array(H.shape, dtype=np.int64), format=np.array("csr"))
    return write


def run(args):
    out = (("codes.npy" if args.dense else "codes.npz") if args.out is None else args.out)
    check_output(out, suffixes=(".npy",) if args.dense else (".npz",),
                 inputs=(args.model, args.data))
    model = set_alpha(load_model(args.model), args.alpha)
    data = load_data(args)
    X, _ = data.split(args.split)
    check_features(model, X, args.model, data.name)
    H = encode_csr(model, X, args.quiet)
    if args.dense:
        write_atomically(out, lambda fh: np.save(fh, H.toarray()))
    else:
        write_atomically(out, _write_csr(H))
    per_row = H.nnz / max(H.shape[0], 1)
    print(f"codes: {out}  ({H.shape[0]} x {H.shape[1]}, {per_row:.1f} non-zeros per row)")
    return 0
