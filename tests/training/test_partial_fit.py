"""partial_fit continues fit's loop call by call: fit(X) equals the chain, bitwise on the CPU."""
import math

import numpy as np
import pytest

import ksparse
from ksparse import KSparseAutoencoder
from ksparse.training.checkpoint import read_progress
from ksparse.models import (
    RBM,
    BatchTopKAutoencoder,
    DropoutAutoencoder,
    JumpReLUAutoencoder,
    TopKAutoencoder,
)
from _numerical import RecordingGenerator


N, BATCH, EPOCHS = 70, 16, 3
TOTAL = EPOCHS * math.ceil(N / BATCH)
MODELS = {
    "ksparse": lambda **kw: KSparseAutoencoder(n_hidden=12, k=3, k_start=8, lr_end=0.001, **kw),
    "dropout": lambda **kw: DropoutAutoencoder(n_hidden=10, input_dropout=0.2, **kw),
    # b′ starts at zero: a start computed from the data would come from the first call's rows,
    # summed in that call's order (see ksparse.inputs.incremental).
    "topk": lambda **kw: TopKAutoencoder(n_hidden=12, k=3, dead_steps=2, pre_bias=False, **kw),
    "rbm": lambda **kw: RBM(n_hidden=10, persistent=True, **kw),
}


@pytest.fixture
def X(rng):
    return (rng.random((N, 9)) * 0.8 + 0.1).astype(np.float64)  # (70, 9), in (0, 1) for the RBM


def settings(**kw):
    return dict(dict(epochs=EPOCHS, batch_size=BATCH), **kw)


def fit_with_orders(make, X, **kw):
    """The fitted model and the minibatch order of each of its epochs."""
    rng = RecordingGenerator(5)
    model = make(**settings(random_state=rng, **kw)).fit(X)
    return model, rng.orders


def assert_same_model(a, b):
    for name in ("W_", "b_", "b_prime_", "P_", "mean_", "steps_idle_", "chain_"):
        left, right = getattr(a, name, None), getattr(b, name, None)
        assert (left is None) == (right is None), name
        if left is not None:
            np.testing.assert_array_equal(left, right, err_msg=name)


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
@pytest.mark.parametrize("center", [False, True])
@pytest.mark.parametrize("calls", ["epoch", "minibatch"])
def test_fit_equals_the_chain_of_partial_fit_calls(X, optimizer, center, calls):
    kw = dict(optimizer=optimizer, center=center, learning_rate=0.005)
    fitted, orders = fit_with_orders(MODELS["ksparse"], X, **kw)
    chain = MODELS["ksparse"](**settings(random_state=RecordingGenerator(5), total_steps=TOTAL,
                                         **kw))
    mean = X.mean(axis=0) if center else None  # fit's centre: the mean of all of X
    for order in orders:
        if calls == "epoch":  # one call per epoch: its minibatches are fit's
            chain.partial_fit(X[order], mean=mean)
        else:
            for start in range(0, N, BATCH):
                chain.partial_fit(X[order[start : start + BATCH]], mean=mean)
    assert_same_model(fitted, chain)
    assert chain._run.state.step == fitted._run.state.step == TOTAL
    if calls == "epoch":  # then the history is fit's too, entry for entry
        assert chain.history_ == fitted.history_
    else:
        assert len(chain.history_) == TOTAL and chain.history_[-1]["epoch"] == TOTAL - 1


@pytest.mark.parametrize("stored, dtype", [(np.float64, "float32"), (np.float32, "float64"),
                                           (np.float16, None)])
def test_the_documented_centre_gives_fit_when_the_input_has_another_dtype(X, stored, dtype):
    kw = dict(center=True, learning_rate=0.005, dtype=dtype)
    data = X.astype(stored)
    fitted, orders = fit_with_orders(MODELS["ksparse"], data, **kw)
    trained_in = np.dtype(dtype or np.float64)  # float16 data trains in float64
    centre = data.astype(trained_in).mean(axis=0)  # the recipe of ksparse.inputs.incremental
    assert not np.array_equal(data.mean(axis=0).astype(trained_in), fitted.mean_)  # not X's own
    chain = MODELS["ksparse"](**settings(random_state=RecordingGenerator(5), total_steps=TOTAL,
                                         **kw))
    for order in orders:
        chain.partial_fit(data[order], mean=centre)
    assert_same_model(fitted, chain)
    assert chain.history_ == fitted.history_


