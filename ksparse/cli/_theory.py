"""``ksparse coherence`` and ``ksparse theorem``: the sparse-coding theory of paper §3.3.

``coherence`` reports μ(W) (Eq. 8) of a model's dictionary or of a matrix
file, with the sparsity levels it guarantees: Theorem 3.1's (one
thresholding step recovers the support when k μ ≤ z_k / (2 z₁), so for every
code with equal magnitudes when k μ ≤ 1/2) and the Donoho–Elad uniqueness
bound k < (1 + 1/μ)/2. ``theorem`` runs the Monte Carlo check of
:func:`ksparse.theory.theorem_experiment`.
"""
__all__ = ["add_parsers", "theorem_max_k"]

import json
import math

import numpy as np

from ..io.atomic import save_figure
from ._common import (
    UserError,
    check_output,
    nonnegative_int,
    positive_float,
    positive_int,
)
from ._data import load_array, load_model

_KINDS = ("hadamard", "dct", "gaussian")


def add_parsers(sub):
    c = sub.add_parser("coherence", help="mutual coherence of a dictionary and its k bounds",
                       description="Mutual coherence of a model's dictionary (the columns of "
                       "W_) or of a .npy matrix whose columns are atoms, and the sparsity "
                       "levels it guarantees (paper §3.3).")
    c.add_argument("source", metavar="MODEL_OR_MATRIX", help="model .npz or matrix .npy")
    c.add_argument("--json", action="store_true", help="print the results as JSON")
    c.set_defaults(run=run_coherence)
    t = sub.add_parser("theorem", help="Monte Carlo check of Theorem 3.1",
                       description="Draw k-sparse signals on both sides of the bound of "
                       "Theorem 3.1 and count those where it holds and support recovery "
                       "fails (the theorem says none). Exit status 1 if any.")
    t.add_argument("--dictionary", default="hadamard", metavar="KIND_OR_FILE",
                   help=f"{', '.join(_KINDS)} (identity next to a Hadamard or DCT basis, or "
                   "random Gaussian atoms), or a model .npz / matrix .npy (default: hadamard)")
    t.add_argument("--n", type=positive_int, default=None,
                   help="signal dimension (default 64; a power of two for hadamard)")
    t.add_argument("--atoms", type=positive_int, default=None,
                   help="number of atoms of the gaussian dictionary (default 2n)")
    t.add_argument("--signals", type=positive_int, default=1000,
                   help="signals drawn on each side of the bound (default: %(default)s)")
    t.add_argument("--signed", action="store_true", help="codes of random sign")
    t.add_argument("--q-max", type=positive_float, default=32.0,
                   help="largest q = k mu 2 z1/z_k drawn outside the bound, at most 1e15 "
                   "(default 32)")
    t.add_argument("--seed", type=nonnegative_int, default=0, help="random seed (default 0)")
    t.add_argument("--out", default=None, metavar="FIG.png",
                   help="also draw the recovery rate against q")
    t.add_argument("--json", action="store_true", help="print the summary as JSON")
    t.set_defaults(run=run_theorem)


def theorem_max_k(mu, n_atoms):
    """Largest k < n_atoms with k μ ≤ 1/2: Theorem 3.1 then covers equal-magnitude codes."""
    if mu == 0:
        return n_atoms - 1
    k = min(int(0.5 / mu), n_atoms - 1)
    while k > 0 and k * mu > 0.5:  # decide on the product, as the theorem states it
        k -= 1
    while k + 1 < n_atoms and (k + 1) * mu <= 0.5:
        k += 1
    return k


def _dictionary_file(path, option):
    """W (n_features, n_atoms) from a model file (its W_) or a matrix file, checked."""
    if path.lower().endswith(".npz"):
        W = np.asarray(_host(load_model(path, need=("W_",), argument=option).W_))
    else:
        W = load_array(path, option, min_cols=2)
    if W.shape[1] < 2:
        raise UserError(f"{option} {path}: a dictionary needs at least 2 atoms (columns).")
    zero = np.flatnonzero(~np.any(W != 0, axis=0))
    if zero.size:
        raise UserError(f"{option} {path}: atom (column) {int(zero[0])} is zero, so μ is "
                        "undefined.")
    return W


def _host(array):
    from ..backend import to_numpy

    return to_numpy(array)


