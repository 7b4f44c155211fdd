"""Table 3 of the paper: fine-tuned networks initialised from k-sparse autoencoders (§4.5, §4.6).

Shallow: one hidden layer initialised from the k = 25 Adam autoencoder of
Table 1 (the recipe with the best features), keeping the α·k = 75 largest
hidden units, softmax on top, trained by backpropagation with the paper's
supervised schedule (§4.2.2: momentum 0.25, learning rate 1 falling
linearly to 0.001). As for the deep network (§4.6), the softmax is first
trained alone on the fixed features and the whole network afterwards:
started from a zero softmax, the first epochs of joint training push large,
uninformed gradients into the pre-trained layer (measurably worse; see the
results page — the paper does not say how its shallow network was
started). The loss is the cross-entropy averaged over each minibatch of
128, which is what makes a learning rate of 1 a sensible size of step.
The network subtracts the autoencoder's input centre (the mean training
image) from its input rather than folding it into the first bias: the same
function, but steady steps at η = 1 (see :mod:`ksparse.finetune.pretrained`).

Deep: a second k-sparse autoencoder (1000 → 1000, k = 25, the same Adam
recipe) is trained on the codes that the network's first layer computes,
the α·k = 75 largest activities of the first autoencoder (trained on its
k = 25 codes instead, a 1000-unit layer can simply copy them); a
two-hidden-layer network starts from both and is fine-tuned layer-wise:
the softmax alone, then the second layer with the softmax, then everything
(§4.6), each stage with the schedule above.

These choices were compared on the validation split beforehand (the
results page lists the runs). The final networks then train on all 60,000
labelled training images (the training and validation splits together), as
the final classifiers of Table 1 do, with nothing left to choose; the test
error after every epoch is recorded for the learning-curve figure only.
With several seeds (:mod:`ksparse.reproduce.seeds`) both rows are computed
for each: the autoencoders (Table 1's for that seed) and the network's
initialisation and minibatch order; the figure shows seed 0.
"""
__all__ = ["PAPER", "SETTINGS", "run_table3"]

import time

from ..classify._inputs import stack_splits
from ..finetune.classifier import SparseMLPClassifier
from ..finetune.layerwise import layerwise_finetune
from ..io.atomic import save_figure
from ..plotting.filters import plot_error_curves
from .features import codes
from .report import Row
from .seeds import run_rows, seed_key, seeded, seeds_note
from .table1 import ADAM, BASE
from .table1 import SETTINGS as TABLE1

#: Table 3's test errors (%) as the paper reports them.
PAPER = {"shallow": 1.08, "deep": 0.97}

#: The recipe of each of our rows of Table 3.
SETTINGS = {
    "full": dict(shallow_epochs=(50, 200), deep_epochs=(50, 50, 200)),
    "quick": dict(shallow_epochs=(1, 2), deep_epochs=(1, 1, 2)),
}

NETWORK = dict(k=25, alpha=3.0, learning_rate=1.0, momentum=0.25, lr_end=0.001,
               batch_size=128, random_state=0)


def _ae_epochs(ctx):
    """Epochs of the Adam recipe in Table 1 (its plain epochs in quick mode, which has none)."""
    mode = TABLE1["quick" if ctx.quick else "full"]
    return mode["adam_epochs"] or mode["epochs"]


def _first_autoencoder(ctx, seed):
    """The k = 25 Adam autoencoder of Table 1 (the same file; trained here when missing)."""
    data = ctx.mnist()
    settings = dict(BASE, k=25, epochs=_ae_epochs(ctx), **ADAM, random_state=seed)
    return ctx.autoencoder(seeded("mnist-k25-adam", seed), data.train[0],
                           data.val[0][:2000], **settings)


def _finetune(net, data, stages, epochs):
    """Layer-wise fine-tuning on all labelled images, the test split monitored each epoch."""
    X, y = stack_splits(data.train, data.val)  # all 60,000 labelled images
    _, histories = layerwise_finetune(net, X, y, stages=stages, epochs=epochs,
                                      X_val=data.test[0], y_val=data.test[1])
    return curve_of([history for _, history in histories])


def curve_of(histories):
    """Monitored (test) error and training loss per epoch, stage after stage, as plain lists."""
    return [{"stage": s, "epoch": h["epoch"] + 1, "loss": h["loss"], "test_error": h["val_error"]}
            for s, history in enumerate(histories) for h in history]


