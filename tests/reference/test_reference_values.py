"""The published reference values (docs/reference_values.rst): the library, and an independent float64 implementation, against one file.

The inputs and expected outputs live in ``docs/_static/reference_values.json``,
which the documentation page shows as it is, so the page and these tests
cannot drift apart.
"""
import json

import numpy as np
import pytest
from _reference_independent import FUNCTIONS, JSON_PATH

from ksparse.lab import fvu as lab_fvu
from ksparse.models import batch_topk, k_sparse, topk
from ksparse.nn.squared_error import fraction_of_variance_unexplained

DATA = json.loads(JSON_PATH.read_text())
CASES = DATA["cases"]


def _inputs(name):
    return {key: np.asarray(v, dtype=float) if isinstance(v, list) else v
            for key, v in CASES[name]["inputs"].items()}


def _check(name, actual):
    """Every expected output of a case against ``actual`` (a dict with the same keys)."""
    for key, expected in CASES[name]["expected"].items():
        np.testing.assert_allclose(np.asarray(actual[key], dtype=float), expected,
                                   rtol=DATA["rtol"], atol=DATA["atol"], err_msg=f"{name}: {key}")


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_independent_implementation_gives_the_published_numbers(name):
    _check(name, FUNCTIONS[name](CASES[name]["inputs"]))


def test_k_sparse_loss_and_gradients():
    c = _inputs("k_sparse")
    params = {"W": c["W"], "b": c["b"], "b_prime": c["b_prime"]}
    loss, grads, _ = k_sparse.loss_and_grads(params, c["X"], c["k"])
    _check("k_sparse", dict(loss=loss, dW=grads["W"], db=grads["b"], db_prime=grads["b_prime"]))


def _topk_recipe(c, aux_weight):
    params = {key: c[key] for key in ("W", "P", "b", "b_prime")}
    return topk.topk_recipe_loss_and_grads(params, c["X"], c["k"], np.asarray(c["dead"]),
                                           c["aux_k"], aux_weight, pre_bias=True)


def test_topk_auxk_with_a_detached_residual():
    c = _inputs("topk_auxk")
    loss, grads, _ = _topk_recipe(c, c["aux_weight"])
    main = _topk_recipe(c, 0.0)[0]
    _check("topk_auxk", dict(loss=loss, aux_loss=(loss - main) / c["aux_weight"], dW=grads["W"],
                             dP=grads["P"], db=grads["b"], db_prime=grads["b_prime"]))


def test_the_auxk_case_really_uses_auxk():
    # both dead latents reconstruct some residual, and the live latent 1 never fires
    expected = CASES["topk_auxk"]["expected"]
    assert expected["aux_loss"] > 0
    assert all(abs(v) > 1e-6 for v in expected["db"][2:]) and expected["db"][1] == 0.0


def test_fvu_around_the_mean():
    c = _inputs("fvu")
    value = fraction_of_variance_unexplained(c["X_hat"], c["X"])
    _check("fvu", dict(fvu=value, fvu_around_zero=CASES["fvu"]["expected"]["fvu_around_zero"]))
    np.testing.assert_allclose(lab_fvu(c["X_hat"], c["X"]), 1.25 / 28, rtol=1e-12)  # by hand
    np.testing.assert_allclose(value, 1.25 / 28, rtol=1e-12)


def test_batch_topk_threshold():
    c = _inputs("batch_topk_threshold")
    n_hidden = c["Z"].shape[1]
    # identity weights and zero biases make the encoder's z the given Z
    params = {"W": np.eye(n_hidden), "P": np.eye(n_hidden), "b": np.zeros(n_hidden),
              "b_prime": np.zeros(n_hidden)}
    _, _, mask, smallest = batch_topk.batch_topk_loss_and_grads(
        params, c["Z"], c["k"], np.zeros(n_hidden, dtype=bool), 1, 0.0)
    theta = batch_topk.update_threshold(np.float64(c["theta"]), smallest, c["rate"])
    _check("batch_topk_threshold", dict(kept_per_row=mask.sum(axis=1), smallest=smallest,
                                        theta_next=theta))
    assert float(theta) == pytest.approx(0.5 + 0.01 * (0.7 - 0.5), abs=1e-15)  # by hand
