"""The random numbers of a training run: one generator for the minibatch order, one per step.

The minibatch order of every epoch comes from the run's ``random_state``
(:func:`ksparse.validation.check_random_state`). The noise a step needs (dropout, input
corruption, Gibbs sampling) comes from a generator of its own, seeded by
(run seed, step number) alone (:func:`step_generator`), so that a resumed
run, or a window of steps replayed by the non-finite check, draws exactly
the numbers the uninterrupted run drew. Any of NumPy's bit generators may
drive the run (PCG64, as ``numpy.random.default_rng`` makes, or MT19937,
Philox, SFC64, PCG64DXSM): :func:`generator_state` reads its state as plain
JSON values, which the digest and the checkpoints need.
"""
__all__ = ["generator_state", "step_generator", "step_seed"]

import hashlib
import json

import numpy as np


def _as_list(value):
    """JSON's fallback for the arrays some bit generators keep in their state (MT19937's key)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"a bit generator's state holds {type(value).__name__}, not JSON")


def generator_state(rng):
    """The state of ``rng``'s bit generator, its arrays as lists of ints.

    NumPy's bit generators accept the result back (``rng.bit_generator.state
    = state``), and JSON holds it. A PCG64 state has no arrays: it is
    returned as NumPy gives it.

    Returns
    -------
    state : dict
    """
    return json.loads(json.dumps(rng.bit_generator.state, default=_as_list))


def step_seed(rng):
    """Entropy for the per-step generators of a run, read from ``rng`` without drawing from it.

    A digest of the generator's state when the run starts: the same
    ``random_state`` gives the same seed, and the minibatch order drawn
    from ``rng`` is unchanged.

    Returns
    -------
    seed : int, 0 <= seed < 2**128
    """
    state = json.dumps(generator_state(rng), sort_keys=True).encode("utf-8")
    return int.from_bytes(hashlib.sha256(state).digest()[:16], "little")


def step_generator(seed, step):
    """The generator that step ``step`` of the run with ``seed`` draws its noise from."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(step,)))