@pytest.mark.parametrize("name", ["dropout", "topk", "rbm"])
def test_per_step_noise_and_extra_state_carry_over(X, name):
    fitted, orders = fit_with_orders(MODELS[name], X)
    chain = MODELS[name](**settings(random_state=RecordingGenerator(5)))
    for order in orders:
        chain.partial_fit(X[order])
    assert_same_model(fitted, chain)
    assert chain.history_ == fitted.history_


@pytest.mark.parametrize("name", ["ksparse", "topk"])
def test_every_pass_records_the_held_out_loss_of_its_end(X, name):
    # No k schedule here: reconstruct reads the model at its final k, as the pass does.
    X_val, seen = X[:9] * 0.5, []

    def record(model, epoch, logs):  # the held-out loss of the model as the pass ends
        assert epoch == len(seen) and logs is model.history_[-1]
        seen.append(((X_val - model.reconstruct(X_val)) ** 2).sum(axis=1).mean())

    make = {"ksparse": lambda **kw: KSparseAutoencoder(n_hidden=12, k=3, **kw),
            "topk": MODELS["topk"]}[name]
    model = make(**settings())
    for _ in range(2):
        model.partial_fit(X, X_val=X_val, callbacks=[record])
    assert [logs["val_loss"] for logs in model.history_] == pytest.approx(seen, rel=1e-10)
    assert seen[0] != seen[1]


def test_partial_fit_after_fit_continues_its_run(X):
    longer, orders = fit_with_orders(MODELS["dropout"], X, epochs=EPOCHS + 1)
    shorter = MODELS["dropout"](**settings(random_state=RecordingGenerator(5))).fit(X)
    shorter.partial_fit(X[orders[-1]])
    assert_same_model(longer, shorter)
    assert shorter.history_ == longer.history_


def test_the_first_call_fixes_the_centre(X):
    model = MODELS["dropout"](**settings(random_state=0, center=True))
    model.partial_fit(X[:30])
    np.testing.assert_array_equal(model.mean_, X[:30].mean(axis=0))
    model.partial_fit(X[30:])
    np.testing.assert_array_equal(model.mean_, X[:30].mean(axis=0))  # not a running mean


def test_a_dataset_larger_than_one_call_trains(rng):
    """Streaming over pieces lowers the error like fit does."""
    atoms = rng.standard_normal((6, 20))
    codes = rng.random((600, 6)) * (rng.random((600, 6)) < 0.4)
    data = codes @ atoms  # (600, 20)
    model = KSparseAutoencoder(n_hidden=24, k=4, learning_rate=0.01, batch_size=32,
                               random_state=0)
    model.partial_fit(data[:100])
    before = model.score(data)
    for _ in range(5):
        for start in range(0, 600, 100):
            model.partial_fit(data[start : start + 100])
    assert model.score(data) > 2 * before  # scores are negative: the error at least halved


@pytest.mark.parametrize(
    "kwargs, call, match",
    [
        ({"lr_end": 0.001}, {}, "partial_fit needs total_steps, .* lr_end schedule"),
        ({"k_start": 6}, {}, "partial_fit needs total_steps, .* k_start schedule"),
        ({}, {"mean": np.zeros(9)}, "mean is the centre of center=True"),
        ({"center": True}, {"mean": np.zeros(4)}, "mean must be 9 real numbers"),
        ({"center": True}, {"mean": np.full(9, np.nan)}, "Input mean contains NaN"),
    ],
)
def test_bad_partial_fit_calls_are_refused_before_any_work(X, kwargs, call, match):
    model = KSparseAutoencoder(n_hidden=12, k=3, **settings(random_state=0), **kwargs)
    with pytest.raises(ValueError, match=match):
        model.partial_fit(X, **call)
    assert getattr(model, "W_", None) is None


