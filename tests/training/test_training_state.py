"""State that a training run must advance or reset, checked step by step inside real runs.

Nothing here compares two runs of the same code: each test records what the
loop hands a model (or what a model keeps) at every step and checks it
against what the documentation says it must be.
"""
import numpy as np
import pytest

import ksparse.models.k_sparse
import ksparse.models.rbm
from ksparse import KSparseAutoencoder, TopKAutoencoder
from ksparse.models import RBM
from ksparse.nn.optim import MomentumSGD
from ksparse.training.random_streams import step_generator


def binary_data(n=24, n_features=6):
    return np.random.default_rng(3).random((n, n_features)) * 0.8 + 0.1  # (24, 6) in (0, 1)


# ------------------------------------------------------------------- RBM weight decay
@pytest.mark.parametrize("persistent", [False, True])
def test_rbm_weight_decay_adds_exactly_lambda_W_to_the_W_gradient(persistent):
    V = binary_data()
    model = RBM(n_hidden=5, persistent=persistent, epochs=1, batch_size=8, random_state=0).fit(V)
    params = {"W": model.W_ + 0.3, "b": model.b_, "b_prime": model.b_prime_}  # W far from 0

    def step(decay):
        model.set_params(weight_decay=decay)
        return model._training_step(params, V[:8], step=2, total_steps=3,
                                    rng=step_generator(11, 2))

    loss_0, plain, _ = step(0.0)
    loss_1, decayed, _ = step(0.125)
    assert np.array_equal(decayed["W"], plain["W"] + 0.125 * params["W"])
    for name in ("b", "b_prime"):  # the biases are not decayed
        assert np.array_equal(decayed[name], plain[name])
    assert float(loss_0) == float(loss_1)  # the reported loss is the reconstruction alone


def test_one_rbm_step_with_weight_decay_shrinks_W_by_eta_lambda_W():
    V = binary_data(n=8)
    settings = dict(n_hidden=5, epochs=1, batch_size=8, momentum=0.0, learning_rate=0.5,
                    init_std=0.5, random_state=0)
    start = RBM(**dict(settings, learning_rate=1e-300)).fit(V).W_  # the initial W, unmoved
    plain = RBM(**settings).fit(V).W_
    decayed = RBM(**settings, weight_decay=0.25).fit(V).W_
    # W ← W − η (g + λ W): the same Gibbs samples (same seed), so only −η λ W_0 differs.
    np.testing.assert_allclose(decayed - plain, -0.5 * 0.25 * start, rtol=1e-10, atol=1e-15)


# ------------------------------------------------------------ RBM persistent chain
def record_chains(monkeypatch):
    calls = []
    real = ksparse.models.rbm.cd_gradients

    def spy(params, V, chain, k, rng):
        grads, end, H = real(params, V, chain, k, rng)
        calls.append((V.copy(), chain.copy(), end.copy()))
        return grads, end, H

    monkeypatch.setattr(ksparse.models.rbm, "cd_gradients", spy)
    return calls


def test_the_persistent_chain_moves_and_the_next_step_starts_where_it_ended(monkeypatch):
    calls = record_chains(monkeypatch)
    model = RBM(n_hidden=5, persistent=True, epochs=3, batch_size=8, random_state=0)
    model.fit(binary_data())
    assert len(calls) == 9
    for (_, start, end), (_, next_start, _) in zip(calls, calls[1:]):
        assert not np.array_equal(start, end)  # a Gibbs step moved the chain
        assert np.array_equal(next_start, end)  # ... and the next step continues it
    assert np.array_equal(model.chain_, calls[-1][2])  # the model keeps the last state
    for V, start, _ in calls:
        assert start.shape == (8, 6) and not np.array_equal(start, V)  # not restarted at data


def test_without_persistence_every_chain_starts_at_its_minibatch(monkeypatch):
    calls = record_chains(monkeypatch)
    RBM(n_hidden=5, epochs=2, batch_size=8, random_state=0).fit(binary_data())
    assert len(calls) == 6
    for V, start, end in calls:
        assert np.array_equal(start, V) and not np.array_equal(end, V)


