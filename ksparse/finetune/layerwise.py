"""Layer-wise discriminative fine-tuning of a deep k-sparse network (paper §4.6).

After greedy layer-wise pre-training, the paper fine-tunes in stages, each
starting from the parameters the previous stage left: first the softmax
alone on top of the fixed hidden layers, then the last hidden layer and the
softmax together, then all layers jointly. It reports that this does better
than fine-tuning all layers at once.
"""
__all__ = ["LAYERWISE_STAGES", "layerwise_finetune"]

import numbers

from ..validation import check_int

#: The stages of layer-wise fine-tuning, in the order they run.
LAYERWISE_STAGES = ("softmax", "top", "all")


def _stage_epochs(epochs, n_stages):
    if epochs is None or isinstance(epochs, numbers.Integral):
        return [epochs] * n_stages
    epochs = list(epochs)
    if len(epochs) != n_stages:
        raise ValueError(
            f"epochs must be an int or one value per stage ({n_stages}), got {epochs!r}."
        )
    return epochs


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
        hidden layer, 'top' and 'all' are the same).
    epochs : int, sequence of int or None
        Epochs of every stage, or one value per stage; None keeps ``model.epochs``.
    **fit_params
        Passed to every ``fit`` (``X_val``, ``y_val``, ``callbacks``).

    Returns
    -------
    model : SparseMLPClassifier
        The same object, fitted; ``warm_start`` is left True.
    histories : list of (stage, history)
        The ``trainable`` value and the per-epoch history of each stage run.
    """
    stages = list(stages)
    if not stages:
        raise ValueError("stages must name at least one stage.")
    stage_epochs = _stage_epochs(epochs, len(stages))
    for n in stage_epochs:
        if n is not None:
            check_int(n, "epochs", low=1)
    n_layers = len(model.set_params(warm_start=True)._layer_sizes())
    histories, previous = [], None
    for stage, n_epochs in zip(stages, stage_epochs):
        model.set_params(trainable=stage)
        n_trainable = model._n_trainable(n_layers)
        if n_trainable == previous:
            continue
        if n_epochs is not None:
            model.set_params(epochs=n_epochs)
        model.fit(X, y, **fit_params)
        histories.append((stage, model.history_))
        previous = n_trainable
    return model, histories
