"""
Numerical check of Theorem 3.1
==============================

Theorem 3.1 of Makhzani & Frey (2013) says that for x = W z with unit-norm
atoms and a k-sparse z whose magnitudes are sorted z₁ ≥ … ≥ z_k, the support
of z is recovered by a single thresholding step, supp_k(Wᵀx), as soon as

    k μ ≤ z_k / (2 z₁),

where μ is the mutual coherence of W. We draw Monte Carlo signals on both
sides of this bound for dictionaries of known coherence:

* the identity next to the normalized Hadamard basis, μ = 1/√n exactly;
* the identity next to the orthonormal DCT basis, μ ≈ √(2/n);
* a random Gaussian dictionary;
* the dictionary a k-sparse autoencoder learned from synthetic sparse data;
* the identity ∪ Hadamard dictionary again with signed codes, recovered by
  supp_k(|Wᵀx|).

For each we count the signals where the condition holds and recovery failed
(the theorem says there are none) and plot the recovery rate against
q = k μ · 2z₁/z_k, where the bound is q ≤ 1.

Run as a script: ``python examples/plot_theorem_3_1.py [--out FILE]``.
"""
import argparse
import os
import time

from matplotlib.figure import Figure

import ksparse
from ksparse.datasets.synthetic import make_sparse_signals
from ksparse.sparse_coding import (
    format_table,
    gaussian_dictionary,
    recovery_curve,
    theorem_experiment,
    two_ortho_dictionary,
)

parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
parser.add_argument("--out", default="plot_theorem_3_1.png", help="figure file to write")
parser.add_argument("--n", type=int, default=256, help="signal dimension (a power of two)")
parser.add_argument("--n-inside", type=int, default=100_000, help="signals inside the bound")
parser.add_argument("--n-outside", type=int, default=100_000, help="signals outside the bound")
parser.add_argument("--seed", type=int, default=0)
args, _ = parser.parse_known_args()  # sphinx-gallery passes its own arguments
start = time.perf_counter()

# %%
# A dictionary learned by a k-sparse autoencoder
# ----------------------------------------------
# Signals are 4-sparse non-negative combinations of 128 random atoms in R^64;
# the autoencoder has 128 hidden units and k = 4.
truth = gaussian_dictionary(64, 128, random_state=args.seed + 1)
X_train, _ = make_sparse_signals(10_000, truth, 4, ratio=(0.3, 1.0), random_state=args.seed + 2)
model = ksparse.KSparseAutoencoder(
    n_hidden=128, k=4, epochs=40, learning_rate=0.05, k_start=32, init_std=0.1,
    random_state=0, verbose=False,
).fit(X_train)

# %%
# Monte Carlo signals on both sides of the bound
# ----------------------------------------------
n = args.n
sizes = dict(n_inside=args.n_inside, n_outside=args.n_outside)
dictionaries = [
    ("I+Hadamard", two_ortho_dictionary(n, "hadamard"), False),
    ("I+DCT", two_ortho_dictionary(n, "dct"), False),
    ("Gaussian", gaussian_dictionary(n, 2 * n, random_state=args.seed), False),
    ("learned KSAE", model.W_, False),
    ("I+Hadamard", two_ortho_dictionary(n, "hadamard"), True),
]
results = [
    theorem_experiment(W, signed=signed, random_state=args.seed + i, name=name, **sizes)
    for i, (name, W, signed) in enumerate(dictionaries)
]
print(format_table(results))
for r in results:
    assert r.summary()["holds&failed"] == 0, f"counterexample to Theorem 3.1 for {r.name}"

# %%
# Recovery rate against the bound
# -------------------------------
# Left of the dashed line the theorem guarantees recovery; the curves show
# that recovery keeps succeeding far to its right, i.e. how conservative the
# worst-case bound is.
fig = Figure(figsize=(7, 4.5), layout="constrained")
ax = fig.add_subplot()
for r in results:
    centers, rate, _ = recovery_curve(r, bins=40)
    label = f"{r.name}{' (signed)' if r.signed else ''}, μ={r.mu:.3f}"
    ax.plot(centers, rate, marker=".", label=label)
ax.axvline(1.0, color="k", linestyle="--", linewidth=1, label="bound q = 1")
ax.set_xscale("log")
ax.set_xlabel("q = k μ · 2 z₁ / z_k")
ax.set_ylabel("support recovered by supp_k(Wᵀx)")
ax.set_ylim(-0.02, 1.02)
ax.legend(fontsize="small")
fig.savefig(args.out, dpi=120)
print(f"runtime {time.perf_counter() - start:.1f} s; figure written to {os.path.abspath(args.out)}")
