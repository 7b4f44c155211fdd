"""
Natural-image filters and sparse activity histograms
====================================================

On small patches of natural images, a k-sparse autoencoder learns
localized, oriented edge detectors — Gabor-like filters, the paper's
Figure 3 (there from CIFAR-10; here from the photograph that ships with
matplotlib, so no download is needed). The paper's Figure 4 then compares
how the hidden activity is distributed: a k-sparse code is exactly zero
except for k units.

You will learn the preprocessing of §4.1 (local contrast normalization and
ZCA whitening), why whitening matters for the filters, and how to read a
log histogram of activities.
"""

# %%
# Patches of one photograph
# -------------------------
# Random 8×8 patches are cut from the grey photograph, each is normalized
# to zero mean and unit contrast, and the set is ZCA-whitened: correlations
# between neighbouring pixels are removed, so that edges, not smooth
# gradients, carry the variance.
import matplotlib.pyplot as plt
import numpy as np

import ksparse
from ksparse.backend import to_numpy
from ksparse.classroom import example_size, pick
from ksparse.datasets import load_photo_patches, load_sample_photo
from ksparse.plotting import plot_activation_histograms, plot_filters

print(f"size: {example_size()}; backend: {ksparse.get_backend()}")
n_patches = pick(small=20000, classroom=40000, paper=200000)
X, whitener = load_photo_patches(patch_size=8, n_patches=n_patches, random_state=0)
print(f"{X.shape[0]} whitened patches of {X.shape[1]} pixels, from matplotlib's sample photo")

fig, (ax_photo, ax_patches) = plt.subplots(1, 2, figsize=(9, 4))
ax_photo.imshow(load_sample_photo(), cmap="gray")
ax_photo.set_title("the photograph")
ax_photo.set_axis_off()
plot_filters(X[:64], (8, 8), ax=ax_patches, title="64 whitened patches")
plt.show()

# %%
# Two models: k = 10 and k = 30
# -----------------------------
# Both start with 40 active units and lower k during the first half of
# training (§4.2.1).
n_hidden = pick(small=100, classroom=256, paper=1000)
models = {}
for k in (10, 30):
    models[k] = ksparse.KSparseAutoencoder(
        n_hidden=n_hidden, k=k, k_start=40, epochs=pick(small=15, classroom=30, paper=30),
        learning_rate=0.01, random_state=0, verbose=False,
    ).fit(X)
    print(f"k = {k}: training error {models[k].history_[-1]['loss']:.2f}, "
          f"dead units {models[k].history_[-1]['dead_units']}")

# %%
# The filters (Figure 3)
# ----------------------
# The atoms of the k = 10 model, the most used first. Most are small
# oriented edges at different positions, orientations and frequencies.
model = models[10]
usage = (to_numpy(model.transform(X)) != 0).sum(axis=0)  # (n_hidden,), images per unit
order = np.argsort(-usage, kind="stable")
shown = order[: min(n_hidden, 100)]
fig, ax = plt.subplots(figsize=(6, 6))
plot_filters(to_numpy(model.components_)[shown], (8, 8), ax=ax,
             title=f"{len(shown)} most used of {n_hidden} filters, k = 10")
plt.show()

# %%
# The same filters seen as pixels
# -------------------------------
# The filters live in the whitened space. Mapped back through the inverse
# whitening (``whitener.inverse_transform`` would also add back the mean),
# they show the pixel pattern each unit adds to a reconstruction — a little
# smoother, since whitening had sharpened them.
pixels = to_numpy(model.components_)[shown] @ whitener.dewhitening_  # (len(shown), 64)
fig, ax = plt.subplots(figsize=(6, 6))
plot_filters(pixels, (8, 8), ax=ax, title="the same filters, de-whitened")
plt.show()

# %%
# Activity histograms (Figure 4)
# ------------------------------
# Before the selection, the activities z = Wᵀx + b of all units spread
# around zero. A k-sparse code keeps only k per patch; the log histogram
# (exact zeros left out) shows how few, and how large, the kept activities
# are.
z = X @ to_numpy(model.W_) + to_numpy(model.b_)  # (n_patches, n_hidden)
fig, ax = plt.subplots(figsize=(6, 4))
plot_activation_histograms({
    "all units before the top-k (k = 10 model)": z,
    "k-sparse code, k = 30": models[30].transform(X),
    "k-sparse code, k = 10": model.transform(X),
}, ax=ax)
for k, m in models.items():
    H = to_numpy(m.transform(X))
    print(f"k = {k}: {100 * np.mean(H != 0):.1f} % of the activities are non-zero")
plt.show()
