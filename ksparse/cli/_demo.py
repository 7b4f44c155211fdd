"""``ksparse demo`` and ``ksparse reproduce``: the first run, and the paper's results (§4).

``demo`` trains on 8×8 patches of matplotlib's sample photograph, offline,
and writes the learned filters (cf. paper Fig. 3); ``reproduce`` runs
:func:`ksparse.reproduce.run`. Both check their options before any work.
"""
__all__ = ["add_parsers"]

import shlex

from ._common import UserError, check_data_dir, nonnegative_int, positive_int

# Targets of ``reproduce`` that read MNIST (fig3 uses image patches).
_MNIST_TARGETS = ("table1", "table3", "fig1", "fig4")


def add_parsers(sub):
    _add_demo(sub)
    _add_reproduce(sub)


def _add_demo(sub):
    demo = sub.add_parser(
        "demo",
        help="learn filters from natural-image patches (offline, well under a minute)",
        description="Train a k-sparse autoencoder on 8x8 patches of matplotlib's sample "
        "photograph and write the learned filters as an image.",
    )
    demo.add_argument("--out", default="ksparse-demo", help="output folder (default: %(default)s)")
    demo.add_argument("--patches", type=positive_int, default=40000, help="number of patches")
    demo.add_argument("--hidden", type=positive_int, default=256, help="number of hidden units")
    demo.add_argument("--k", type=positive_int, default=10, help="units kept per patch")
    demo.add_argument("--epochs", type=positive_int, default=30)
    demo.add_argument("--seed", type=nonnegative_int, default=0)
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.set_defaults(run=_demo)


def _add_reproduce(sub):
    from ..reproduce import TARGETS

    rep = sub.add_parser(
        "reproduce",
        help="the paper's tables and figures next to ours",
        description="Reproduce the paper's Table 1, Table 3 and Figures 1, 3, 4 on MNIST "
        "and natural-image patches; writes OUT/report.md and the figures. Running the "
        "same command again resumes where it stopped.",
    )
    rep.add_argument("targets", nargs="+", choices=TARGETS + ("all",), metavar="TARGET",
                     help=f"one or more of {', '.join(TARGETS)}, all")
    rep.add_argument("--quick", action="store_true",
                     help="small settings (minutes on two CPU cores)")
    rep.add_argument("--data-dir", default=None,
                     help="folder with the datasets (default: KSPARSE_DATA, caches, download)")
    rep.add_argument("--no-download", action="store_true",
                     help="fail at once when MNIST is not found locally")
    rep.add_argument("--out", default="ksparse-reproduce",
                     help="output folder (default: %(default)s)")
    rep.add_argument("--seeds", type=positive_int, default=1, metavar="N",
                     help="train and score every autoencoder row for seeds 0 … N-1 and report "
                     "mean ± sd (ddof = 1), min and max; seed 0 is the single run, so its "
                     "models and rows are reused (default: %(default)s)")
    rep.add_argument("--threads", type=positive_int, default=None, metavar="N",
                     help="BLAS/OpenMP threads for the run, set with threadpoolctl; without "
                     "threadpoolctl installed this is refused: set OPENBLAS_NUM_THREADS=N "
                     "(or OMP_NUM_THREADS, MKL_NUM_THREADS) before starting instead "
                     "(default: as the libraries start)")
    rep.add_argument("--quiet", action="store_true", help="no progress output")
    rep.set_defaults(run=_reproduce)


def _check_out_folder(out):
    import os

    if not str(out):  # "" would write into the current folder, or nowhere
        raise UserError("--out is empty; give a folder.")
    if os.path.exists(out) and not os.path.isdir(out):
        raise UserError(f"--out {out} is a file; give a folder.")
    parent = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(parent):
        raise UserError(f"--out {out}: the folder {parent} does not exist.")
    if not os.access(out if os.path.isdir(out) else parent, os.W_OK):
        where = out if os.path.isdir(out) else parent
        raise UserError(f"--out {out}: the folder {where} is not writable.")


def _reproduce(args):
    from ..reproduce import TARGETS, run
    from ..reproduce.context import check_out
    from ..reproduce.machine import check_threads
    from ._info import dataset_folder

    try:
        check_threads(args.threads)
    except ValueError as exc:
        raise UserError(f"--threads: {exc}") from exc
    check_data_dir(args.data_dir)
    _check_out_folder(args.out)
    try:  # a damaged folder of an earlier run: refused now, not after the training
        check_out(args.out)
    except ValueError as exc:
        raise UserError(f"--out {exc}") from exc
    targets = TARGETS if "all" in args.targets else args.targets
    if args.no_download and any(t in _MNIST_TARGETS for t in targets):
        folders, complete = dataset_folder("mnist", args.data_dir)
        if complete is None:
            searched = ", ".join(folder for folder, _ in folders)
            raise UserError(f"MNIST was not found (searched: {searched}) and --no-download "
                            "is set; put the four IDX files in one of these folders.")
    command = " ".join(shlex.quote(a) for a in ["ksparse", *getattr(args, "argv", ())])
    report = run(targets, out=args.out, data_dir=args.data_dir, quick=args.quick,
                 verbose=not args.quiet, seeds=args.seeds, threads=args.threads,
                 command=command)
    print(f"report: {report}")
    return 0


def _demo(args):
    if args.k > args.hidden:
        raise UserError(f"--k {args.k} exceeds --hidden {args.hidden}.")
    if args.patches < 2:
        raise UserError(f"--patches must be at least 2, got {args.patches}.")
    _check_out_folder(args.out)
    from ..classroom.demo import _output_paths, run_demo

    try:  # a folder where the demo writes a file would fail only after the training
        _output_paths(args.out)
    except ValueError as exc:
        raise UserError(f"--{exc} Remove it or choose another --out.") from exc

    result = run_demo(
        out=args.out, n_patches=args.patches, n_hidden=args.hidden, k=args.k,
        epochs=args.epochs, random_state=args.seed, verbose=not args.quiet,
    )
    print(f"trained in {result['seconds']:.1f} s")
    print(f"filters: {result['figure']}")
    print(f"model:   {result['model']}  (reload with ksparse.load)")
    return 0