# ------------------------------------------------------------------- TopK idle counters
def test_topk_idle_counters_count_idle_steps_and_reset_when_a_latent_fires(monkeypatch):
    from ksparse.models.topk import _sparse_relu_code

    real_step, real_after = TopKAutoencoder._training_step, TopKAutoencoder._after_step
    record = []

    def training_step(self, params, X, **kwargs):
        z = (X - params["b_prime"]) @ params["P"].T + params["b"]  # (batch, n_hidden)
        fired = (_sparse_relu_code(z, self.k)[0] != 0).any(axis=0)  # by hand
        record.append({"fired": fired})
        return real_step(self, params, X, **kwargs)

    def after_step(self, params, aux):
        record[-1]["before"] = self.steps_idle_.copy()
        real_after(self, params, aux)
        record[-1]["after"] = self.steps_idle_.copy()

    monkeypatch.setattr(TopKAutoencoder, "_training_step", training_step)
    monkeypatch.setattr(TopKAutoencoder, "_after_step", after_step)
    X = np.random.default_rng(0).standard_normal((40, 6))
    model = TopKAutoencoder(n_hidden=12, k=1, dead_steps=3, epochs=3, batch_size=4,
                            random_state=0).fit(X)
    assert len(record) == 30 and np.array_equal(record[0]["before"], np.zeros(12))
    for r, following in zip(record, record[1:] + [None]):
        expected = np.where(r["fired"], 0, r["before"] + 1)
        assert np.array_equal(r["after"], expected)
        if following is not None:
            assert np.array_equal(following["before"], r["after"])
    assert np.array_equal(model.steps_idle_, record[-1]["after"])
    befores = np.array([r["before"] for r in record])
    fireds = np.array([r["fired"] for r in record])
    assert (fireds & (befores > 0)).any()  # some idle latent did fire again (a reset)
    assert (befores.max() >= 3)  # and some stayed idle long enough to count as dead
    dead_at_end = (model.steps_idle_ >= 3).mean()
    assert model.history_[-1]["dead_fraction"] == dead_at_end


# ------------------------------------------------- schedules across partial_fit after fit
@pytest.mark.parametrize("total_steps", [None, 24])
def test_partial_fit_after_a_scheduled_fit_continues_the_step_counter(monkeypatch, total_steps):
    seen_k, seen_eta = [], []
    real_pass, real_optimizer_step = ksparse.models.k_sparse.sparse_loss_and_grads, MomentumSGD.step

    def sparse_pass(params, X, k, *args, **kwargs):
        seen_k.append(k)
        return real_pass(params, X, k, *args, **kwargs)

    def optimizer_step(self, grads, learning_rate):
        seen_eta.append(learning_rate)
        return real_optimizer_step(self, grads, learning_rate)

    monkeypatch.setattr(ksparse.models.k_sparse, "sparse_loss_and_grads", sparse_pass)
    monkeypatch.setattr(MomentumSGD, "step", optimizer_step)
    X = np.random.default_rng(1).standard_normal((24, 5))
    model = KSparseAutoencoder(n_hidden=16, k=2, k_start=14, learning_rate=0.3, lr_end=0.05,
                               total_steps=total_steps, epochs=2, batch_size=8, random_state=0)
    model.fit(X).partial_fit(X)
    steps = np.arange(9)  # 6 steps of fit, then 3 of partial_fit
    if total_steps is None:  # 6 steps: k falls over 3, η over 5, then both hold
        k = [14, 10, 6, 2, 2, 2, 2, 2, 2]
        eta = np.where(steps < 5, 0.3 - 0.05 * steps, 0.05)
    else:  # 24 steps: k falls by one a step for 12 steps, η over 23
        k = [14 - s for s in steps]
        eta = 0.3 - 0.25 * steps / 23
    assert seen_k == k
    np.testing.assert_allclose(seen_eta, eta, rtol=1e-12)
    last = model.history_[-1]
    assert len(model.history_) == 3 and model._run.state.step == 9
    assert last["k"] == k[-1] and last["learning_rate"] == pytest.approx(eta[-1], rel=1e-12)


# ------------------------------------------------------------- dask: blocks between epochs
def test_each_dask_epoch_visits_every_block_once_in_a_new_random_order(monkeypatch):
    da = pytest.importorskip("dask.array")
    from ksparse.inputs import dask_arrays

    visits = []
    real = dask_arrays.pass_steps

    def spy(model, run, arrays, total_steps, order=None):
        visits.append((run.state.epoch, arrays[0].shape[0], np.asarray(order).copy()))
        return real(model, run, arrays, total_steps, order=order)

    monkeypatch.setattr(dask_arrays, "pass_steps", spy)
    sizes = (5, 6, 7, 8, 9)  # a block is known by its size
    X = np.random.default_rng(2).standard_normal((sum(sizes), 3))
    model = KSparseAutoencoder(n_hidden=4, k=1, epochs=4, batch_size=4, random_state=0)
    model.fit(da.from_array(X, chunks=(sizes, (3,))))
    epochs = [[v for v in visits if v[0] == e] for e in range(4)]
    block_orders = [tuple(size for _, size, _ in epoch) for epoch in epochs]
    for order in block_orders:
        assert sorted(order) == list(sizes)  # every block once an epoch
    assert len(set(block_orders)) > 1  # the order of blocks changes between epochs
    assert any(order != sizes for order in block_orders)
    for epoch in epochs:  # the rows of each block in a random order too
        for _, size, rows in epoch:
            assert sorted(rows.tolist()) == list(range(size))
    row_orders = {size: [] for size in sizes}
    for _, size, rows in visits:
        row_orders[size].append(tuple(rows))
    assert all(len(set(orders)) > 1 for orders in row_orders.values())
