"""
The encoder is the first step of ITI
====================================

Section 3.2 of Makhzani & Frey (2013) reads the k-sparse autoencoder as an
approximation of sparse coding with iterative thresholding with inversion
(ITI). ITI alternates two steps: guess the support Γ = supp_k(z + Wᵀ(x − W z)),
then solve for the best values on Γ by least squares. Started from z = 0,
its first guess is supp_k(Wᵀx) — exactly what the encoder computes.

We train a small k-sparse autoencoder on synthetic sparse signals, run ITI
from the encoder's support until its support stops changing, and compare

* the encoder's support with the support ITI converges to, and
* the reconstruction error of the autoencoder, of ITI after one step (the
  encoder's support with an exact least-squares inversion) and of ITI at
  convergence.

You will learn how much of sparse coding a single matrix product and a
top-k already do, and what the iterations of ITI add.
"""

# %%
# Train a k-sparse autoencoder on 4-sparse signals
# ------------------------------------------------
# The signals are non-negative combinations of 4 of 128 random atoms in R^64.
import matplotlib.pyplot as plt
import numpy as np

import ksparse
from ksparse.backend import to_numpy
from ksparse.classroom import example_size, pick
from ksparse.datasets.synthetic import make_sparse_signals
from ksparse.nn.supp_k import topk_mask
from ksparse.theory import encoder_vs_iti, gaussian_dictionary, iti

print(f"size: {example_size()}; backend: {ksparse.get_backend()}")
k = 4
truth = gaussian_dictionary(64, 128, random_state=1)
X_train, _ = make_sparse_signals(pick(small=3000, classroom=10_000, paper=50_000), truth, k,
                                 ratio=(0.3, 1.0), random_state=2)
X_test, _ = make_sparse_signals(pick(small=1000, classroom=2000, paper=10_000), truth, k,
                                ratio=(0.3, 1.0), random_state=3)
model = ksparse.KSparseAutoencoder(
    n_hidden=128, k=k, epochs=pick(small=20, classroom=40, paper=100), learning_rate=0.05,
    k_start=32, init_std=0.1, random_state=0, verbose=False,
).fit(X_train)
W, b, b_prime = model.W_, model.b_, model.b_prime_
print(f"training error per signal {model.history_[-1]['loss']:.4f}")

# %%
# Encoder support against the support ITI converges to
# ----------------------------------------------------
# ``support_match`` is the share of signals whose encoder support is already
# ITI's final support; ``overlap`` the average share of the k atoms in
# common. The three errors are mean squared errors per signal.
comparison = encoder_vs_iti(X_test, W, b, b_prime, k)
for name, value in comparison.summary().items():
    print(f"{name:>18s}: {value:.4f}")

# %%
# Error at every ITI step, starting from the encoder's support
# ------------------------------------------------------------
# Step 1 keeps the encoder's support and only replaces its values by the
# least-squares ones; later steps also move the support. The right panel
# counts, per signal, how many of the encoder's k atoms ITI keeps.
mask = topk_mask(X_test @ W + b, k)  # (n_signals, n_hidden), the encoder's Γ
run = iti(X_test - b_prime, W, k, signed=False, support0=mask, return_history=True)
per_step = to_numpy((run.history.residuals**2).mean(axis=1))  # (n_steps,)
overlap = to_numpy(comparison.overlap)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.8))
steps = min(per_step.size, 10)  # the few signals that cycle would stretch the axis to max_iter
ax1.plot(np.arange(1, steps + 1), per_step[:steps], marker="o",
         label="ITI (step 1 = encoder support)")
ax1.axhline(float(comparison.error_autoencoder.mean()), color="k", linestyle="--",
            label="autoencoder x̂")
ax1.set_xlabel("ITI step")
ax1.set_ylabel("mean ‖x − x̂‖²")
ax1.legend(fontsize="small")
ax2.hist(overlap, bins=np.arange(k + 2) / k - 0.5 / k, rwidth=0.8)
ax2.set_xlabel("|Γ_encoder ∩ Γ_ITI| / k")
ax2.set_ylabel("signals")
fig.tight_layout()
plt.show()
