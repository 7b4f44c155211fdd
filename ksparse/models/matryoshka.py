"""Matryoshka codes (Bussmann, Nabeshima, Karvonen & Nanda, 2025): nested prefixes of the latents.

An option (``prefixes``) of every TopK-family model
(:class:`ksparse.TopKAutoencoder`, :class:`ksparse.BatchTopKAutoencoder`):
besides the full code h, the same code cut to its first m latents,
h ⊙ 1[j < m], reconstructs x on its own for each prefix size m, and those
losses are added to the full one, each with the weight ``prefix_weight``
(1 by default, as in the paper; a smaller weight trades the prefixes'
reconstructions for the full code's). The support Γ is
chosen once, on the full code; a prefix only cuts it. So the first latents
are pushed to carry the coarse structure of the data, and a model can be
read at any prefix size afterwards (its first m latents and decoder columns).
"""
__all__ = ["check_prefixes", "matryoshka_codes"]

import numbers

from ..backend import get_array_module


def matryoshka_codes(code, prefixes, n_hidden, weight=1.0):
    """The code of each nested prefix: ``code`` cut to its first m latents, with its weight.

    Parameters
    ----------
    code : callable
        ``code(z)`` returns ``(h, passes)``
        (see :func:`ksparse.models.topk.recipe_loss_and_grads`).
    prefixes : tuple of int or None
        m₁ < m₂ < … ≤ n_hidden; None or () gives none. A prefix m = n_hidden
        is the full code, whose loss is always there, so it is left out.
    n_hidden : int
    weight : float, default=1.0
        β, every prefix's loss weight.

    Returns
    -------
    extra : tuple of (callable, float)
        For ``extra=`` of :func:`ksparse.models.topk.recipe_loss_and_grads`: (h ⊙ 1[j < m],
        passes ⊙ 1[j < m]) with weight β, one per prefix m < n_hidden.

    Notes
    -----
    With the support Γ of the full code held fixed (the prefix cuts it, it
    does not choose again),

    .. math::

        E = \\lVert x - W h - b'\\rVert^2
            + \\beta \\textstyle\\sum_{m} \\lVert x - W_{:, <m}\\, h_{<m} - b'\\rVert^2.
    """
    def cut(m):
        def prefix_code(z):
            h, passes = code(z)  # (n_samples, n_hidden) twice
            keep = get_array_module(z).arange(n_hidden) < m  # (n_hidden,): the first m latents
            return h * keep, passes & keep
        return prefix_code

    return tuple((cut(m), weight) for m in (prefixes or ()) if m < n_hidden)


def check_prefixes(name, value, values):
    """None, or a strictly increasing tuple of ints in [1, n_hidden] (Matryoshka)."""
    if value is None:
        return None
    n_hidden = values["n_hidden"]
    sizes = tuple(value) if isinstance(value, (tuple, list)) else None
    ok = bool(sizes) and all(isinstance(m, numbers.Integral) and not isinstance(m, bool)
                             for m in sizes)
    if not ok or any(not 1 <= m <= n_hidden for m in sizes) or list(sizes) != sorted(set(sizes)):
        raise ValueError(f"{name} must be None or increasing ints in [1, n_hidden={n_hidden}], "
                         f"got {value!r}.")
    return tuple(int(m) for m in sizes)
