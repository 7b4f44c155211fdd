"""The random numbers of a training run: one generator for the minibatch order, one per step.

The minibatch order of every epoch comes from the run's ``random_state``
(:func:`ksparse.validation.check_random_state`). The noise a step needs (dropout, input
corruption, Gibbs sampling) comes from a generator of its own, seeded by
(run seed, step number) alone (:func:`step_generator`), so that a resumed
run, or a window of steps replayed by the non-finite check, draws exactly
the numbers the uninterrupted run drew.
"""
__all__ = ["step_generator", "step_seed"]

import hashlib
import json

import numpy as np


def step_seed(rng):
    """Entropy for the per-step generators of a run, read from ``rng`` without drawing from it.

    A digest of the generator's state when the run starts: the same
    ``random_state`` gives the same seed, and the minibatch order drawn
    from ``rng`` is unchanged.

    Returns
    -------
    seed : int, 0 <= seed < 2**128
    """
    state = json.dumps(rng.bit_generator.state, sort_keys=True).encode("utf-8")
    return int.from_bytes(hashlib.sha256(state).digest()[:16], "little")


def step_generator(seed, step):
    """The generator that step ``step`` of the run with ``seed`` draws its noise from."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(step,)))
