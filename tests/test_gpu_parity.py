"""CPU/GPU parity: the same computations on NumPy and CuPy agree.

Forward pass, top-k selection, gradients, one epoch of training, and model
files saved on one backend and loaded on the other. The whole module is
skipped when CuPy or a usable GPU is missing. CuPy is never imported here:
it is reached through ``use_backend("cupy")``, which yields the module.

Tolerances (relative, with a small absolute floor for entries near zero):

* float64: 1e-10 for single passes and 1e-8 after an epoch. Both backends
  round correctly to about 1e-16 but sum in a different order (cuBLAS versus
  OpenBLAS blocking), so results differ by a few ulps per operation.
* float32: 1e-4 for single passes and 1e-3 after an epoch, the same ulp
  differences at float32's ~6e-8 resolution, grown by the reductions over
  the batch and by the updates of an epoch.

Top-k masks are compared exactly: on tie-free data the order of the
activities does not depend on the last bits, and ties go to the lower index
on both backends.
"""
import numpy as np
import pytest

import ksparse
from ksparse import KSparseAutoencoder
from ksparse.models import k_sparse as F
from ksparse.nn import affine, squared_error
from ksparse.nn.encoder_decoder import decode
from ksparse.backend import cupy_available, get_array_module, to_device, to_numpy, use_backend
from ksparse.fast.topk_threshold import topk_mask_by_bisection
from ksparse.nn.supp_k import topk_mask
from _numerical import autoencoder_params

pytestmark = pytest.mark.skipif(
    not cupy_available(), reason="CuPy with a usable GPU is not available (KSPARSE gpu extra)"
)

# (rtol, atol) per dtype for one pass and for one epoch; see the module docstring.
PASS_TOL = {np.float64: (1e-10, 1e-12), np.float32: (1e-4, 1e-5)}
EPOCH_TOL = {np.float64: (1e-8, 1e-10), np.float32: (1e-3, 1e-4)}
DTYPES = [np.float64, np.float32]


def gpu():
    """Context manager switching to CuPy; yields the cupy module."""
    return use_backend("cupy")


def on_gpu(a):
    return get_array_module(a) is not np


def assert_close(gpu_array, cpu_array, tol):
    assert on_gpu(gpu_array)
    rtol, atol = tol
    np.testing.assert_allclose(to_numpy(gpu_array), cpu_array, rtol=rtol, atol=atol)


def tie_free_problem(dtype, n=64, n_features=12, n_hidden=40, tied=True, seed=0):
    """Random parameters and data; rows' activities are distinct in float32."""
    rng = np.random.default_rng(seed)
    params = autoencoder_params(rng, n_features, n_hidden, tied, dtype, scale=0.3)
    X = rng.standard_normal((n, n_features)).astype(dtype)
    return params, X


def margin_ok(z, k, gap):
    """Whether every row's k-th and (k+1)-th activity differ by more than gap."""
    ordered = -np.sort(-np.asarray(z, dtype=np.float64), axis=1)
    return bool((ordered[:, k - 1] - ordered[:, k] > gap).all())


@pytest.mark.parametrize("dtype", DTYPES)
def test_forward_pass_agrees(dtype):
    params, X = tie_free_problem(dtype)
    z = affine(X, params["W"], params["b"])  # (n, n_hidden)
    x_hat = decode(z, params["W"], params["b_prime"])
    with gpu() as cp:
        Xg = to_device(X, cp)
        Wg, bg, bpg = (to_device(params[n], cp) for n in ("W", "b", "b_prime"))
        zg = affine(Xg, Wg, bg)
        x_hat_g = decode(zg, Wg, bpg)
        assert zg.dtype == dtype and x_hat_g.dtype == dtype
        assert_close(zg, z, PASS_TOL[dtype])
        assert_close(x_hat_g, x_hat, PASS_TOL[dtype])
        loss_g = float(squared_error(x_hat_g, Xg))
    assert loss_g == pytest.approx(float(squared_error(x_hat, X)), rel=PASS_TOL[dtype][0])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k", [1, 5, 39, 40])
