"""Checks for the dead-units exercise: why the literal recipe kills units, and a fix.

Trained as the paper's §4.2 says (raw pixels in [0, 1], σ = 0.01, momentum
SGD), a k-sparse autoencoder on digits leaves about half of its hidden units
dead: never among the k largest of any image in an epoch. The question asks
why; the fix is checked by training the student's model on glyph digits
(:mod:`ksparse.classroom.digits`, offline), counting its dead units and
making sure it learned: a model that barely trains (a tiny learning rate)
keeps its random initial units alive without fixing anything.
"""
import textwrap

from ..classroom.digits import make_glyph_digits
from ..nn.squared_error import fraction_of_variance_unexplained
from ..training.loop import NonFiniteLossError
from ._result import StudentError, attempt, failed, passed

__all__ = ["DEAD_UNITS_CHOICES", "DEAD_UNITS_QUESTION", "check_dead_units_cause",
           "check_dead_units_fix"]

_CAUSE = "why units die"
_FIX = "fix the dead units"

#: The question of the dead-units exercise, which :func:`check_dead_units_cause` grades.
DEAD_UNITS_QUESTION = "Why does the literal recipe leave so many hidden units dead?"

#: The answers offered to :data:`DEAD_UNITS_QUESTION`, by letter; one is right.
DEAD_UNITS_CHOICES = {
    "a": "The learning rate is too large: the weights of most units diverge to infinity.",
    "b": "Every image has non-negative pixels and a large shared mean, so a unit's activity "
         "is mostly its response to that mean, and a gradient step that lowers it on some "
         "images lowers it on all: units pushed below the winners get no gradient again, "
         "while a few units win almost every image.",
    "c": "k is too small: with k units per image, 1000 units cannot all be used.",
    "d": "Top-k is not differentiable, so no gradient reaches any hidden unit.",
}

_WHY_NOT = {
    "a": "the loss stays finite and the winners keep learning; nothing diverges.",
    "c": "with centred data the same k uses almost every unit.",
    "d": "the gradient flows through the k selected units (see the top-k example); "
         "the others are the ones that get none.",
}

# The check's experiment: 100 units, k = 20, 1000 glyph digits, 3 epochs.
_SETTING = dict(n_hidden=100, k=20)
_N_IMAGES = 1000
_EPOCHS = 3
_MAX_DEAD = 10
# Measured: the literal recipe (the default settings) leaves 28 to 66 units
# dead, depending on random_state (0-29; median 45, 42 at the default 0).
# Centring or pre-bias leave 0 to 3 (random_state 0-4).
_LITERAL_DEAD = 45
# A fix must also learn: reconstruct the images better than their mean image
# does (FVU < 1). The fixes reach about 0.5; a learning rate of 1e-4 keeps
# only 2 to 21 units dead (random_state 0-4) but leaves an FVU of 1.5, worse
# than the mean image.
_MAX_FVU = 1.0


def check_dead_units_cause(answer):
    """Check the letter chosen among :data:`DEAD_UNITS_CHOICES`.

    Parameters
    ----------
    answer : str
        ``'a'``, ``'b'``, ``'c'`` or ``'d'``.

    Returns
    -------
    result : CheckResult
    """
    letter = answer.strip().lower() if isinstance(answer, str) else answer
    if letter not in DEAD_UNITS_CHOICES:
        return failed(_CAUSE, f"answer with one of {sorted(DEAD_UNITS_CHOICES)}, got {answer!r}.")
    if letter != "b":
        return failed(_CAUSE, f"not ({letter}): {_WHY_NOT[letter]}")
    return passed(_CAUSE, "(b): the shared mean moves a unit on every image at once. "
                          "Centring the input, or a pre-encoder bias b′, removes it.")


def _train_and_count(model, random_state):
    """(dead units, FVU on the training images) after the short training, or what went wrong."""
    X, _ = make_glyph_digits(_N_IMAGES, random_state=random_state + 1)
    model.set_params(epochs=_EPOCHS, random_state=random_state, verbose=False)
    try:
        model.fit(X)
    except NonFiniteLossError:
        return "training diverged (non-finite loss); lower the learning rate."
    except (TypeError, ValueError) as exc:
        return f"the model could not be trained: {exc}"
    fvu = float(fraction_of_variance_unexplained(model.reconstruct(X), X))
    return model.history_[-1]["dead_units"], fvu


def _describe_model(model):
    return textwrap.shorten(repr(model), 200)


def check_dead_units_fix(make_model, random_state=0):
    """Train ``make_model(100, 20)`` (n_hidden, k) briefly and count its dead units.

    Parameters
    ----------
    make_model : callable
        ``make_model(n_hidden, k)``, called with the two positionally
        (any parameter names do), returns an unfitted
        :class:`ksparse.KSparseAutoencoder` with those two settings; the check
        sets ``epochs=3``, ``random_state`` and ``verbose=False`` and trains
        it on 1000 glyph digits (pixels in [0, 1]).
    random_state : int

    Returns
    -------
    result : CheckResult
        Passed when at most 10 of the 100 units are dead in the last epoch
        (the literal recipe leaves about 45, from 28 to 66 with the seed) and
        the model reconstructs the images better than their mean image does
        (FVU < 1): a model that has not learned keeps its random units alive
        without fixing anything.
    """
    from ..models.k_sparse import KSparseAutoencoder

    try:
        # Positionally, as documented: the student may name the parameters as they like.
        model = attempt(make_model, _SETTING["n_hidden"], _SETTING["k"])
    except StudentError as exc:
        return failed(_FIX, str(exc))
    if not isinstance(model, KSparseAutoencoder):
        return failed(_FIX, f"make_model must return a KSparseAutoencoder, got {model!r}.")
    for name, value in _SETTING.items():
        if getattr(model, name) != value:
            return failed(_FIX, f"keep {name} = {value} (got {getattr(model, name)!r}); "
                                "the fix must not change the problem.")
    outcome = _train_and_count(model, random_state)
    if isinstance(outcome, str):
        return failed(_FIX, outcome)
    dead, fvu = outcome
    if dead > _MAX_DEAD:
        return failed(_FIX, f"{dead} of 100 units are still dead after {_EPOCHS} epochs "
                            f"(pass: at most {_MAX_DEAD}); {_describe_model(model)}.")
    if not fvu < _MAX_FVU:
        return failed(_FIX, f"only {dead} units are dead, but the model reconstructs the images "
                            f"worse than their mean image does (FVU = {fvu:.2f} >= {_MAX_FVU:g}): "
                            f"it has not learned yet; {_describe_model(model)}.")
    return passed(_FIX, f"{dead} of 100 units dead after {_EPOCHS} epochs "
                        f"(the literal recipe: about {_LITERAL_DEAD}), FVU {fvu:.2f}.")
