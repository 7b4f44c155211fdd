"""Command line (also ``python -m ksparse``).

``ksparse demo [--out DIR]``
    learn filters from natural-image patches, offline, in well under a minute;
``ksparse reproduce {table1,table3,fig1,fig3,fig4,all} [--quick] [--data-dir DIR] [--out DIR]``
    the paper's tables and figures next to ours.
"""
__all__ = ["main"]

import argparse
import sys


def _build_parser():
    parser = argparse.ArgumentParser(
        prog="ksparse", description="k-sparse autoencoders (Makhzani & Frey, 2013)."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo",
        help="learn filters from natural-image patches (offline, well under a minute)",
        description="Train a k-sparse autoencoder on 8x8 patches of matplotlib's sample "
        "photograph and write the learned filters as an image.",
    )
    demo.add_argument("--out", default="ksparse-demo", help="output folder (default: %(default)s)")
    demo.add_argument("--patches", type=int, default=40000, help="number of patches")
    demo.add_argument("--hidden", type=int, default=256, help="number of hidden units")
    demo.add_argument("--k", type=int, default=10, help="units kept per patch")
    demo.add_argument("--epochs", type=int, default=30)
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_reproduce(sub)
    return parser


def _add_reproduce(sub):
    from .reproduce import TARGETS

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
    rep.add_argument("--out", default="ksparse-reproduce", help="output folder (default: %(default)s)")
    rep.add_argument("--quiet", action="store_true", help="no progress output")


def _reproduce(args):
    from .reproduce import run

    report = run(args.targets, out=args.out, data_dir=args.data_dir, quick=args.quick,
                 verbose=not args.quiet)
    print(f"report: {report}")
    return 0


def _demo(args):
    from .demo import run_demo

    result = run_demo(
        out=args.out, n_patches=args.patches, n_hidden=args.hidden, k=args.k,
        epochs=args.epochs, random_state=args.seed, verbose=not args.quiet,
    )
    print(f"trained in {result['seconds']:.1f} s")
    print(f"filters: {result['figure']}")
    print(f"model:   {result['model']}  (reload with ksparse.load)")
    return 0


def main(argv=None):
    """Entry point of the ``ksparse`` console script."""
    args = _build_parser().parse_args(argv)
    return {"demo": _demo, "reproduce": _reproduce}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