def test_topk_selection_is_identical_on_tie_free_data(dtype, k):
    rng = np.random.default_rng(k)
    z = rng.standard_normal((300, 40)).astype(dtype)  # continuous: no ties
    assert all(len(np.unique(row)) == row.size for row in z)
    mask = topk_mask(z, k)
    with gpu() as cp:
        mask_g = topk_mask(to_device(z, cp), k)
        assert on_gpu(mask_g) and mask_g.dtype == bool
        np.testing.assert_array_equal(to_numpy(mask_g), mask)


@pytest.mark.parametrize("k", [1, 3, 7])
def test_topk_ties_go_to_the_lower_index_on_both_backends(k):
    # Few distinct values: ties at the threshold in most rows.
    z = np.random.default_rng(1).integers(-2, 3, (200, 9)).astype(np.float32)
    mask = topk_mask(z, k)
    with gpu() as cp:
        np.testing.assert_array_equal(to_numpy(topk_mask(to_device(z, cp), k)), mask)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("tied", [True, False])
@pytest.mark.parametrize("pre_bias", [False, True])
def test_gradients_agree(dtype, tied, pre_bias):
    k = 6
    params, X = tie_free_problem(dtype, tied=tied)
    W_enc = params["W"] if tied else params["P"].T
    X_in = X - params["b_prime"] if pre_bias else X
    # A selection that could flip by rounding would compare different
    # functions; the seed below gives a margin far above float32 rounding.
    assert margin_ok(X_in @ W_enc + params["b"], k, gap=1e-4)
    loss, grads, mask = F.loss_and_grads(params, X, k, pre_bias)
    with gpu() as cp:
        params_g = {name: to_device(p, cp) for name, p in params.items()}
        loss_g, grads_g, mask_g = F.loss_and_grads(params_g, to_device(X, cp), k, pre_bias)
        np.testing.assert_array_equal(to_numpy(mask_g), mask)
        assert sorted(grads_g) == sorted(grads)
        for name in grads:
            assert grads_g[name].dtype == dtype
            assert_close(grads_g[name], grads[name], PASS_TOL[dtype])
        assert float(loss_g) == pytest.approx(float(loss), rel=PASS_TOL[dtype][0])


def fit_settings(**kwargs):
    settings = dict(n_hidden=32, k=4, epochs=1, batch_size=25, learning_rate=0.01,
                    random_state=3)
    settings.update(kwargs)
    return settings


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("options", [dict(), dict(tied=False), dict(optimizer="adam"),
                                     dict(input_dropout=0.2)],
                         ids=["tied", "untied", "adam", "denoising"])
