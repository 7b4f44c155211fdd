"""Parent and child features: data on which a sparse autoencoder can absorb features.

Each parent atom has ``n_children`` child atoms; a child is only ever active
in a row where its parent is (a child implies its parent, like "short word"
and "word starting with s"). A sparse model is rewarded for *absorption*:
a latent for "child" that also carries the parent's direction lets the
parent's latent stay silent on those rows, saving one active unit. The
truth's ``parents`` records the hierarchy, and
:func:`ksparse.lab.metrics.absorption` measures how often the parent's
latent fails to fire where a child is active.

Atoms are ordered parents first (0 … n_parents − 1), then the children of
parent 0, of parent 1, and so on.
"""
__all__ = ["make_hierarchical_data"]

import numpy as np
import scipy.sparse

from ..validation import check_int, check_real
from ._stream import lab_stream
from .codes import _draw_codes, code_settings
from .data import _with_noise
from .dictionary import _draw_dictionary, dictionary_settings


def make_hierarchical_data(n_samples=10000, n_features=32, *, n_parents=8, n_children=2,
                           active=2, child_probability=0.5, coefficients=(0.5, 1.5),
                           coherence=None, noise=0.01, random_state=None):
    """Rows made of parent atoms and, under each active parent, some of its children.

    Parameters
    ----------
    n_samples, n_features : int, default 10000, 32
    n_parents : int, default 8
    n_children : int, default 2
        Children per parent; there are n_parents · (1 + n_children) atoms.
    active : int, default 2
        Active parents per row, exactly.
    child_probability : float in [0, 1], default 0.5
        Probability that a child is active in a row where its parent is
        (each child independently); never where its parent is not.
    coefficients : (low, high), default (0.5, 1.5)
    coherence : float or None, default None
    noise : float, default 0.01
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    truth : GroundTruth
        With ``parents`` (n_atoms,): -1 for the parents, the parent's index
        for each child.
    """
    n_parents = check_int(n_parents, "n_parents", 1)
    n_children = check_int(n_children, "n_children", 1)
    q = check_real(child_probability, "child_probability", 0.0, 1.0)
    n_atoms = n_parents * (1 + n_children)
    n_features, n_atoms, coherence = dictionary_settings(n_features, n_atoms, coherence)
    s = code_settings(n_samples, n_parents, active=active, coefficients=coefficients)
    noise = check_real(noise, "noise", 0.0)
    rng = lab_stream(random_state)
    D = _draw_dictionary(n_features, n_atoms, coherence, rng)
    P = _draw_codes(s, rng)  # (n_samples, n_parents)
    parent_of = np.repeat(np.arange(n_parents), n_children)  # (n_parents * n_children,)
    on = P.toarray()[:, parent_of] != 0  # (n_samples, n_children_total): parent active
    on &= rng.random(on.shape) < q
    low, high = s["coefficients"]
    values = rng.uniform(low, high, size=on.shape)  # (n_samples, n_children_total)
    children = scipy.sparse.csr_matrix(np.where(on, values, 0.0))
    C = scipy.sparse.hstack([P, children], format="csr")  # (n_samples, n_atoms)
    info = dict(kind="hierarchical", n_samples=s["n_samples"], n_features=n_features,
                n_atoms=n_atoms, n_parents=n_parents, n_children=n_children,
                active=s["active"], child_probability=q, coefficients=[low, high],
                target_coherence=coherence)
    truth = _with_noise(D, C, noise, rng, info)
    truth.parents = np.concatenate([np.full(n_parents, -1), parent_of])
    return truth
