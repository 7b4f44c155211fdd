"""
k-sparse against the KL-penalty sparse autoencoder
==================================================

Most courses teach the sparse autoencoder with a KL-divergence penalty:
ReLU hidden units, a sigmoid decoder, and λ Σ_j KL(ρ ‖ ρ̂_j) pulling each
unit's *average* activity ρ̂_j towards a small target ρ = 0.05. The k-sparse
autoencoder instead keeps exactly the k largest units of *every* example.

You will learn what "sparse" means for each, by training both the same way
(same loop, same data, same number of hidden units) and comparing how many
units an image uses, how evenly the units share the work, and how well each
reconstructs. The KL model follows the classroom tutorial: 64 hidden units,
ρ = 0.05, λ = 0.1, Adam, batch 256.

The sizes follow ``KSPARSE_EXAMPLE_SIZE`` (``small``, ``classroom``, the
default, or ``paper``); without the MNIST files the example runs on an
offline substitute and says so.
"""

# %%
# The data
# --------
# MNIST's own validation split (images the models never train on) is where
# training is watched; the test images are used only for the comparison
# itself, once both models are trained.
import matplotlib.pyplot as plt
import numpy as np

import ksparse
from ksparse.backend import to_numpy
from ksparse.classroom import example_size, load_digits, pick
from ksparse.plotting.models import plot_mean_activation, plot_model_reconstructions

digits = load_digits(n_train=pick(small=3000, classroom=20000, paper=50000),
                     n_val=pick(small=500, classroom=2000, paper=5000),
                     n_test=pick(small=1000, classroom=5000, paper=10000))
# the labels are not used
X_train, X_val, X_test = digits.train[0], digits.val[0], digits.test[0]
print(f"size: {example_size()}; backend: {ksparse.get_backend()}")
print(digits.note)

# %%
# Two models, one loop
# --------------------
# Both are estimators of the same family: ``fit`` runs the same minibatch
# loop with Adam, ``transform`` gives the codes, ``reconstruct`` the images.
epochs = pick(small=3, classroom=15, paper=50)
common = dict(n_hidden=64, epochs=epochs, batch_size=256, optimizer="adam",
              learning_rate=1e-3, random_state=0, verbose=False)
kl = ksparse.KLSparseAutoencoder(sparsity_target=0.05, sparsity_weight=0.1, **common)
ks = ksparse.KSparseAutoencoder(k=5, center=True, **common)
for model in (kl, ks):
    model.fit(X_train, X_val=X_val)
    test_error = ((to_numpy(model.reconstruct(X_test)) - X_test) ** 2).sum(axis=1).mean()
    print(f"{type(model).__name__:22s} reconstruction error per image: "
          f"validation {model.history_[-1]['val_loss']:.2f}, test {test_error:.2f}")

# %%
# How many units does one image use?
# ----------------------------------
# The k-sparse code has exactly k non-zeros per image. The KL code is sparse
# only on average: ReLU units are exactly zero on some images, but how many
# fire varies from image to image.
H_kl, H_ks = to_numpy(kl.transform(X_test)), to_numpy(ks.transform(X_test))
active_kl, active_ks = (H_kl > 0).sum(axis=1), (H_ks != 0).sum(axis=1)
print(f"KL:       {active_kl.mean():.1f} active units per image "
      f"(from {active_kl.min()} to {active_kl.max()})")
print(f"k-sparse: {active_ks.mean():.1f} active units per image (always k = {ks.k})")
print(f"mean activity per unit (KL), target ρ = 0.05: median {np.median(H_kl.mean(axis=0)):.3f}")

fig, ax = plt.subplots(figsize=(6, 3))
bins = np.arange(0, 65) - 0.5
ax.hist(active_kl, bins=bins, alpha=0.7, label="KL sparse")
ax.hist(active_ks, bins=bins, alpha=0.7, label="k-sparse")
ax.set_xlabel("active hidden units per image")
ax.set_ylabel("images")
ax.legend()
fig.tight_layout()

# %%
# How evenly do the units share the work?
# ---------------------------------------
# Mean activation of every hidden unit, sorted: the penalty pulls every unit
# towards the same small average; the k-sparse model lets the units' usage
# differ as long as each image uses k of them.
fig, axes = plt.subplots(1, 2, figsize=(9, 3))
plot_mean_activation(kl, X_test, ax=axes[0])
axes[0].set_title("KL sparse autoencoder")
plot_mean_activation(ks, X_test, ax=axes[1])
axes[1].set_title(f"k-sparse autoencoder, k = {ks.k}")
fig.tight_layout()

# %%
# Reconstructions
# ---------------
# Originals above, reconstructions below, for each model.
plot_model_reconstructions(kl, X_test[:8], shape=(28, 28)).suptitle("KL sparse autoencoder")
plot_model_reconstructions(ks, X_test[:8], shape=(28, 28)).suptitle("k-sparse autoencoder")
plt.show()
