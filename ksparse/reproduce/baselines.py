"""The paper's baselines in ``ksparse reproduce``: Table 1's rows and the dense curves of Figure 4.

Table 1 sets the k-sparse autoencoder against an RBM (1.81 %), a dropout
autoencoder (1.80 %), a denoising autoencoder (1.95 %) and the two combined
(1.60 %); Fig. 4 adds the hidden activities of a ReLU autoencoder and a
dropout autoencoder. Every baseline has 1000 hidden units, all of them
features (§4.4: "we used all of the hidden units"), and goes through the
same softmax protocol as the k-sparse rows (:func:`.features.score_model`).
The autoencoders are ReLU networks trained with Adam (η = 0.001, batch 128)
on the raw [0, 1] pixels for as many epochs as Table 1's Adam row; the RBM
is trained by CD-1 with momentum 0.5 and weight decay 10⁻⁴ (the paper's
"RBM (weight decay)"), η = 0.05.
"""
__all__ = ["BASELINES", "TABLE1_BASELINES", "EPOCHS", "baseline_model", "trained_baseline",
           "baseline_jobs"]

import time

from ..models.dense import DenoisingAutoencoder, DropoutAutoencoder, ReLUAutoencoder
from ..models.rbm import RBM
from .features import score_model
from .report import Row
from .seeds import seeded

_ADAM = dict(optimizer="adam", learning_rate=0.001)

#: The baselines by key: (row label, estimator, settings beyond the shared ones,
#: the paper's test error %).
BASELINES = {
    "rbm": ("RBM (CD-1, weight decay)", RBM,
            dict(learning_rate=0.05, momentum=0.5, weight_decay=1e-4), 1.81),
    "dropout": ("dropout autoencoder (50 % hidden)", DropoutAutoencoder, _ADAM, 1.80),
    "denoising": ("denoising autoencoder (20 % input)", DenoisingAutoencoder, _ADAM, 1.95),
    "dropout-denoising": ("dropout + denoising autoencoder", DropoutAutoencoder,
                          dict(_ADAM, input_dropout=0.2), 1.60),
    "relu": ("ReLU autoencoder", ReLUAutoencoder, _ADAM, None),
}
#: The baselines that have a row in Table 1, in its order.
TABLE1_BASELINES = ("rbm", "dropout", "denoising", "dropout-denoising")
SHARED = dict(n_hidden=1000, batch_size=128)
#: Epochs of every baseline: those of Table 1's Adam row in full, a smoke test in quick.
EPOCHS = {"full": 50, "quick": 2}


def baseline_model(key, epochs, seed=0, verbose=False):
    """The unfitted baseline ``key`` of :data:`BASELINES`, as the reproduction trains it."""
    return BASELINES[key][1](**_settings(key, epochs, seed), verbose=verbose)


def _settings(key, epochs, seed):
    return dict(SHARED, **BASELINES[key][2], epochs=epochs, random_state=seed)


def trained_baseline(ctx, key, seed=0):
    """Baseline ``key`` trained on the 50,000 training images (or read back from ``ctx``).

    Returns
    -------
    model : fitted estimator
    seconds : float
        Training time (that of the earlier run when read back).
    """
    data = ctx.mnist()
    epochs = EPOCHS["quick" if ctx.quick else "full"]
    return ctx.autoencoder(seeded(f"mnist-{key}", seed), data.train[0], data.val[0][:2000],
                           estimator=BASELINES[key][1], **_settings(key, epochs, seed))


def _baseline_row(ctx, key, grid, seed):
    label, _, settings, paper = BASELINES[key]
    model, train_seconds = trained_baseline(ctx, key, seed)
    start = time.perf_counter()
    score = score_model(model, ctx.mnist(), grid=grid)
    described = ", ".join(f"{name} {value:g}" if isinstance(value, float) else f"{name} {value}"
                          for name, value in settings.items())
    text = (f"{model.epochs} epochs, all 1000 units as features, {described}; classifier on "
            f"the 50,000 alone: {100 * score.train_only_test_error:.2f} %")
    return Row(label, 100 * score.test_error, paper, text,
               model.history_[-1].get("dead_units"), train_seconds + time.perf_counter() - start)


def baseline_jobs(ctx, grid):
    """(key, job(seed) -> row dict, True) for Table 1's baseline rows (see :func:`.seeds.run_rows`)."""
    def job(key):
        return lambda seed: vars(_baseline_row(ctx, key, grid, seed))

    return [(f"table1/{key}", job(key), True) for key in TABLE1_BASELINES]
