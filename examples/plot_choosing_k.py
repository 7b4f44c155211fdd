"""
Choosing k
==========

k is the one number a k-sparse (or TopK) autoencoder must be given: how
many latents each row may use. On real data the right k is unknown; here the
data are made with exactly 3 true atoms per row (:mod:`ksparse.lab`), so a
sweep over k can be checked against the answer.

You will learn to read the curve of reconstruction error against k — it
falls steeply until k reaches the number of features a row really holds,
then flattens (the elbow) — why too large a k is worse for the features
than too small a one, and how a Multi-TopK model (``multi_k``) is trained
once and read at several k afterwards.

The sizes follow ``KSPARSE_EXAMPLE_SIZE`` (``small``, ``classroom``, the
default, or ``paper``).
"""

# %%
# Data with 3 atoms per row
# -------------------------
import matplotlib.pyplot as plt

import ksparse
from ksparse import lab
from ksparse.classroom import example_size, pick

true_k = 3
truth = lab.make_sparse_data(pick(small=10000, classroom=10000, paper=50000), n_features=32,
                             n_atoms=64, active=true_k, noise=0.01, random_state=0)
train, held_out = truth.split(0.2)
print(f"size: {example_size()}; backend: {ksparse.get_backend()}")
print(f"{train.X.shape[0]} training rows, {truth.n_atoms} true atoms, {true_k} per row")

# %%
# A sweep over k
# --------------
# One TopK autoencoder (the laboratory's preset, 64 latents) per k, all else
# equal; each is scored on the held-out rows.
epochs = pick(small=24, classroom=24, paper=60)
ks = (1, 2, 3, 4, 5, 6, 8, 12)
reports = {}
for k in ks:
    model = lab.make_model("topk", n_latents=truth.n_atoms, k=k, epochs=epochs)
    reports[k] = lab.evaluate(model.fit(train.X), held_out)

print(f"{'k':>3s}  {'FVU':>6s}  {'gained since the previous k':>27s}  {'recovered':>9s}")
previous = 1.0
for k, report in reports.items():
    print(f"{k:3d}  {report.fvu:6.3f}  {previous - report.fvu:27.3f}  "
          f"{report.features_recovered:9.1%}")
    previous = report.fvu

# %%
# What to see. The FVU falls by about half with each of the first latents
# and then, from k = 3 on, hardly at all: each row holds 3 atoms, and a
# fourth latent has little left to explain but noise and the model's own
# errors. That elbow is visible without knowing the truth, which is how k
# is chosen on real data (on a validation split).
#
# The features tell a sharper story. Most atoms are recovered at the true
# k and just below it (k = 2 and 3); away from it on either side, latents
# learn blends of atoms. At k = 1 one latent has to stand for a row of three
# atoms. Beyond the true k, latents that a row does not need must still be
# used, and they share the work of the atoms between them: recovery falls
# with every extra latent and is gone by k = 12. A k a little too small
# costs reconstruction; a k too large costs the features.
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
left.plot(ks, [reports[k].fvu for k in ks], marker="o")
left.set_ylabel("held-out FVU")
right.plot(ks, [reports[k].features_recovered for k in ks], marker="o", color="tab:green")
right.set_ylabel("true atoms recovered (|cos| ≥ 0.99)")
for ax in (left, right):
    ax.axvline(true_k, color="k", linestyle="--", linewidth=1, label=f"true k = {true_k}")
    ax.set_xlabel("k")
    ax.legend()
fig.tight_layout()

# %%
# One model, read at several k: Multi-TopK
# ----------------------------------------
# A TopK model trained at k learns to reconstruct from exactly k latents.
# Read at another k′ (``transform(X, k=k′)``) it keeps the k′ largest
# activities of the same encoder: fewer is coarser, as expected, but more is
# *worse* — the extra latents were never trained to add to the sum. Multi-TopK
# (Gao et al., 2024; ``multi_k``) adds to the loss, with weight 1/8, the
# reconstruction from the ``multi_k`` largest activities, so the model learns
# to be read at k and at larger k′.
plain = lab.make_model("topk", n_latents=truth.n_atoms, k=true_k, epochs=epochs).fit(train.X)
multi = ksparse.TopKAutoencoder(n_hidden=truth.n_atoms, k=true_k, multi_k=4 * true_k,
                                epochs=epochs, batch_size=256, learning_rate=3e-3,
                                random_state=0, verbose=False).fit(train.X)
readings = (1, 2, 3, 6, 12)
fvu = {name: [model.fraction_of_variance_unexplained(held_out.X, k=k_read) for k_read in readings]
       for name, model in (("TopK", plain), ("Multi-TopK", multi))}
print(f"{'read at k′':>10s}  {'TopK':>6s}  {'Multi-TopK':>10s}")
for i, k_read in enumerate(readings):
    print(f"{k_read:10d}  {fvu['TopK'][i]:6.3f}  {fvu['Multi-TopK'][i]:10.3f}")
for name, model in (("TopK", plain), ("Multi-TopK", multi)):
    print(f"{name}: {lab.evaluate(model, held_out).features_recovered:.1%} of the atoms recovered")

# %%
# What to see. At k′ ≤ 3 the two models are alike. Read at k′ = 6 or 12 the
# plain TopK model reconstructs worse than at its own k, while the Multi-TopK
# model stays at its k = 3 level (and gains a little at 12): one model
# serves several sparsities, with no retraining. It is not a way around
# choosing k, though: the model is still trained at one k, and its atoms
# are those that k gives (as many recovered as plain TopK's, here).
fig, ax = plt.subplots(figsize=(6, 3.6))
for name, values in fvu.items():
    ax.plot(readings, values, marker="o", label=f"{name} (trained at k = {true_k})")
ax.axvline(true_k, color="k", linestyle="--", linewidth=1)
ax.set_xscale("log", base=2)
ax.set_xticks(readings, [str(r) for r in readings])
ax.set_xlabel("k′ read at")
ax.set_ylabel("held-out FVU")
ax.legend()
fig.tight_layout()
plt.show()
