"""The published reference values (docs/reference_values.rst): the library, and an independent float64 implementation, against one file.

The inputs and expected outputs live in ``docs/_static/reference_values.json``,
which the documentation page shows as it is, so the page and these tests
cannot drift apart.
"""
import json

import numpy as np
import pytest
from _reference_independent import FUNCTIONS, JSON_PATH

from ksparse.fast.topk_codes import topk_codes
from ksparse.fast.topk_step import sparse_recipe_loss_and_grads
from ksparse.lab import fvu as lab_fvu
from ksparse.models import batch_topk, jumprelu, k_sparse, topk
from ksparse.nn.affine import affine
from ksparse.nn.encoder_decoder import encoder_input
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


def _z(c):
    """The pre-activations z = P(x − b′) + b of a case's rows."""
    return affine(encoder_input(c["X"], c, pre_bias=True), c["P"].T, c["b"])


def _gradients(grads):
    return dict(dW=grads["W"], dP=grads["P"], db=grads["b"], db_prime=grads["b_prime"])


def _jumprelu(c, kernel):
    params = {key: c[key] for key in ("W", "P", "b", "b_prime", "theta")}
    return jumprelu.jumprelu_loss_and_grads(params, c["X"], c["l0_weight"], c["bandwidth"], kernel)


def test_jumprelu_code_loss_and_straight_through_gradients():
    c = _inputs("jumprelu")
    loss, grads, active = _jumprelu(c, "rectangle")
    _, triangle, _ = _jumprelu(c, "triangle")
    _check("jumprelu", dict(f=_z(c) * active, l0=active.sum() / len(c["X"]), loss=loss,
                            dtheta_rectangle=grads["theta"], dtheta_triangle=triangle["theta"],
                            **_gradients(grads)))
    for key in ("W", "P", "b", "b_prime"):  # the kernel reaches θ only
        np.testing.assert_array_equal(triangle[key], grads[key], err_msg=key)


def test_the_jumprelu_case_pins_both_windows():
    c = _inputs("jumprelu")
    u = np.abs(_z(c) - c["theta"]) / c["bandwidth"]  # (n_samples, n_hidden)
    kept = _z(c) > c["theta"]
    # inside the rectangle's window on both sides of θ, in the triangle's only, and outside both
    assert (kept & (u < 0.5)).any() and (~kept & (u < 0.5)).any()
    assert ((0.5 < u) & (u < 1)).any() and (u > 1).any()
    assert np.abs(u - 0.5).min() > 0.05 and np.abs(u - 1).min() > 0.05  # no entry near an edge
    expected = CASES["jumprelu"]["expected"]
    assert expected["dtheta_rectangle"][1] == 0.0 and expected["dtheta_triangle"][1] != 0.0


def _topk_family(c, step, multi_k=None, prefixes=None):
    """TopK recipe (pre-bias, no AuxK): loss and gradients by the readable or the sparse step."""
    params = {key: c[key] for key in ("W", "P", "b", "b_prime")}
    dead, weight = np.zeros(c["W"].shape[1], dtype=bool), c.get("multi_k_weight", 1.0 / 8)
    if step == "dense":
        return topk.topk_recipe_loss_and_grads(params, c["X"], c["k"], dead, 1, 0.0, True,
                                               multi_k, weight, prefixes)[:2]
    codes = lambda z: topk_codes(z, c["k"], multi_k, weight, prefixes)  # noqa: E731
    return sparse_recipe_loss_and_grads(params, c["X"], codes, dead, 1, 0.0, True)[:2]


@pytest.mark.parametrize("step", ["dense", "sparse"])
def test_matryoshka_prefix_losses_and_gradients(step):
    c = _inputs("matryoshka")
    prefixes = tuple(CASES["matryoshka"]["inputs"]["prefixes"])
    loss, grads = _topk_family(c, step, prefixes=prefixes)
    main = _topk_family(c, step)[0]
    cut = [_topk_family(c, step, prefixes=(m,))[0] - main for m in prefixes]
    _check("matryoshka", dict(loss=loss, main_loss=main, prefix_losses=cut, **_gradients(grads)))


def test_the_matryoshka_case_cuts_some_supports_and_not_others():
    c = _inputs("matryoshka")
    support = topk.topk_recipe_loss_and_grads(
        {key: c[key] for key in ("W", "P", "b", "b_prime")}, c["X"], c["k"],
        np.zeros(c["W"].shape[1], dtype=bool), 1, 0.0)[2]  # (n_samples, n_hidden)
    smaller, larger = CASES["matryoshka"]["inputs"]["prefixes"]
    cut = support[:, larger:].any(axis=1)  # (n_samples,)
    assert cut.any() and not cut.all()  # the larger prefix cuts some rows' support, not all
    assert not support[:, :smaller].any(axis=1).all()  # the smaller leaves some row no latent


@pytest.mark.parametrize("step", ["dense", "sparse"])
def test_multi_topk_loss_and_gradients(step):
    c = _inputs("multi_topk")
    loss, grads = _topk_family(c, step, multi_k=c["multi_k"])
    loss_k = _topk_family(c, step)[0]
    loss_multi_k = _topk_family(dict(c, k=c["multi_k"]), step)[0]
    _check("multi_topk", dict(loss=loss, loss_k=loss_k, loss_multi_k=loss_multi_k,
                              **_gradients(grads)))


def test_the_multi_topk_case_keeps_a_negative_activity():
    # the k′ largest of some row, not of all, reach a negative z: kept, zeroed by the ReLU
    c = _inputs("multi_topk")
    kth = np.sort(_z(c), axis=1)[:, -c["multi_k"]]  # (n_samples,)
    assert (kth < 0).any() and (kth > 0).any()
