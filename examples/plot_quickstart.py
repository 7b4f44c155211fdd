"""
Quick start: filters from natural-image patches
===============================================

Train a k-sparse autoencoder on 8×8 patches of the photograph that ships
with matplotlib, contrast-normalized and ZCA-whitened as in the paper's
§4.1, and look at what it learned: localized, oriented, Gabor-like filters
(compare with the paper's Figure 3). Runs offline in well under a minute.
"""

# %%
# Data: 40,000 random whitened patches of one photograph.
import ksparse
from ksparse.datasets import load_photo_patches
from ksparse.plotting import plot_filters, plot_training_curves

X, whitener = load_photo_patches(patch_size=8, n_patches=40000, random_state=0)
print(X.shape, X.dtype)

# %%
# The model: 256 atoms, 10 of them active per patch. The sparsity schedule
# starts at k = 40 and reaches 10 halfway through, which keeps every unit
# in use (see the dead-unit count).
model = ksparse.KSparseAutoencoder(
    n_hidden=256, k=10, k_start=40, epochs=30, learning_rate=0.01, random_state=0, verbose=False
)
model.fit(X[:36000], X_val=X[36000:])
last = model.history_[-1]
print(f"validation loss {last['val_loss']:.2f}, dead units {last['dead_units']}")

# %%
# The learned dictionary, one 8×8 filter per atom, each shown at its own contrast.
fig = plot_filters(model.components_, (8, 8), title="k = 10")
fig.savefig("quickstart_filters.png")
fig

# %%
# Training curves: the loss rises while k falls during the first half, then
# decreases at the final sparsity level.
fig = plot_training_curves(model.history_)
fig.savefig("quickstart_curves.png")
fig
