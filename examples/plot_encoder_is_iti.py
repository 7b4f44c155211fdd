"""
The encoder is the first step of ITI
====================================

Section 3.2 of Makhzani & Frey (2013) reads the k-sparse autoencoder as an
approximation of sparse coding with iterative thresholding with inversion
(ITI): the encoder's support supp_k(Wᵀx + b) is ITI's first support
estimate. We train a small k-sparse autoencoder on synthetic sparse signals,
run ITI from the encoder's support until its support stops changing, and
compare

* the encoder's support with the support ITI converges to, and
* the reconstruction error of the autoencoder, of ITI after one step (the
  encoder's support with an exact least-squares inversion) and of ITI at
  convergence.

Run as a script: ``python examples/plot_encoder_is_iti.py [--out FILE]``.
"""
import argparse
import os

import numpy as np
from matplotlib.figure import Figure

import ksparse
from ksparse.backend import to_numpy
from ksparse.datasets.synthetic import make_sparse_signals
from ksparse.sparse_coding import encoder_vs_iti, gaussian_dictionary, iti
from ksparse.topk import topk_mask

parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
parser.add_argument("--out", default="plot_encoder_is_iti.png", help="figure file to write")
parser.add_argument("--seed", type=int, default=0)
args, _ = parser.parse_known_args()  # sphinx-gallery passes its own arguments

# %%
# Train a k-sparse autoencoder on 4-sparse signals
# ------------------------------------------------
k = 4
truth = gaussian_dictionary(64, 128, random_state=args.seed + 1)
X_train, _ = make_sparse_signals(10_000, truth, k, ratio=(0.3, 1.0), random_state=args.seed + 2)
X_test, _ = make_sparse_signals(2_000, truth, k, ratio=(0.3, 1.0), random_state=args.seed + 3)
model = ksparse.KSparseAutoencoder(
    n_hidden=128, k=k, epochs=40, learning_rate=0.05, k_start=32, init_std=0.1,
    random_state=0, verbose=False,
).fit(X_train)
W, b, b_prime = model.W_, model.b_, model.b_prime_

# %%
# Encoder support against the support ITI converges to
# ----------------------------------------------------
comparison = encoder_vs_iti(X_test, W, b, b_prime, k)
for name, value in comparison.summary().items():
    print(f"{name:>18s}: {value:.4f}")

# %%
# Error at every ITI step, starting from the encoder's support
# ------------------------------------------------------------
mask = topk_mask(X_test @ W + b, k)  # (n_signals, n_hidden), the encoder's Γ
run = iti(X_test - b_prime, W, k, signed=False, support0=mask, return_history=True)
per_step = to_numpy((run.history.residuals**2).mean(axis=1))  # (n_steps,)
overlap = to_numpy(comparison.overlap)

fig = Figure(figsize=(8, 3.5), layout="constrained")
ax1, ax2 = fig.subplots(1, 2)
steps = min(per_step.size, 10)  # the few signals that cycle would stretch the axis to max_iter
ax1.plot(np.arange(1, steps + 1), per_step[:steps], marker="o", label="ITI (step 1 = encoder support)")
ax1.axhline(float(comparison.error_autoencoder.mean()), color="k", linestyle="--", label="autoencoder x̂")
ax1.set_xlabel("ITI step")
ax1.set_ylabel("mean ‖x − x̂‖²")
ax1.legend(fontsize="small")
ax2.hist(overlap, bins=np.arange(k + 2) / k - 0.5 / k, rwidth=0.8)
ax2.set_xlabel("|Γ_encoder ∩ Γ_ITI| / k")
ax2.set_ylabel("signals")
fig.savefig(args.out, dpi=120)
print(f"figure written to {os.path.abspath(args.out)}")
