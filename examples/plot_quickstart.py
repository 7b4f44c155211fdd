"""
Quick start: a k-sparse autoencoder on MNIST
============================================

Train a k-sparse autoencoder (Makhzani & Frey, 2013) on handwritten digits,
look at the dictionary it learns and at its reconstructions, then use its
sparse codes as features for a softmax regression, as the paper's §4.4 does.

You will learn the whole workflow of the package in four calls —
:class:`ksparse.KSparseAutoencoder` ``.fit``, ``.reconstruct``,
``.transform`` and :class:`ksparse.SoftmaxRegression` — and what "sparse
features" look like: of the hidden units, only the k with the largest
activity describe an image.

The sizes follow ``KSPARSE_EXAMPLE_SIZE`` (``small``, ``classroom``, the
default, or ``paper``); without the MNIST files the example runs on an
offline substitute and says so.
"""

# %%
# The data
# --------
# :func:`ksparse.classroom.load_digits` reads MNIST where
# :func:`ksparse.datasets.load_mnist` finds it (``KSPARSE_DATA``, the user
# cache, ...) and never downloads; without it, glyph digits drawn from
# matplotlib's fonts stand in. Pixels are in [0, 1], one image per row.
#
# MNIST's own *validation* split (the last 10,000 training images, which
# the paper does not train on) is where training is watched. The test images
# are kept apart and used only for the final numbers, so that nothing in this
# example is tuned on them.
import matplotlib.pyplot as plt
import numpy as np

import ksparse
from ksparse.backend import to_numpy
from ksparse.classroom import example_size, load_digits, pick
from ksparse.plotting import plot_filters

size = example_size()
digits = load_digits(n_train=pick(small=3000, classroom=20000, paper=50000),
                     n_val=pick(small=500, classroom=2000, paper=5000),
                     n_test=pick(small=1000, classroom=10000, paper=10000))
(X_train, y_train), (X_test, y_test) = digits.train, digits.test
X_val = digits.val[0]
print(f"size: {size}; backend: {ksparse.get_backend()}")
print(digits.note)
print(f"training images {X_train.shape}, validation images {X_val.shape}, "
      f"test images {X_test.shape}")

# %%
# Train the autoencoder
# ---------------------
# Each image x is encoded as z = Wᵀx + b; only the k largest entries of z
# are kept, and the image is rebuilt as x̂ = W z_Γ + b′ (§2.2). ``k_start``
# is the paper's sparsity schedule: k falls from 4k to k during the first
# half of training (§4.2.1); ``lr_end`` lowers the learning rate linearly
# (§4.2.2). One setting is not in the paper but makes it work on raw pixels:
# ``center=True`` subtracts the mean image first (without it many units die,
# see :ref:`sphx_glr_auto_examples_plot_dead_units.py`).
n_hidden = pick(small=200, classroom=500, paper=1000)
k = 25
model = ksparse.KSparseAutoencoder(
    n_hidden=n_hidden, k=k, k_start=min(4 * k, n_hidden), alpha=3.0, center=True,
    epochs=pick(small=4, classroom=15, paper=200), learning_rate=0.01, lr_end=0.001,
    random_state=0, verbose=False,
)
model.fit(X_train, X_val=X_val)
last = model.history_[-1]
print(f"{n_hidden} hidden units, k = {k}: validation error per image {last['val_loss']:.2f}, "
      f"dead units {last['dead_units']}")

# %%
# The dictionary
# --------------
# Every column of W is an atom, shown here as a 28×28 image (white positive,
# black negative). With k = 25 the atoms are pieces of strokes: an image is
# rebuilt as the mean image plus a weighted sum of 25 of them (and b′).
shown = min(n_hidden, 100)
fig, ax = plt.subplots(figsize=(6, 6))
plot_filters(model.components_[:shown], (28, 28), ax=ax,
             title=f"first {shown} of {n_hidden} atoms, k = {k}")
plt.show()

# %%
# Reconstructions
# ---------------
# Top row: test images; bottom row: x̂ rebuilt from only k = 25 atoms each.
X_hat = to_numpy(model.reconstruct(X_test[:10]))  # (10, 784)
fig, axes = plt.subplots(2, 10, figsize=(10, 2.3))
for j in range(10):
    for row, image in enumerate((X_test[j], X_hat[j])):
        axes[row, j].imshow(image.reshape(28, 28), cmap="gray", vmin=0, vmax=1)
        axes[row, j].set_axis_off()
axes[0, 0].set_title("x", loc="left")
axes[1, 0].set_title("x̂", loc="left")
plt.show()

# %%
# Sparse features for a classifier
# --------------------------------
# At test time the paper keeps the α·k largest units (here α = 3, so 75 of
# the hidden units) to form the features h. A softmax regression on h is
# compared with one on the raw pixels.
H_train = to_numpy(model.transform(X_train))  # (n_train, n_hidden), 75 non-zeros a row
H_test = to_numpy(model.transform(X_test))
scale = 1.0 / np.sqrt(np.mean(H_train[H_train != 0] ** 2))  # non-zero features get RMS 1
print(f"non-zeros per row: {np.count_nonzero(H_train, axis=1).mean():.0f} of {n_hidden}")

errors = {}
for name, (A, B) in {"raw pixels": (X_train, X_test),
                     "k-sparse features": (H_train * scale, H_test * scale)}.items():
    clf = ksparse.SoftmaxRegression(l2=1e-4, max_iter=500)
    errors[name] = 100 * (1 - clf.fit(A, y_train).score(B, y_test))
    print(f"{name:>18s}: test error {errors[name]:.2f} %")

fig, ax = plt.subplots(figsize=(5, 3))
ax.barh(list(errors), list(errors.values()), color=["gray", "tab:blue"])
ax.set_xlabel(f"test error (%), {digits.source}")
for i, value in enumerate(errors.values()):
    ax.text(value, i, f" {value:.2f} %", va="center")
ax.set_xlim(0, 1.25 * max(errors.values()))
fig.tight_layout()

# %%
# What next
# ---------
# The paper's Table 1 reaches 1.35 % with 1000 units and k = 25 on the full
# MNIST (``KSPARSE_EXAMPLE_SIZE=paper``; ``ksparse reproduce table1`` runs the
# whole protocol). The other examples take the model apart: what k does,
# why units die, and why the encoder is a step of sparse coding.
plt.show()
