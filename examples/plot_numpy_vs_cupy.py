"""
NumPy or CuPy: the same model on the CPU and on the GPU
=======================================================

Every numerical function of ksparse is written once against an array
module ``xp`` that is NumPy (CPU) or CuPy (GPU); :mod:`ksparse.backend`
chooses. This example times the same training and encoding on both, for a
growing number of hidden units.

You will learn how to switch backends (``KSPARSE_BACKEND``,
:func:`ksparse.use_backend`), why the first GPU call is slow (kernels are
compiled once), and from what size on the GPU pays off. On a machine
without a usable GPU the CuPy half is skipped, and the example says so.
"""

# %%
# Which backends are usable here
# ------------------------------
# :func:`ksparse.backend.cupy_available` imports CuPy and runs a tiny kernel;
# it is False without CuPy, without a GPU, or without a working driver.
import os
import time

import matplotlib.pyplot as plt
import numpy as np

import ksparse
from ksparse.backend import cupy_available, to_numpy
from ksparse.classroom import example_size, pick

backends = ["numpy"] + (["cupy"] if cupy_available() else [])
print(f"size: {example_size()}; {os.cpu_count()} CPU cores, "
      f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
if "cupy" not in backends:
    print("CuPy timing skipped: no usable GPU here (ksparse.backend.cupy_available() is "
          "False). Install ksparse[gpu] on a machine with an NVIDIA GPU to compare.")

# %%
# The workload
# ------------
# Random Gaussian data of MNIST's shape: 784 features of standard deviation
# 0.1 (centred MNIST pixels have about 0.26; the scale does not change the
# time), float32 as on a GPU in practice. Each size is trained for one epoch,
# twice (the second run is timed, see below), and encodes all the rows once.
# Times include moving the data to the device and the results back.
rng = np.random.default_rng(0)
n_examples = pick(small=2048, classroom=20000, paper=60000)
X = (0.1 * rng.standard_normal((n_examples, 784))).astype(np.float32)
hidden_sizes = pick(small=(100, 400), classroom=(250, 1000, 2000), paper=(1000, 4000, 16000))


def train_and_encode(n_hidden):
    """Seconds for one epoch of fit and for transform on all of X."""
    model = ksparse.KSparseAutoencoder(n_hidden=n_hidden, k=25, epochs=1, batch_size=256,
                                       random_state=0, verbose=False)
    start = time.perf_counter()
    model.fit(X)
    fitted = time.perf_counter()
    to_numpy(model.transform(X))  # back on the host: the GPU has finished
    return fitted - start, time.perf_counter() - fitted


# Each size runs twice and the second run is timed: CuPy compiles some of its
# kernels for each new shape on first use (on an H200, at the classroom size:
# 6 s for the first epoch of the 1000-unit model, a third of a second once
# compiled; see the performance page), and a first run would time the
# compiler, not the GPU.
timings = {}
for backend in backends:
    timings[backend] = []
    with ksparse.use_backend(backend):
        for h in hidden_sizes:
            first_fit_s, _ = train_and_encode(h)  # includes compiling, on CuPy
            fit_s, enc_s = train_and_encode(h)
            timings[backend].append((fit_s, enc_s))
            print(f"{backend:>5s}, {h:5d} hidden units: one epoch {fit_s:.3f} s "
                  f"(first run {first_fit_s:.3f} s), encoding {enc_s:.3f} s "
                  f"({X.shape[0]} examples)")

# %%
# Time against model size
# -----------------------
# On the CPU the encoding time grows about in proportion to the hidden units
# (the product Wᵀx dominates). A training epoch grows more slowly: after
# that product the sparse step touches only the k selected atoms of each
# row, whatever the number of units (one thread, classroom size: 8 times
# the units took about 3.5 times as long to train, 7 times as long to
# encode). A GPU runs the same products in parallel, so its curve, where
# there is one, sits lower and rises later: the larger the model, the more
# it gains.
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharex=True)
for ax, task, column in zip(axes, ("one training epoch", "encoding"), (0, 1)):
    for backend, rows in timings.items():
        ax.loglog(hidden_sizes, [r[column] for r in rows], marker="o", label=backend)
    ax.set(xlabel="hidden units", ylabel="seconds", title=task)
    ax.legend()
if "cupy" not in backends:
    axes[0].text(0.5, 0.9, "CuPy skipped: no usable GPU", transform=axes[0].transAxes,
                 ha="center", color="tab:red")
fig.tight_layout()
if "cupy" in backends:
    for h, cpu, gpu in zip(hidden_sizes, timings["numpy"], timings["cupy"]):
        print(f"{h:5d} hidden units: GPU speed-up {cpu[0] / gpu[0]:.1f}× for training, "
              f"{cpu[1] / gpu[1]:.1f}× for encoding")
plt.show()