def run_coherence(args):
    from ..theory.coherence import (
        max_unique_sparsity,
        mutual_coherence,
        uniqueness_bound,
    )

    W = _dictionary_file(args.source, "MODEL_OR_MATRIX")
    mu = mutual_coherence(W)
    result = {"source": args.source, "n_features": int(W.shape[0]), "n_atoms": int(W.shape[1]),
              "mu": mu, "theorem_3_1_k": theorem_max_k(mu, W.shape[1]),
              "uniqueness_bound": None if mu == 0 else uniqueness_bound(mu),
              "unique_k": None if mu == 0 else max_unique_sparsity(mu)}
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"dictionary   {args.source}: {W.shape[1]} atoms in R^{W.shape[0]}")
    print(f"coherence    mu = {mu:.6g}  (largest |<w_i, w_j>| of unit atoms, Eq. 8)")
    print(f"Theorem 3.1  supp_k(W^T x) recovers the support when k mu <= z_k / (2 z_1): "
          f"for equal magnitudes up to k = {result['theorem_3_1_k']}")
    if mu > 0:
        print(f"uniqueness   the sparsest code is unique for k < (1 + 1/mu)/2 = "
              f"{result['uniqueness_bound']:.4g}, i.e. k <= {result['unique_k']}")
    return 0


def _theorem_dictionary(args):
    """(name, W) for ``--dictionary``, with the sizes checked before anything is built."""
    from ..theory.dictionaries import gaussian_dictionary, two_ortho_dictionary

    kind = args.dictionary
    if kind not in _KINDS:
        if not kind.lower().endswith((".npy", ".npz")):
            raise UserError(f"--dictionary must be one of {', '.join(_KINDS)} or a .npy/.npz "
                            f"file, got {kind!r}.")
        if args.n is not None or args.atoms is not None:
            raise UserError("--n and --atoms are for built-in dictionaries, not a file.")
        return kind, _dictionary_file(kind, "--dictionary")
    n = 64 if args.n is None else args.n
    if kind != "gaussian":
        if args.atoms is not None and args.atoms != 2 * n:
            raise UserError(f"--dictionary {kind} has 2n = {2 * n} atoms; drop --atoms.")
        if kind == "hadamard" and n & (n - 1):
            raise UserError(f"--n must be a power of two for --dictionary hadamard, got {n}.")
        return f"I+{kind}", np.asarray(two_ortho_dictionary(n, kind, xp=np))
    atoms = 2 * n if args.atoms is None else args.atoms
    if atoms < 2:
        raise UserError(f"--atoms must be at least 2, got {atoms}.")
    return "gaussian", np.asarray(gaussian_dictionary(n, atoms, random_state=args.seed, xp=np))


def run_theorem(args):
    from ..theory.experiment import Q_MAX_LIMIT, format_table, theorem_experiment

    if args.out is not None:
        check_output(args.out, suffixes=(".png", ".pdf", ".svg"))
    if not 1 < args.q_max <= Q_MAX_LIMIT:  # beyond: z_k / z_1 at rounding level (and overflows)
        raise UserError(f"--q-max must be > 1 and at most {Q_MAX_LIMIT:g} (further out the "
                        f"smallest code entry is at float64's rounding level), got {args.q_max:g}.")
    name, W = _theorem_dictionary(args)
    result = theorem_experiment(W, n_inside=args.signals, n_outside=args.signals,
                                q_max=args.q_max, signed=args.signed,
                                random_state=args.seed, name=name)
    summary = result.summary()
    figure = _write_figure(args.out, result)
    if args.json:
        clean = {k: None if isinstance(v, float) and math.isnan(v) else v
                 for k, v in summary.items()}
        print(json.dumps(dict(clean, figure=figure), indent=1))
    else:
        print(format_table([result]))
        if figure is not None:
            print(f"figure: {figure}")
    failed = summary["holds&failed"]
    if failed:
        raise _Contradicted(f"{failed} signals satisfy the condition of Theorem 3.1 but their "
                            "support was not recovered.")
    return 0


def _write_figure(out, result):
    """The recovery figure written to ``out`` (when given); returns the path written, or None."""
    if out is None or not result.bound_ratio.size:
        return None
    fig = _recovery_figure(result)
    save_figure(fig, out, dpi=120)
    return out


class _Contradicted(UserError):
    exit_code = 1


def _recovery_figure(result):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from ..theory.experiment import recovery_curve

    fig = Figure(figsize=(6, 4), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    centers, rate, _ = recovery_curve(result, bins=30)
    label, zero = f"{result.name}, μ = {result.mu:.3f}", centers == 0
    if zero.any():  # μ = 0 puts signals at q = 0, which a log axis cannot show: said in words
        label += f"; at q = 0, {float(rate[zero][0]):.0%} recovered"
    ax.plot(centers[~zero], rate[~zero], marker=".", label=label)
    ax.axvline(1.0, color="k", linestyle="--", linewidth=1, label="bound q = 1")
    ax.set_xscale("log")
    ax.set_xlabel("q = k μ · 2 z₁ / z_k")
    ax.set_ylabel("support recovered")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize="small")
    return fig