def _shallow_row(ctx, mode, seed):
    data = ctx.mnist()
    ae, ae_seconds = _first_autoencoder(ctx, seed)
    start = time.perf_counter()
    net = SparseMLPClassifier.from_autoencoders([ae], verbose=ctx.verbose,
                                                **dict(NETWORK, random_state=seed))
    curve = _finetune(net, data, ("softmax", "all"), mode["shallow_epochs"])
    seconds = ae_seconds + time.perf_counter() - start
    stages = "/".join(str(e) for e in mode["shallow_epochs"])
    settings = (f"784-1000-10, α·k = 75, centred input, softmax / all: {stages} epochs, "
                f"each η 1 → 0.001, m = 0.25, on all 60,000 labelled images")
    row = Row("k-sparse AE + fine-tuning (k = 25)", 100 * (1 - net.score(*data.test)),
              PAPER["shallow"], settings, None, seconds)
    return vars(row), curve


def _second_autoencoder(ctx, ae1, seed):
    """Layer 2, the same Adam recipe on the first layer's α·k codes; (model, seconds).

    The seconds are those of computing the codes plus the autoencoder's
    training (that of the earlier run when it is read back).
    """
    data = ctx.mnist()
    start = time.perf_counter()
    alpha = NETWORK["alpha"]
    codes_train = codes(ae1, data.train[0], alpha)  # (50000, 1000), α·k nonzero per row
    codes_val = codes(ae1, data.val[0][:2000], alpha)
    codes_seconds = time.perf_counter() - start
    ae2, ae2_seconds = ctx.autoencoder(
        seeded("mnist-k25-adam-layer2", seed), codes_train, codes_val,
        **dict(BASE, k=25, alpha=alpha, epochs=_ae_epochs(ctx), **ADAM, random_state=seed))
    return ae2, codes_seconds + ae2_seconds


def _deep_row(ctx, mode, seed):
    data = ctx.mnist()
    ae1, ae1_seconds = _first_autoencoder(ctx, seed)
    ae2, ae2_seconds = _second_autoencoder(ctx, ae1, seed)
    start = time.perf_counter()  # after both autoencoders: their times are counted once
    net = SparseMLPClassifier.from_autoencoders([ae1, ae2], verbose=ctx.verbose,
                                                **dict(NETWORK, random_state=seed))
    curve = _finetune(net, data, ("softmax", "top", "all"), mode["deep_epochs"])
    seconds = ae1_seconds + ae2_seconds + time.perf_counter() - start
    stages = "/".join(str(e) for e in mode["deep_epochs"])
    settings = (f"784-1000-1000-10, α·k = 75 in both layers (layer 2 pre-trained on the "
                f"α·k codes), centred input, layer-wise fine-tuning (softmax / layer 2 + "
                f"softmax / all: {stages} epochs, on all 60,000 labelled images)")
    row = Row("deep k-sparse AE + fine-tuning (k = 25)", 100 * (1 - net.score(*data.test)),
              PAPER["deep"], settings, None, seconds)
    return vars(row), curve


def _plot_curves(ctx, curves):
    series = {}
    for name, curve in curves.items():
        epochs = list(range(1, len(curve) + 1))  # counted across the stages
        series[name] = (epochs, [100 * c["test_error"] for c in curve])  # stages in a row
    fig = plot_error_curves(series, ylabel="test error (%)")
    save_figure(fig, ctx.path("table3_curves.png"), dpi=100)
    return "table3_curves.png"


def _jobs(ctx, mode):
    """The seeded jobs of Table 3 for :func:`~.seeds.run_rows`: (key, job(seed), True) per row."""
    def job(key, row_of):
        def compute(seed):
            row, curve = row_of(ctx, mode, seed)
            ctx.remember(f"curves/{seed_key(key, seed)}", curve)  # kept before its row
            return row
        return key, compute, True

    return [job("table3/shallow", _shallow_row), job("table3/deep", _deep_row)]


def run_table3(ctx):
    """Compute (or read back) the rows of Table 3; returns a report section."""
    jobs = _jobs(ctx, SETTINGS["quick" if ctx.quick else "full"])
    rows = run_rows(ctx, jobs)
    curves = {name: ctx.results.get(f"curves/table3/{name}", []) for name in ("shallow", "deep")}
    figures = [_plot_curves(ctx, curves)] if all(curves.values()) else []
    note = seeds_note(ctx, jobs, also="The figure shows seed 0.")
    return {
        "title": "Table 3: MNIST, fine-tuned networks",
        "rows": rows,
        "figures": figures,
        "text": "Autoencoders trained on the first 50,000 training images; networks "
                "fine-tuned on all 60,000 (mean cross-entropy per minibatch of 128, a "
                "schedule fixed in advance); test error on the 10,000 test images. The "
                "wall time includes training the autoencoders the network starts from. "
                "The figure shows the test error after every epoch (recorded, never used "
                "to choose anything), the fine-tuning stages one after the other."
                + (f"\n\n{note}" if note else ""),
    }
