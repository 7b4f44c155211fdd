"""CPU/GPU parity for the TopK family, JumpReLU and the fast steps.

``test_gpu_parity.py`` covers the k-sparse model's passes, its gradients and
model files; this module trains every later model (and each model's
``step='sparse'`` path beside its readable ``step='dense'`` one) for one epoch
on NumPy and on CuPy from the same host-drawn weights and minibatch order,
and compares the fitted arrays and the history. The whole module is skipped
when CuPy or a usable GPU is missing.

Float64 throughout, so that a selection (top k of a row, B·k of a batch, the
JumpReLU step H(z − θ)) cannot flip between backends by rounding: the two
sum in a different order (cuBLAS against OpenBLAS) and differ by a few ulps,
about 1e-16 relative, while the data's activities are continuous. Tolerance
after one epoch: 1e-8 relative, as in ``test_gpu_parity.py``.
"""
import numpy as np
import pytest

from ksparse import BatchTopKAutoencoder, JumpReLUAutoencoder, KSparseAutoencoder, TopKAutoencoder
from ksparse.backend import cupy_available, get_array_module, to_numpy, use_backend

pytestmark = pytest.mark.skipif(
    not cupy_available(), reason="CuPy with a usable GPU is not available (KSPARSE gpu extra)"
)

RTOL, ATOL = 1e-8, 1e-10
COMMON = dict(n_hidden=48, epochs=2, batch_size=32, learning_rate=0.01, dtype=np.float64,
              random_state=4)
MODELS = {
    "ksparse-sparse": (KSparseAutoencoder, dict(k=4, step="sparse", optimizer="adam")),
    "ksparse-dense": (KSparseAutoencoder, dict(k=4, step="dense", optimizer="adam")),
    "ksparse-schedule": (KSparseAutoencoder, dict(k=4, k_start=16, optimizer="adam")),
    "topk-sparse": (TopKAutoencoder, dict(k=4)),
    "topk-dense": (TopKAutoencoder, dict(k=4, step="dense")),
    "topk-auxk": (TopKAutoencoder, dict(k=4, aux_k=8, dead_steps=2)),
    "multi-topk": (TopKAutoencoder, dict(k=4, multi_k=16)),
    "matryoshka": (TopKAutoencoder, dict(k=4, prefixes=(12, 24))),
    "matryoshka-weighted": (TopKAutoencoder, dict(k=4, prefixes=(12, 24), prefix_weight=0.4)),
    "batch-topk": (BatchTopKAutoencoder, dict(k=4)),
    "batch-topk-matryoshka": (BatchTopKAutoencoder, dict(k=4, prefixes=(12, 24),
                                                          prefix_weight=0.4)),
    "batch-topk-dense": (BatchTopKAutoencoder, dict(k=4, step="dense")),
    "jumprelu": (JumpReLUAutoencoder, dict(l0_weight=1e-3, bandwidth=0.05, threshold_init=0.05)),
    "jumprelu-dense": (JumpReLUAutoencoder, dict(l0_weight=1e-3, bandwidth=0.05,
                                                 threshold_init=0.05, step="dense")),
    # thresholds high enough that every step's code is sparse: the sparse pass, not its fallback
    "jumprelu-sparse": (JumpReLUAutoencoder, dict(l0_weight=1e-3, bandwidth=0.2, threshold_init=4.0)),
}


def data():
    rng = np.random.default_rng(8)
    atoms = rng.standard_normal((60, 20))  # (n_atoms, n_features)
    codes = rng.uniform(0.5, 1.5, (320, 60)) * (rng.random((320, 60)) < 0.08)
    return codes @ atoms + 0.01 * rng.standard_normal((320, 20))  # (n_samples, n_features)


def fitted_arrays(model):
    """Every learned array (name ending in ``_``) of a fitted model, on the host."""
    return {name: to_numpy(value) for name, value in vars(model).items()
            if name.endswith("_") and hasattr(value, "dtype") and hasattr(value, "shape")}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_two_epochs_agree(name):
    cls, options = MODELS[name]
    X = data()
    cpu = cls(**COMMON, **options).fit(X, X_val=X[:64])
    with use_backend("cupy"):
        gpu = cls(**COMMON, **options).fit(X, X_val=X[:64])
        on_device = {n: get_array_module(getattr(gpu, n)) is not np for n in ("W_", "b_")}
    assert gpu.backend_ == "cupy" and cpu.backend_ == "numpy"
    assert all(on_device.values()), on_device
    expected, got = fitted_arrays(cpu), fitted_arrays(gpu)
    assert sorted(got) == sorted(expected) and "W_" in got
    for array_name, value in expected.items():
        assert got[array_name].dtype == value.dtype, array_name
        np.testing.assert_allclose(got[array_name], value, rtol=RTOL, atol=ATOL, err_msg=array_name)
    assert len(gpu.history_) == len(cpu.history_) == 2
    for mine, theirs in zip(gpu.history_, cpu.history_):
        assert sorted(mine) == sorted(theirs)
        for key, value in theirs.items():
            if isinstance(value, float):
                assert mine[key] == pytest.approx(value, rel=1e-8, abs=1e-12), key
            elif key != "time":
                assert mine[key] == value, key


@pytest.mark.parametrize("name", ["ksparse-sparse", "topk-sparse", "batch-topk", "jumprelu"])
def test_codes_and_scores_of_a_gpu_model_match_the_cpu(name):
    cls, options = MODELS[name]
    X = data()
    cpu = cls(**COMMON, **options).fit(X)
    with use_backend("cupy"):
        gpu = cls(**COMMON, **options).fit(X)
        codes, score = gpu.transform(X), gpu.score(X)
    assert isinstance(codes, np.ndarray)  # NumPy in, NumPy out
    np.testing.assert_allclose(codes, cpu.transform(X), rtol=RTOL, atol=ATOL)
    assert score == pytest.approx(cpu.score(X), rel=1e-8)
