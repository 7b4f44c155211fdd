"""BatchTopK sparse autoencoder (Bussmann, Leask & Nanda, 2024) on the TopK recipe.

The TopK model keeps k activities in every row. BatchTopK keeps the B·k
largest activities (after ReLU) of the whole minibatch of B rows, so an easy
row may use fewer than k latents and a hard one more, with k per row on
average. Everything else is the TopK recipe of :mod:`ksparse.models.topk`,
reused as is: the unit-norm decoder, the pre-encoder bias b′ and AuxK.

Two modes:

* **training**: Γ = the B·k largest entries of ReLU(Z) over the flattened
  (B, n_hidden) batch, ties to the lowest flat index (row-major), as
  :func:`ksparse.nn.supp_k.topk_mask` breaks them within a row;
* **inference**: a batch rule would make a row's code depend on its
  neighbours, so each row keeps its activities above one threshold θ
  (``threshold_``), learned while training as the running mean of the
  smallest kept activity of each batch: θ ← θ + r (t − θ), with t that
  smallest kept positive activity, r = ``threshold_rate`` (0.01, a mean over
  roughly the last 100 steps); θ starts at the first batch's value (not
  biased towards 0), and a model that trains on from fitted weights (loaded
  from a file) goes on from its θ. A batch that keeps no positive activity
  leaves θ as it is.
"""
__all__ = [
    "BatchTopKAutoencoder",
    "batch_topk_code",
    "batch_topk_loss_and_grads",
    "update_threshold",
]

import numpy as np

from ..backend import get_array_module
from ..fast import topk_step
from ..fast.topk_codes import batch_topk_codes
from ..hyperparameters import Real
from ..io.model_files import register_model
from ..nn import encoder_decoder as F
from ..nn.affine import affine
from ..nn.supp_k import batch_topk_mask
from .topk import TopKAutoencoder, matryoshka_codes, recipe_loss_and_grads


def batch_topk_code(z, k):
    """ReLU of the B·k largest activities of the batch; the mask where the gradient passes.

    Parameters
    ----------
    z : array, shape (n_samples, n_hidden)
    k : int
        Latents kept per row on average: n_samples · k are kept in all (at
        most every entry).

    Returns
    -------
    h : array, shape (n_samples, n_hidden)
    passes : bool array, shape (n_samples, n_hidden)
        Kept and positive: where ∂h/∂z = 1.
    """
    xp = get_array_module(z)
    passes = batch_topk_mask(z, k) & (z > 0)  # (n_samples, n_hidden)
    return xp.where(passes, z, z.dtype.type(0)), passes


def batch_topk_loss_and_grads(params, X, k, dead, aux_k, aux_weight, pre_bias=True,
                              prefixes=None, prefix_weight=1.0):
    """Loss and gradients of the BatchTopK recipe, and the batch's smallest kept activity.

    Parameters
    ----------
    params, X, k, dead, aux_k, aux_weight, pre_bias
        As for :func:`ksparse.models.topk.topk_recipe_loss_and_grads`.
    prefixes : tuple of int or None, default=None
        Matryoshka: the batch code cut to each prefix
        (:func:`ksparse.models.matryoshka.matryoshka_codes`).
    prefix_weight : float, default=1.0
        Every prefix's loss weight.

    Returns
    -------
    loss : 0-d array
    grads : dict of arrays (the decoder gradient not yet projected)
    mask : bool array, shape (n_samples, n_hidden)
        Kept positive units.
    smallest : 0-d array
        The smallest kept positive activity t; NaN when none is positive.

    Notes
    -----
    .. math::

        Z = (X - b')P^\\top + b,\\quad
        H = \\mathrm{ReLU}(Z) \\odot 1_{\\Gamma_B},\\quad
        \\Gamma_B = \\mathrm{supp}_{Bk}(\\mathrm{vec}\\,\\mathrm{ReLU}(Z)),\\quad
        E = \\tfrac{1}{B}\\lVert X - H W^\\top - b'\\rVert_F^2 + \\alpha_{aux} L_{aux},

    and with Γ_B held fixed ∂E/∂Z = (∂E/∂H) ⊙ 1[Γ_B, Z > 0], as for TopK.
    """
    xp = get_array_module(X)
    code = lambda z: batch_topk_code(z, k)  # noqa: E731
    extra = matryoshka_codes(code, prefixes, params["W"].shape[1], prefix_weight)
    loss, grads, h, passes = recipe_loss_and_grads(
        params, X, code, dead, aux_k, aux_weight, pre_bias, extra)
    smallest = xp.where(passes, h, xp.inf).min()  # 0-d: t, or inf when nothing passes
    return loss, grads, passes, xp.where(xp.isinf(smallest), xp.nan, smallest)


def update_threshold(theta, smallest, rate):
    """θ + rate · (t − θ); t itself while θ is unset (NaN); θ itself when t is NaN.

    t is NaN when the batch kept no positive activity; θ is NaN before the
    first batch of a model's training, so θ starts at that batch's value.
    """
    xp = get_array_module(theta)
    moved = theta + rate * (smallest - theta)  # 0-d
    moved = xp.where(xp.isnan(theta), smallest, moved)
    return xp.where(xp.isnan(smallest), theta, moved).astype(theta.dtype)


