"""Property-based tests (hypothesis) of the k-sparse model: the masked backward
and transform sparsity (ksparse.models.k_sparse).

The gradients are checked against central finite differences in float64, the
selected units against a stable sort (``_numerical.sort_reference_mask``).
Example counts are kept small so that the file runs in a few seconds.
"""
import numpy as np
import pytest
from _numerical import autoencoder_params, numerical_gradient, sort_reference_mask
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ksparse import KSparseAutoencoder
from ksparse.models import k_sparse as F

# Hypothesis examples per test, listed here so the total is easy to read off.
N_GRADS = 150
N_TRANSFORM = 40

FAST = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------- gradients, float64 FD

GAP = 1e-3  # least distance between the k-th and (k+1)-th activity of a row
EPS = 1e-6  # finite-difference step; moves any activity by far less than GAP


def make_problem(seed, n, n_features, n_hidden, tied, duplicate):
    rng = np.random.default_rng(seed)
    params = autoencoder_params(rng, n_features, n_hidden, tied)
    if duplicate:
        # Units 0 and 1 are copies, so their activities tie in every row.
        params["W"][:, 1] = params["W"][:, 0]
        params["b"][1] = params["b"][0]
        if not tied:
            params["P"][1] = params["P"][0]
    return params, rng.standard_normal((n, n_features))


def activities(params, X, pre_bias):
    W_enc = params["W"] if "P" not in params else params["P"].T
    X_in = X - params["b_prime"] if pre_bias else X
    return X_in @ W_enc + params["b"]  # (n, n_hidden)


def selection_margin(z, k):
    """Smallest gap between the k-th and (k+1)-th largest activity over rows."""
    if k == z.shape[1]:
        return np.inf
    ordered = -np.sort(-z, axis=1)  # (n, n_hidden), descending
    return float((ordered[:, k - 1] - ordered[:, k]).min())


def central_differences(params, X, k, pre_bias, name):
    return numerical_gradient(lambda: F.loss_and_grads(params, X, k, pre_bias)[0],
                              params[name], EPS)


@settings(max_examples=N_GRADS, **FAST)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 4),
    n_features=st.integers(1, 4),
    n_hidden=st.integers(2, 6),
    k_frac=st.floats(0.0, 1.0),
    tied=st.booleans(),
    pre_bias=st.booleans(),
    duplicate=st.booleans(),
)
def test_masked_backward_matches_finite_differences(seed, n, n_features, n_hidden, k_frac,
                                                    tied, pre_bias, duplicate):
    k = 1 + int(k_frac * (n_hidden - 1))
    params, X = make_problem(seed, n, n_features, n_hidden, tied, duplicate)
    z = activities(params, X, pre_bias)
    # Only where the selection cannot flip under a step of EPS is the loss
    # differentiable; a tie across the k-th place is rejected here.
    assume(selection_margin(z, k) > GAP)
    loss, grads, mask = F.loss_and_grads(params, X, k, pre_bias)
    np.testing.assert_array_equal(mask, sort_reference_mask(z, k))
    assert sorted(grads) == sorted(params)
    for name in params:
        expected = central_differences(params, X, k, pre_bias, name)
        np.testing.assert_allclose(grads[name], expected, rtol=1e-5, atol=1e-7, err_msg=name)


# ------------------------------------------------------------------ transform


@settings(max_examples=N_TRANSFORM, **FAST)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_hidden=st.integers(1, 12),
    k_frac=st.floats(0.0, 1.0),
    alpha=st.floats(1.0, 4.0),
    zero_rows=st.booleans(),
)
def test_transform_keeps_at_most_round_alpha_k_units(seed, n_hidden, k_frac, alpha, zero_rows):
    k = 1 + int(k_frac * (n_hidden - 1))
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((30, 5))
    model = KSparseAutoencoder(n_hidden=n_hidden, k=k, alpha=alpha, epochs=1, batch_size=10,
                               random_state=seed)
    n_active = int(round(alpha * k))
    if n_active > n_hidden:
        with pytest.raises(ValueError, match="alpha"):
            model.fit(X)
        return
    model.fit(X)
    X_new = rng.standard_normal((7, 5)) * 3
    if zero_rows:
        X_new[::2] = 0.0  # every unit of such a row sees only its bias: ties
    H = model.transform(X_new)
    assert H.shape == (7, n_hidden)
    assert ((H != 0).sum(axis=1) <= n_active).all()
    # The kept entries are the n_active largest activities, unchanged.
    z = X_new @ model.W_ + model.b_
    keep = sort_reference_mask(z, n_active)
    np.testing.assert_array_equal(H, np.where(keep, z, 0.0))
