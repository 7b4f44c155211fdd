"""
What k does: from strokes to whole digits
=========================================

The sparsity level k is the one knob of a k-sparse autoencoder: each image
is rebuilt from its k most active hidden units. This example trains the
same model with k = 70, 40, 25 and 10, the values of the paper's Figure 1
(with 1000 hidden units there; here 100, 400 or 1000, by size), and shows

* the filters: local pen strokes at large k, longer and more global strokes
  as k falls, and whole digit prototypes at k = 10 (§4.3);
* the reconstructions, and their error against k: fewer units, coarser images;
* the activity histograms of the paper's Figure 4: a k-sparse code is
  exactly zero except for k units.

You will learn why k is a trade-off between reconstruction and the kind of
features the model learns.
"""

# %%
# Data and the four models
# ------------------------
# Every model has the same units, data and training; only k differs. The
# input is centred (``center=True``) and k falls from 100 during the first
# half of training, so that no unit dies (see
# :ref:`sphx_glr_auto_examples_plot_dead_units.py`).
import matplotlib.pyplot as plt

import ksparse
from ksparse.backend import to_numpy
from ksparse.classroom import example_size, load_digits, pick
from ksparse.plotting import plot_activation_histograms, plot_filters

digits = load_digits(n_train=pick(small=2000, classroom=10000, paper=50000),
                     n_test=pick(small=500, classroom=2000, paper=10000))
(X_train, _), (X_test, _) = digits.train, digits.test
print(f"size: {example_size()}; backend: {ksparse.get_backend()}")
print(digits.note)

n_hidden = pick(small=100, classroom=400, paper=1000)
ks = (70, 40, 25, 10)
models = {}
for k in ks:
    models[k] = ksparse.KSparseAutoencoder(
        n_hidden=n_hidden, k=k, k_start=100 if n_hidden >= 100 else None, center=True,
        epochs=pick(small=5, classroom=12, paper=200), learning_rate=0.01, lr_end=0.001,
        random_state=0, verbose=False,
    ).fit(X_train)
    print(f"k = {k:2d}: training error {models[k].history_[-1]['loss']:.2f}, "
          f"dead units {models[k].history_[-1]['dead_units']}")

# %%
# The filters (Figure 1)
# ----------------------
# The first 36 units of each model, one 28×28 filter each.
fig, axes = plt.subplots(1, len(ks), figsize=(12, 3.4))
for ax, k in zip(axes, ks):
    plot_filters(models[k].components_[:36], (28, 28), ax=ax, title=f"k = {k}")
fig.suptitle(f"filters of a k-sparse autoencoder with {n_hidden} units ({digits.source})")
plt.show()

# %%
# Reconstructions
# ---------------
# The first test images rebuilt from k units: at k = 10 they become
# prototypes of their class; at k = 70 they keep most of the detail (the
# errors are printed below).
n_show = 8
fig, axes = plt.subplots(len(ks) + 1, n_show, figsize=(n_show, len(ks) + 1.2))
rows = [("x", X_test[:n_show])] + [(f"k = {k}", to_numpy(models[k].reconstruct(X_test[:n_show])))
                                   for k in ks]
for i, (label, images) in enumerate(rows):
    for j in range(n_show):
        axes[i, j].imshow(images[j].reshape(28, 28), cmap="gray", vmin=0, vmax=1)
        axes[i, j].set_axis_off()
    axes[i, 0].text(-4, 14, label, ha="right", va="center")

# %%
# Reconstruction error against k
# ------------------------------
# The squared error per test image, ‖x − x̂‖². It falls steeply at first and
# then slowly: the first units explain the bulk of an image, later ones
# only details.
error = {k: float(((to_numpy(m.reconstruct(X_test)) - X_test) ** 2).sum(axis=1).mean())
         for k, m in models.items()}
for k in ks:
    print(f"k = {k:2d}: test error per image {error[k]:.2f}")
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot(list(error), list(error.values()), marker="o")
ax.set_xlabel("k, units kept per image")
ax.set_ylabel("‖x − x̂‖² per test image")
ax.set_title(digits.source)
fig.tight_layout()

# %%
# Activity histograms (Figure 4)
# ------------------------------
# The paper contrasts the sparsity of k-sparse codes with that of dense
# autoencoders (its Figure 4 shows k = 70 and k = 15; here k = 70 and
# k = 10, two of the models above). Before the selection, the encoder's
# activities z = Wᵀ(x − mean) + b of all units form a broad bump; the
# k-sparse code keeps only the k largest per image and sets the rest to
# exactly 0. The curves count the non-zero activities on a log scale (exact
# zeros are left out, negative values fall outside the axis).
k_large, k_small = ks[0], ks[-1]
m = models[k_large]
z = (X_test - to_numpy(m.mean_)) @ to_numpy(m.W_) + to_numpy(m.b_)  # (n_test, n_hidden)
fig, ax = plt.subplots(figsize=(6, 4))
plot_activation_histograms({
    f"all units before the top-k (k = {k_large} model)": z,
    f"k-sparse code, k = {k_large}": m.transform(X_test),
    f"k-sparse code, k = {k_small}": models[k_small].transform(X_test),
}, ax=ax)
plt.show()