def test_a_later_call_cannot_move_the_centre(X):
    model = MODELS["dropout"](**settings(random_state=0, center=True))
    model.partial_fit(X, mean=X.mean(axis=0))
    model.partial_fit(X, mean=X.mean(axis=0))  # the same centre is accepted
    with pytest.raises(ValueError, match="mean differs from the centre fixed"):
        model.partial_fit(X, mean=X.mean(axis=0) + 1)


def test_a_later_call_checks_the_feature_count(X):
    model = MODELS["dropout"](**settings(random_state=0)).partial_fit(X)
    with pytest.raises(ValueError, match="X has 4 features, but DropoutAutoencoder is expecting 9"):
        model.partial_fit(X[:, :4])


@pytest.mark.parametrize("name, center", [("ksparse", True), ("topk", False), ("rbm", False)])
def test_checkpoint_and_resume_across_partial_fit_calls(X, tmp_path, name, center):
    pieces = [X[i::4] for i in range(4)]
    kw = settings(random_state=3, total_steps=40, optimizer="adam") if name == "ksparse" \
        else settings(random_state=3)
    kw.update(center=True) if center else None
    whole = MODELS[name](**kw)
    for piece in pieces:
        whole.partial_fit(piece)

    path = tmp_path / "stream.npz"
    first = MODELS[name](**kw)
    for piece in pieces[:2]:
        first.partial_fit(piece, checkpoint=path)
    assert read_progress(path) == {"epoch": 2, "step": first._run.state.step, "stream": True}
    del first  # a new process: only the checkpoint is left
    resumed = MODELS[name](**kw)
    done = read_progress(path)["epoch"]
    for piece in pieces[done:]:
        resumed.partial_fit(piece, checkpoint=path, resume=True)
    assert_same_model(whole, resumed)
    assert resumed.history_ == whole.history_
    assert read_progress(path)["epoch"] == 4


def test_a_fit_checkpoint_is_not_a_stream(X, tmp_path):
    path = tmp_path / "fit.npz"
    MODELS["dropout"](**settings(random_state=0)).fit(X, checkpoint=path)
    assert read_progress(path)["stream"] is False
    with pytest.raises(ValueError, match="belongs to a different run"):
        MODELS["dropout"](**settings(random_state=0)).partial_fit(X, checkpoint=path,
                                                                  resume=True)


LOADED = {**MODELS,
          "batch-topk": lambda **kw: BatchTopKAutoencoder(n_hidden=12, k=3, dead_steps=2, **kw),
          "jumprelu": lambda **kw: JumpReLUAutoencoder(n_hidden=12, threshold_init=0.05, **kw)}


@pytest.mark.parametrize("name", LOADED)
def test_a_loaded_model_trains_on_with_a_fresh_optimizer(X, tmp_path, name):
    # A model file holds no training state (optimizer, idle counters, an RBM's chain):
    # the new run starts its own from the loaded weights.
    # total_steps: a schedule (lr_end, k_start) needs it to run over partial_fit calls.
    LOADED[name](**settings(random_state=0, total_steps=TOTAL)).fit(X).save(tmp_path / "m.npz")
    loaded = ksparse.load(tmp_path / "m.npz")
    W = np.array(loaded.W_)
    loaded.partial_fit(X)
    assert not np.array_equal(loaded.W_, W)
    assert [h["epoch"] for h in loaded.history_] == [0, 1, 2, 3]  # the history goes on
    assert loaded._run.state.step == math.ceil(N / BATCH)  # the steps start again


def test_a_loaded_batch_topk_goes_on_from_its_threshold(X, tmp_path):
    LOADED["batch-topk"](**settings(random_state=0)).fit(X).save(tmp_path / "m.npz")
    loaded = ksparse.load(tmp_path / "m.npz")
    theta = float(loaded.threshold_)
    seen = []
    real = type(loaded)._after_step

    def record(self, params, aux):
        seen.append(float(aux["smallest"]))
        real(self, params, aux)

    loaded._after_step = record.__get__(loaded)
    loaded.partial_fit(X[:BATCH])  # one step
    assert len(seen) == 1 and not np.isnan(seen[0])
    # The running mean goes on from the loaded θ (rate 0.01), not from the batch's value alone.
    assert float(loaded.threshold_) == pytest.approx(theta + 0.01 * (seen[0] - theta), rel=1e-12)