@register_model
class BatchTopKAutoencoder(TopKAutoencoder):
    """BatchTopK sparse autoencoder: k active latents per row on average (Bussmann et al., 2024).

    Trains by the B·k largest activities of each minibatch; encodes by the
    learned threshold ``threshold_`` (see the module docstring for both modes),
    so ``transform``, ``reconstruct`` and ``score`` treat every row on its own
    and refuse the ``k=`` of :meth:`TopKAutoencoder.transform <ksparse.TopKAutoencoder.transform>`.

    Parameters
    ----------
    k : int, default=32
        Latents kept per row on average while training.
    threshold_rate : float in (0, 1], default=0.01
        r, the rate of the running mean that gives ``threshold_``.
    k_start, step, prefixes, prefix_weight, aux_k, aux_weight, dead_steps, pre_bias_init
        As for :class:`ksparse.TopKAutoencoder` (no ``multi_k``; with ``prefixes``
        the batch code is cut to each prefix while training).
    n_hidden, center, pre_bias, total_steps, momentum, lr_end, epochs, batch_size, check_every
        As for :class:`ksparse.TopKAutoencoder` (``pre_bias`` on by default).
    learning_rate, optimizer, dtype, random_state, verbose
        As for :class:`ksparse.TopKAutoencoder`: Adam with learning rate 1e-3 by default.

    Attributes
    ----------
    threshold_ : 0-d array
        θ: a row's code keeps its activities z_j > θ (z_j > 0 as well).
    W_, P_, b_, b_prime_, history_, n_features_in_, backend_
        As for :class:`ksparse.TopKAutoencoder`.

    Notes
    -----
    .. math::

        \\text{training: } H = \\mathrm{ReLU}(Z) \\odot 1_{\\Gamma_B},\\qquad
        \\text{inference: } h_j = z_j\\, 1[z_j > \\theta],\\qquad
        \\theta \\leftarrow \\theta + r\\,(\\min_{(i, j) \\in \\Gamma_B,\\, z_{ij} > 0} z_{ij}
            - \\theta)
    """

    hyperparameters = {"threshold_rate": Real(0.0, 1.0, low_open=True)}
    _nan_when_unset = ("threshold_",)  # no batch has kept a positive activity yet
    multi_k = None  # the batch rule reads at one threshold, not at a k′
    multi_k_weight = 0.0

    def __init__(self, *, n_hidden=1000, k=32, k_start=None, step="sparse", threshold_rate=0.01,
                 prefixes=None, prefix_weight=1.0, aux_k=None, aux_weight=1.0 / 32, dead_steps=200,
                 pre_bias_init="median", center=False, pre_bias=True, total_steps=None,
                 learning_rate=1e-3, momentum=0.9, lr_end=None, epochs=20, batch_size=128,
                 optimizer="adam", dtype=None, random_state=None, verbose=True, check_every=None):
        self._store_params(locals())

    def _init_parameters(self, X, rng, xp):
        """As TopK's, and θ unset (NaN) until the first step sets it."""
        super()._init_parameters(X, rng, xp)
        self.threshold_ = xp.full((), xp.nan, dtype=self.W_.dtype)

    def _loss_and_grads(self, params, X, k):
        """As TopK's, with the batch rule; ``aux["smallest"]`` is t, the smallest kept activity."""
        xp = get_array_module(X)
        recipe = (self._dead(xp), self._aux_k(), self._setting("aux_weight"), self.pre_bias)
        prefixes, prefix_weight = self._setting("prefixes"), self._setting("prefix_weight")
        if self.step == "dense":
            loss, grads, mask, smallest = batch_topk_loss_and_grads(
                params, X, k, *recipe, prefixes, prefix_weight)
            return loss, grads, {"active": mask.any(axis=0), "smallest": smallest}
        loss, grads, codes = topk_step.sparse_recipe_loss_and_grads(
            params, X, lambda z: batch_topk_codes(z, k, prefixes, prefix_weight), *recipe)
        return loss, grads, {"active": topk_step.active_units(codes, self.n_hidden),
                             "smallest": topk_step.smallest_kept(codes)}

    def _after_step(self, params, aux):
        super()._after_step(params, aux)
        self.threshold_ = update_threshold(self.threshold_, aux["smallest"],
                                           self._setting("threshold_rate"))

    def _extra_state(self):
        return {**super()._extra_state(), "threshold": self.threshold_}

    def _set_extra_state(self, arrays):
        super()._set_extra_state({"steps_idle": arrays["steps_idle"]})
        self.threshold_ = arrays["threshold"].astype(self.W_.dtype).reshape(())

    def _checkpoint_rules(self, step):
        # θ moves towards kept activities, which are positive; NaN until the first one.
        rules = super()._checkpoint_rules(step)
        rules["extra/threshold"] = (lambda theta: np.isnan(theta) | (theta >= 0),
                                    "a threshold >= 0 (NaN before any batch kept an activity)")
        return rules

    def _trained_reader(self, step, total_steps):
        return self  # θ follows the smallest kept activity, so the schedule's k already

    def _at_k(self, k):
        if k is not None:
            raise ValueError("BatchTopKAutoencoder reads at its threshold_, not at a k.")
        return self

    def _encode(self, X):
        xp = get_array_module(X)
        X_in = F.encoder_input(X, self._parameters(), self.pre_bias)  # (n_samples, n_features)
        z = affine(X_in, self.P_.T, self.b_)  # (n_samples, n_hidden)
        kept = (z > self.threshold_) & (z > 0)  # (n_samples, n_hidden)
        return xp.where(kept, z, z.dtype.type(0))  # the inference rule: one threshold θ

    def _fitted_arrays(self):
        return {**super()._fitted_arrays(), "threshold_": ()}
