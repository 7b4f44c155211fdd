"""The k-sparse model trains to the same parameters with the sparse step and the dense reference."""
import numpy as np
import pytest

from ksparse import KSparseAutoencoder


@pytest.mark.parametrize("options", [
    {}, {"tied": False}, {"pre_bias": True}, {"center": True, "optimizer": "adam",
                                             "learning_rate": 1e-3},
    {"tied": False, "pre_bias": True, "optimizer": "adam", "learning_rate": 1e-3},
])
def test_sparse_and_dense_steps_end_at_the_same_parameters(rng, options):
    X = (rng.random((200, 30)) < 0.2).astype(np.float32)  # binary "pixels"
    settings = dict(n_hidden=40, k=4, k_start=10, epochs=1, batch_size=32, random_state=0,
                    **options)
    sparse = KSparseAutoencoder(step="sparse", **settings).fit(X)
    dense = KSparseAutoencoder(step="dense", **settings).fit(X)
    for name in ("W_", "b_", "b_prime_", "P_"):
        a, b = getattr(sparse, name), getattr(dense, name)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5, err_msg=name)
    assert sparse.history_[0]["loss"] == pytest.approx(dense.history_[0]["loss"], rel=1e-5)
    assert KSparseAutoencoder().step == "sparse"


def test_step_option_is_validated():
    with pytest.raises(ValueError, match="step must be 'sparse' or 'dense'"):
        KSparseAutoencoder(step="fast")._validate_hyperparameters()


@pytest.mark.parametrize("step, used", [("sparse", "sparse_loss_and_grads"),
                                        ("dense", "dense")])
def test_the_chosen_step_is_the_one_that_runs(rng, monkeypatch, step, used):
    import ksparse.models.k_sparse as M

    calls = []
    real_sparse, real_dense = M.sparse_loss_and_grads, M.loss_and_grads

    def counted(name, real):
        return lambda *a, **kw: calls.append(name) or real(*a, **kw)
    monkeypatch.setattr(M, "sparse_loss_and_grads", counted("sparse_loss_and_grads", real_sparse))
    monkeypatch.setattr(M, "loss_and_grads", counted("dense", real_dense))
    X = rng.random((40, 6)).astype(np.float32)
    KSparseAutoencoder(n_hidden=8, k=2, epochs=1, batch_size=20, step=step).fit(X)
    assert calls == [used, used]
