"""Layer-wise discriminative fine-tuning of a deep k-sparse network (paper §4.6).

After greedy layer-wise pre-training, the paper fine-tunes in stages, each
starting from the parameters the previous stage left: first the softmax
alone on top of the fixed hidden layers, then the last hidden layer and the
softmax together, then all layers jointly. It reports that this does better
than fine-tuning all layers at once.
"""
__all__ = ["LAYERWISE_STAGES", "layerwise_finetune"]

from collections.abc import Iterable

from ..base import TRAINING_HYPERPARAMETERS
from ..hyperparameters import Optional
from .classifier import _check_trainable

#: The stages of layer-wise fine-tuning, in the order they run.
LAYERWISE_STAGES = ("softmax", "top", "all")

# A stage's epochs obey the estimators' own constraint; None keeps model.epochs.
_STAGE_EPOCHS = Optional(TRAINING_HYPERPARAMETERS["epochs"])


def _check_stages(stages, hidden_layers):
    """Each stage with the number of hidden layers it trains, every one checked up front."""
    # "all" is itself a sequence (of letters), and could mean the stage or every stage.
    if isinstance(stages, (str, bytes)) or not isinstance(stages, Iterable):
        raise TypeError(
            f"stages must be a sequence of stages such as {LAYERWISE_STAGES!r}, got "
            f"{stages!r}; for a single stage pass a list of one, e.g. ['all']."
        )
    stages = list(stages)
    if not stages:
        raise ValueError("stages must name at least one stage.")
    sizes = {"hidden_layers": hidden_layers}
    return [(stage, _check_trainable(f"stages[{i}]", stage, sizes))
            for i, stage in enumerate(stages)]


def _stage_epochs(epochs, n_stages):
    """Epochs of each stage (None: the model's own), checked like the estimators' ``epochs``."""
    scalar = isinstance(epochs, (str, bytes)) or not isinstance(epochs, Iterable)
    if scalar or getattr(epochs, "ndim", None) == 0:
        return [_STAGE_EPOCHS("epochs", epochs, {})] * n_stages
    epochs = list(epochs)
    if len(epochs) != n_stages:
        raise ValueError(
            f"epochs must be an int or one value per stage ({n_stages}), got {epochs!r}."
        )
    return [_STAGE_EPOCHS(f"epochs[{i}]", n, {}) for i, n in enumerate(epochs)]


def layerwise_finetune(model, X, y, *, stages=LAYERWISE_STAGES, epochs=None, **fit_params):
    """Fine-tune ``model`` stage by stage, each stage warm-started from the last (§4.6).

    Parameters
    ----------
    model : SparseMLPClassifier
        Typically from :meth:`SparseMLPClassifier.from_autoencoders`.
    X : array_like, shape (n_samples, n_features)
    y : array_like, shape (n_samples,)
    stages : sequence of {'softmax', 'top', 'all'} or int
        Values of ``trainable`` for the successive stages. A stage that
        trains the same layers as the one before it is skipped (with one
        hidden layer, 'top' and 'all' are the same). A single string is
        refused, since ``stages='all'`` could mean every stage or the one
        stage 'all': pass ``['all']`` for one stage.
    epochs : int, sequence of int or None
        Epochs of every stage, or one value per stage; None uses
        ``model.epochs`` as it was on entry (not the previous stage's
        count). Each must be an int >= 1, as ``epochs`` of the estimators.
    **fit_params
        Passed to every ``fit`` (``X_val``, ``y_val``, ``callbacks``).

    Returns
    -------
    model : SparseMLPClassifier
        The same object, fitted; ``warm_start`` is left True, ``epochs``
        as it was on entry (restored also when a stage raises).
    histories : list of (stage, history)
        The ``trainable`` value and the per-epoch history of each stage run.

    Raises
    ------
    TypeError, ValueError
        For bad ``stages`` or ``epochs``, naming the argument (``stages[1]``,
        ``epochs[0]``); every stage is checked before the first one trains.
    """
    plan = _check_stages(stages, model._layer_sizes())
    stage_epochs = _stage_epochs(epochs, len(plan))
    base_epochs = model.epochs
    model.set_params(warm_start=True)
    histories, previous = [], None
    try:
        for (stage, n_trainable), n_epochs in zip(plan, stage_epochs):
            model.set_params(trainable=stage)
            if n_trainable == previous:
                continue
            # Each stage sets epochs afresh: a None stage gets the caller's value, not the
            # count of the stage before it.
            model.set_params(epochs=base_epochs if n_epochs is None else n_epochs)
            model.fit(X, y, **fit_params)
            histories.append((stage, model.history_))
            previous = n_trainable
    finally:
        model.set_params(epochs=base_epochs)
    return model, histories
