"""What Matryoshka's prefix weight buys and costs on a ground truth: atoms recovered against the prefixes' FVU.

Trains ``topk-schedule`` (no prefixes) and ``matryoshka-schedule`` (TopK
with the losses of the first quarter and the first half of the latents) at
each ``--weights`` value of ``prefix_weight``, on the data of
``benchmarks/ground_truth.py`` (the same configurations, rows and splits),
and reports on the *validation* rows: the share of true atoms recovered
(|cos| >= 0.99), the MCC, the FVU of the full code, and the FVU of the code
cut to its first quarter and its first half of the latents (decoded from
those latents and b′ alone: what the prefix losses train for). One seed,
one BLAS thread, CPU seconds of the fit.

Usage::

    python benchmarks/matryoshka_prefixes.py [--config 512x128] [--epochs 40]
        [--weights 1,0.1,0.03] [--seed 0]
"""
import argparse

import ground_truth as G  # sets one BLAS thread before NumPy is imported

from _bench import print_table
from ksparse.lab import fvu


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--config", default="512x128", choices=list(G.CONFIGS))
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--weights", default="1,0.1,0.03", help="prefix weights to train")
    p.add_argument("--lr", type=float, default=0.003, help="Adam's step, falling to a tenth")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    args.weights = [float(w) for w in args.weights.split(",")]
    return args


def prefix_fvu(model, X, m):
    """FVU of x̂ = W[:, :m] h[:m] + b′, the code cut to its first m latents."""
    H = model.transform(X)  # (n_samples, n_latents)
    return fvu(H[:, :m] @ model.W_[:, :m].T + model.b_prime_, X)  # x̂: (n_samples, n_features)


def row(name, weight, args, train, val):
    model = G.build(name, train.n_atoms, 5, args.epochs, args.lr, args.seed, 0.1, weight)
    cpu, _ = G.fit_timed(model, train.X)
    scores = G.measure(model, name, val, 5)
    quarter, half = (prefix_fvu(model, val.X, train.n_atoms // q) for q in (4, 2))
    return [name, "-" if weight is None else f"{weight:g}", f"{scores['recovered']:.1%}",
            f"{scores['mcc']:.4f}", f"{scores['fvu']:.4f}", f"{quarter:.4f}", f"{half:.4f}",
            f"{cpu:.1f}"]


def main(argv=None):
    args = parse(argv)
    truth = G.make_truth(args.config, G.ROWS, 5, args.seed)
    train, val, _ = G.splits(truth, G.N_TRAIN, G.N_VAL)
    print(f"{args.config}, {args.epochs} epochs, lr {args.lr:g} falling to a tenth, seed "
          f"{args.seed}; validation rows; CPU seconds (one thread)")
    rows = [row("topk-schedule", None, args, train, val)]
    rows += [row("matryoshka-schedule", w, args, train, val) for w in args.weights]
    print_table(["model", "prefix weight", "recovered", "MCC", "FVU", "FVU first 1/4",
                 "FVU first 1/2", "cpu s"], rows)


if __name__ == "__main__":
    main()
