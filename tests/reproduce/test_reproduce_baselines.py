"""Table 1's baseline rows and Fig. 4's dense curves in ``ksparse reproduce``, on fake MNIST."""
import numpy as np
import pytest
import scipy.sparse
from test_reproduce import fake_mnist, ksparse_load

import ksparse
from ksparse.reproduce.baselines import BASELINES, TABLE1_BASELINES
from ksparse.reproduce.context import Context
from ksparse.reproduce.features import model_features, score_features


def test_context_reuses_a_model_only_of_the_same_class(tmp_path, rng):
    X = rng.random((64, 6)).astype(np.float32)
    ctx = Context(str(tmp_path))
    # Every setting given: the two classes below then have the same parameters.
    settings = dict(n_hidden=8, epochs=1, batch_size=16, random_state=0, input_dropout=0.2)
    relu, _ = ctx.autoencoder("m", X, estimator=ksparse.ReLUAutoencoder, **settings)
    again, _ = ctx.autoencoder("m", X, estimator=ksparse.ReLUAutoencoder, **settings)
    assert type(again) is ksparse.ReLUAutoencoder and np.array_equal(again.W_, relu.W_)
    # Same name and settings, another model: trained, not read back as the wrong class.
    other, seconds = ctx.autoencoder("m", X, estimator=ksparse.DenoisingAutoencoder, **settings)
    assert other.get_params() == relu.get_params()
    assert type(other) is ksparse.DenoisingAutoencoder and seconds > 0
    assert type(ksparse_load(ctx.path("models", "m.npz"))) is ksparse.DenoisingAutoencoder


@pytest.mark.parametrize("sparse", [False, True])
def test_model_features_are_every_unit_at_unit_rms(rng, sparse):
    X = rng.random((80, 6)).astype(np.float32)
    model = ksparse.ReLUAutoencoder(n_hidden=10, epochs=1).fit(X)
    if sparse:  # most units switched off: features go to the classifier as CSR
        model.b_[...] = -10.0
        model.b_[:1] = 10.0
    H, scale = model_features(model, X)
    dense = H.toarray() if sparse else H
    assert scipy.sparse.issparse(H) == sparse
    by_hand = model.transform(X)  # the slow obvious computation
    values = by_hand[by_hand != 0].astype(np.float64)
    assert scale == pytest.approx(1 / np.sqrt(np.mean(values**2)), rel=1e-6)
    np.testing.assert_allclose(dense, by_hand * scale, rtol=1e-6)
    H_more, same = model_features(model, X[:5], scale)  # other rows, the training scale
    assert same == scale
    np.testing.assert_allclose(H_more.toarray() if sparse else H_more, dense[:5], rtol=1e-6)


@pytest.fixture
def baseline_rows(tmp_path, rng, monkeypatch):
    """Quick Table 1 on fake MNIST with every k-sparse row left out: the baselines alone."""
    from ksparse.reproduce import table1

    ctx = Context(str(tmp_path), quick=True)
    ctx._mnist = fake_mnist(rng)
    real_jobs = table1._jobs
    monkeypatch.setattr(table1, "_jobs", lambda c, mode: [
        job for job in real_jobs(c, mode) if job[0].split("/")[1] in TABLE1_BASELINES])
    return ctx, table1.run_table1(ctx)


def test_table1_has_the_papers_baselines_scored_on_all_their_units(baseline_rows):
    ctx, section = baseline_rows
    rows = {r["name"]: r for r in section["rows"]}
    assert list(rows) == [BASELINES[key][0] for key in TABLE1_BASELINES]
    assert [r["paper"] for r in rows.values()] == [1.81, 1.80, 1.95, 1.60]
    data, grid = ctx.mnist(), (1e-4,)
    for key in TABLE1_BASELINES:
        model = ksparse_load(ctx.path("models", f"mnist-{key}.npz"))
        assert type(model) is BASELINES[key][1] and model.n_hidden == 1000
        assert model.epochs == 2 and len(model.history_) == 2
        # Scored again by hand: unit-RMS features of every unit, the same protocol.
        H = [model.transform(X) for X, _ in (data.train, data.val, data.test)]
        values = H[0][H[0] != 0].astype(np.float64)
        scale = np.float32(1 / np.sqrt(np.mean(values**2)))
        score = score_features(*[(h * scale, y) for h, (_, y) in
                                 zip(H, (data.train, data.val, data.test))], grid=grid)
        assert rows[BASELINES[key][0]]["ours"] == pytest.approx(100 * score.test_error)
    dropout_denoising = ksparse_load(ctx.path("models", "mnist-dropout-denoising.npz"))
    assert (dropout_denoising.input_dropout, dropout_denoising.hidden_dropout) == (0.2, 0.5)
    assert ksparse_load(ctx.path("models", "mnist-rbm.npz")).weight_decay == 1e-4
    assert "RBM" in section["text"] and rows[BASELINES["rbm"][0]]["dead_units"] is None


def test_fig4_adds_the_relu_and_dropout_autoencoders(tmp_path, rng, monkeypatch):
    import ksparse.reproduce.figures as figures

    monkeypatch.setitem(figures.SETTINGS, "quick", dict(figures.SETTINGS["quick"], epochs=1))
    ctx = Context(str(tmp_path), quick=True)
    ctx._mnist = data = fake_mnist(rng)
    seen = {}
    real_plot = figures.plot_activation_histograms
    def spy(activations, **kwargs):
        seen.update(activations)
        return real_plot(activations, **kwargs)
    monkeypatch.setattr(figures, "plot_activation_histograms", spy)
    section = figures.run_fig4(ctx)
    assert list(seen) == ["ReLU autoencoder", "dropout autoencoder (50 % hidden)",
                          "k-sparse autoencoder, k = 70", "k-sparse autoencoder, k = 15"]
    relu = ksparse_load(ctx.path("models", "mnist-relu.npz"))
    dropout = ksparse_load(ctx.path("models", "mnist-dropout.npz"))
    assert (type(relu), type(dropout)) == (ksparse.ReLUAutoencoder, ksparse.DropoutAutoencoder)
    np.testing.assert_array_equal(seen["ReLU autoencoder"], relu.transform(data.test[0]))
    np.testing.assert_array_equal(seen["dropout autoencoder (50 % hidden)"],
                                  dropout.transform(data.test[0]))
    assert section["figures"] == ["fig4.png"]
