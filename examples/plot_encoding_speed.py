"""
Encoding speed: the k-sparse encoder against orthogonal matching pursuit
========================================================================

A k-sparse autoencoder finds the sparse code of a signal with one matrix
product and a top-k selection. Classical sparse coding finds it by
optimization: orthogonal matching pursuit (OMP) picks one atom at a time and
re-solves a least-squares problem after each pick, k times. Both give k
non-zeros per signal on the same dictionary.

You will learn what the one-step encoder buys — time, by a large factor —
and what it costs: a larger reconstruction error than OMP's on the same
atoms (about 1.3 times OMP's at the small size, 1.6 times at the classroom
size, on MNIST; §3.2 explains why the two are close).
"""

# %%
# A dictionary learned from digits
# --------------------------------
# A k-sparse autoencoder (centred input) provides the dictionary W; OMP
# works on the same atoms, normalized to unit length as it requires, and on
# the same centred signals x − mean − b′.
import os
import time

import matplotlib.pyplot as plt

import ksparse
from ksparse.backend import to_numpy
from ksparse.classroom import example_size, load_digits, pick
from ksparse.theory import normalize_columns, omp

digits = load_digits(n_train=pick(small=2000, classroom=10000, paper=50000),
                     n_test=pick(small=300, classroom=3000, paper=10000))
X_train, X_test = digits.train[0], digits.test[0]
print(f"size: {example_size()}; backend: {ksparse.get_backend()}; {os.cpu_count()} CPU cores, "
      f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
print(digits.note)

k = pick(small=10, classroom=25, paper=25)
model = ksparse.KSparseAutoencoder(
    n_hidden=pick(small=200, classroom=500, paper=1000), k=k, k_start=4 * k, center=True,
    epochs=pick(small=3, classroom=10, paper=50), random_state=0, verbose=False,
).fit(X_train)
W = normalize_columns(to_numpy(model.W_))  # (784, n_hidden), unit-norm atoms for OMP
offset = to_numpy(model.mean_) + to_numpy(model.b_prime_)  # what the decoder adds back


def encoder(X):
    """The autoencoder's code: the k largest of Wᵀ(x − mean) + b."""
    return model.transform(X)


def pursuit(X):
    """ksparse's batched OMP on the same atoms."""
    return omp(X - offset, W, k).codes


methods = {"k-sparse encoder": encoder, "OMP (ksparse)": pursuit}
try:  # scikit-learn's OMP, when it is installed
    from sklearn.linear_model import orthogonal_mp

    methods["OMP (scikit-learn)"] = lambda X: orthogonal_mp(
        W, (X - offset).T, n_nonzero_coefs=k, precompute=True).T
except ImportError:
    print("scikit-learn is not installed: its OMP is left out.")

# %%
# Time against the number of signals
# ----------------------------------
# Each point is the best of up to three runs (slow ones run once). OMP's
# time grows about linearly with the number of signals; the encoder's grows
# more slowly at these counts, where a fixed cost per call (Python, the
# calls into NumPy) weighs as much as the arithmetic. The gap between the
# encoder and OMP is the price of k rounds of atom selection and least
# squares.
counts = pick(small=(10, 30, 100), classroom=(10, 100, 1000), paper=(10, 100, 1000, 10000))


def best_time(func, X, repeats=3, budget=0.5):
    """Shortest of ``repeats`` runs, stopping early once ``budget`` seconds are spent."""
    times = []
    while len(times) < repeats and sum(times) < budget:
        start = time.perf_counter()
        func(X)
        times.append(time.perf_counter() - start)
    return min(times)


timings = {name: [best_time(func, X_test[:n]) for n in counts] for name, func in methods.items()}
for name, seconds in timings.items():
    print(f"{name:>20s}: " + ", ".join(f"{n} signals {1e3 * s:.1f} ms"
                                       for n, s in zip(counts, seconds)))

fig, ax = plt.subplots(figsize=(6, 4))
for name, seconds in timings.items():
    ax.loglog(counts, seconds, marker="o", label=name)
ax.set(xlabel="number of signals", ylabel="seconds",
       title=f"k = {k} of {W.shape[1]} atoms, {digits.source}")
ax.legend()
fig.tight_layout()

# %%
# What the speed costs
# --------------------
# The reconstruction error of each code on the largest batch. OMP chooses
# atoms with the residual in mind and fits their values exactly, so its error
# is lower; the encoder picks all k at once from Wᵀx. (The encoder's values
# were learned with unnormalized atoms, so its error is measured with them.)
X = X_test[: counts[-1]]
errors = {"k-sparse encoder": ((to_numpy(model.reconstruct(X)) - X) ** 2).sum(axis=1).mean()}
for name in methods:
    if name != "k-sparse encoder":
        codes = to_numpy(methods[name](X))  # (n, n_hidden)
        errors[name] = ((codes @ W.T + offset - X) ** 2).sum(axis=1).mean()
for name, error in errors.items():
    speedup = timings[name][-1] / timings["k-sparse encoder"][-1]
    print(f"{name:>20s}: error per signal {error:.2f}, {speedup:.0f}× the encoder's time")
plt.show()