def test_one_epoch_of_training_agrees(dtype, options):
    X = np.random.default_rng(5).standard_normal((200, 16)).astype(dtype)
    cpu = KSparseAutoencoder(**fit_settings(**options)).fit(X, X_val=X[:40])
    with gpu():
        gpu_model = KSparseAutoencoder(**fit_settings(**options)).fit(X, X_val=X[:40])
    assert gpu_model.backend_ == "cupy" and cpu.backend_ == "numpy"
    # Same host-drawn initial weights and minibatch order, so same trajectory.
    names = ["W_", "b_", "b_prime_"] + ([] if options.get("tied", True) else ["P_"])
    for name in names:
        assert getattr(gpu_model, name).dtype == dtype
        assert_close(getattr(gpu_model, name), getattr(cpu, name), EPOCH_TOL[dtype])
    for key in ("loss", "val_loss"):
        assert gpu_model.history_[0][key] == pytest.approx(cpu.history_[0][key],
                                                           rel=EPOCH_TOL[dtype][0])
    assert gpu_model.history_[0]["dead_units"] == cpu.history_[0]["dead_units"]
    # NumPy in, NumPy out, from a model living on the GPU. Rows whose k-th and
    # (k+1)-th activities are within 1e-4 (far above the rounding differences)
    # could select differently on the two backends; they are left out.
    H = gpu_model.transform(X)
    assert not on_gpu(H)
    z = X.astype(np.float64) @ cpu.encoder_layer().W + cpu.b_  # (n, n_hidden)
    ordered = -np.sort(-z, axis=1)
    clear = ordered[:, cpu.k - 1] - ordered[:, cpu.k] > 1e-4
    assert clear.mean() > 0.5
    np.testing.assert_allclose(H[clear], cpu.transform(X)[clear], *EPOCH_TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_saved_on_gpu_loads_on_cpu(tmp_path, dtype):
    X = np.random.default_rng(6).standard_normal((100, 10)).astype(dtype)
    path = tmp_path / "gpu.npz"
    with gpu():
        model = KSparseAutoencoder(**fit_settings(tied=False)).fit(X)
        model.save(path)
        expected = {n: to_numpy(getattr(model, n)) for n in ("W_", "b_", "b_prime_", "P_")}
        codes_gpu = model.transform(X)
    loaded = ksparse.load(path)  # the NumPy backend is in use here
    assert loaded.backend_ == "cupy"  # where it was trained, as recorded
    for name, array in expected.items():
        value = getattr(loaded, name)
        assert not on_gpu(value) and value.dtype == dtype
        np.testing.assert_array_equal(value, array)  # saving copies bits exactly
    np.testing.assert_allclose(loaded.transform(X), codes_gpu, *PASS_TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_saved_on_cpu_loads_on_gpu(tmp_path, dtype):
    X = np.random.default_rng(7).standard_normal((100, 10)).astype(dtype)
    model = KSparseAutoencoder(**fit_settings()).fit(X)
    path = tmp_path / "cpu.npz"
    model.save(path)
    with gpu() as cp:
        loaded = ksparse.load(path)
        assert loaded.backend_ == "numpy"
        for name in ("W_", "b_", "b_prime_"):
            value = getattr(loaded, name)
            assert on_gpu(value) and value.dtype == dtype
            np.testing.assert_array_equal(cp.asnumpy(value), getattr(model, name))
        codes = loaded.transform(to_device(X, cp))  # CuPy in, CuPy out
        assert on_gpu(codes)
        assert_close(codes, model.transform(X), PASS_TOL[dtype])


@pytest.mark.parametrize("ties", [False, True])
def test_top_k_by_bisection_on_the_gpu_agrees_with_the_cpu(ties):
    rng = np.random.default_rng(2)
    z = rng.standard_normal((200, 40)).astype(np.float32)
    z = np.round(z) if ties else z
    mask = topk_mask(z, 5)
    with gpu() as cp:
        mask_g = topk_mask_by_bisection(to_device(z, cp), 5)
        np.testing.assert_array_equal(to_numpy(mask_g), mask)


def test_the_device_side_finiteness_check_stops_at_the_first_bad_step():
    X = np.random.default_rng(6).standard_normal((200, 16)).astype(np.float32)

    def poisoned(check_every):
        model = KSparseAutoencoder(**fit_settings(epochs=2, check_every=check_every))
        inner = model._training_step

        def step(params, *batch, **kwargs):
            loss, grads, aux = inner(params, *batch, **kwargs)
            return (loss * np.nan if kwargs["step"] == 11 else loss), grads, aux

        model._training_step = step
        with pytest.raises(ksparse.NonFiniteLossError, match=r"step 11\b") as info:
            model.fit(X)
        return model, str(info.value)

    with gpu():
        per_step, message = poisoned(1)
        deferred, deferred_message = poisoned(None)  # the GPU default: read every 50 steps
    assert deferred_message == message
    for name in ("W_", "b_", "b_prime_"):
        assert_close(getattr(deferred, name), to_numpy(getattr(per_step, name)),
                     PASS_TOL[np.float32])
