"""The laboratory's random stream: never the one a model seeded with the same integer draws from.

A model seeded with ``random_state=0`` draws its initial atoms as
``default_rng(0).standard_normal((n_features, n_hidden))``, exactly the draw
that would make the true dictionary if the data were seeded with 0 too: the
model would start at the answer. An integer seed s therefore seeds the
laboratory's generators with the sequence [s, SALT] instead, an independent
stream; a Generator passed in is used as given.
"""
import numpy as np

from ..validation import check_random_state

SALT = 0x6C6162  # "lab"


def lab_stream(random_state):
    """A NumPy Generator for the laboratory's draws (see the module docstring)."""
    rng = check_random_state(random_state)
    if isinstance(random_state, np.random.Generator) or random_state is None:
        return rng
    return np.random.default_rng([int(random_state), SALT])
