"""The modern TopK autoencoder recipe (Gao et al., 2024) on ksparse's k-sparse core.

What it adds to the paper's model (§2.2):

* untied weights: encoder P started at Wᵀ, decoder W;
* unit-norm decoder columns: the gradient component along each column is
  removed before the update and the columns are renormalised after it;
* the pre-encoder bias b′ (z = P(x − b′) + b), started at the geometric
  median of the data (or its mean), and ReLU on the k kept units;
* the AuxK loss: the residual e = x − x̂ is reconstructed by the top
  ``aux_k`` of the *dead* latents (not active for ``dead_steps`` steps),
  weighted by ``aux_weight`` (1/32), which gives dead latents a gradient (the
  residual is a fixed target: no gradient flows into it; :mod:`ksparse.models.auxk`);
* the fraction of variance unexplained (FVU) and the dead fraction in the history;
* Multi-TopK (option ``multi_k``): the loss of a second, wider code
  L(k′) added with weight 1/8, so that the model reads well at other k;
* Matryoshka (option ``prefixes``; Bussmann, Nabeshima, Karvonen & Nanda,
  2025): the loss of each nested prefix of the latents, the code cut to its
  first m units, added with weight 1, so that the first m latents
  reconstruct on their own.

:func:`recipe_loss_and_grads` takes the selection as a function, so that
:mod:`ksparse.models.batch_topk` reuses this forward and backward.
"""
__all__ = [
    "TopKAutoencoder",
    "recipe_loss_and_grads",
    "topk_recipe_loss_and_grads",
]

import copy
import numbers

import numpy as np

from ..backend import get_array_module, to_device, to_numpy
from ..fast.topk_codes import chain_of_codes, topk_codes
from ..fast.topk_step import active_units, sparse_recipe_loss_and_grads
from ..hyperparameters import Custom, Int, OneOf, Optional, Real
from ..io.model_files import register_model
from ..nn import encoder_decoder as F
from ..nn.activations import relu
from ..nn.affine import affine, affine_backward
from ..nn.encoder_decoder import geometric_median
from ..nn.schedules import sparsity_level
from ..nn.squared_error import (
    fraction_of_variance_unexplained,
    squared_error,
    squared_error_backward,
)
from ..nn.supp_k import topk
from ..nn.unit_norm import project_to_tangent, renormalize_columns
from ..validation import check_array
from .autoencoder import Autoencoder
from .auxk import auxk_loss_and_grads
from .matryoshka import check_prefixes, matryoshka_codes


def _sparse_relu_code(z, k):
    """ReLU of the k largest activities of each row; the mask where the gradient passes."""
    z_k, mask = topk(z, k)  # (n_samples, n_hidden) twice
    return relu(z_k), mask & (z_k > 0)


def topk_recipe_loss_and_grads(params, X, k, dead, aux_k, aux_weight, pre_bias=True,
                               multi_k=None, multi_k_weight=1.0 / 8, prefixes=None,
                               prefix_weight=1.0):
    """Loss (reconstruction, AuxK, Multi-TopK) and gradients; decoder gradient not yet projected.

    Parameters
    ----------
    params : dict with ``W`` (n_features, n_hidden), ``P`` (n_hidden, n_features),
        ``b`` (n_hidden,), ``b_prime`` (n_features,)
    X : array, shape (n_samples, n_features)
    k, aux_k : int
    dead : bool array, shape (n_hidden,)
        Latents that count as dead; AuxK uses only these.
    aux_weight : float
    pre_bias : bool, default=True
        The encoder sees x − b′ (and b′ also learns through it); otherwise x.
    multi_k : int or None, default=None
        Multi-TopK: also reconstruct from the ``multi_k`` largest units and
        add that loss, times ``multi_k_weight``. None: off.
    multi_k_weight : float, default=1/8
    prefixes : tuple of int or None, default=None
        Matryoshka: also reconstruct from the first m latents of the k code,
        for each m, times ``prefix_weight`` (see :func:`matryoshka_codes`). None: off.
    prefix_weight : float, default=1.0

    Returns
    -------
    loss : 0-d array
    grads : dict of arrays
    mask : bool array, shape (n_samples, n_hidden)
        The kept units of each row (of the k, not the multi_k, code).

    Notes
    -----
    With Multi-TopK (Gao et al., 2024) the loss is

    .. math::

        E = L(k) + \\beta\\, L(k') + \\alpha_{aux} L_{aux},\\quad
        L(k) = \\lVert x - W\\,\\mathrm{ReLU}(\\mathrm{supp}_k(z)) - b'\\rVert^2,

    and the gradients of the two reconstructions add up in ∂E/∂z, W and b′.
    AuxK reconstructs the residual of the k code.
    """
    code = lambda z: _sparse_relu_code(z, k)  # noqa: E731
    extra = ()
    if multi_k is not None:
        extra = ((lambda z: _sparse_relu_code(z, multi_k), multi_k_weight),)
    extra = extra + matryoshka_codes(code, prefixes, params["W"].shape[1], prefix_weight)
    loss, grads, h, passes = recipe_loss_and_grads(
        params, X, code, dead, aux_k, aux_weight, pre_bias, extra)
    return loss, grads, passes | (h != 0)


def recipe_loss_and_grads(params, X, code, dead, aux_k, aux_weight, pre_bias=True, extra=()):
    """The TopK-family recipe with any selection of the kept units.

    Parameters
    ----------
    params, X, dead, aux_k, aux_weight, pre_bias
        As for :func:`topk_recipe_loss_and_grads`.
    code : callable
        ``code(z)`` returns ``(h, passes)``: the code, shape (n_samples,
        n_hidden), and the bool mask where ∂h/∂z = 1 (TopK per row, or
        :func:`ksparse.models.batch_topk.batch_topk_code`).
    extra : sequence of (callable, float), default=()
        Further codes of the same z, each reconstructing x on its own, their
        losses added with their weights (Multi-TopK).

    Returns
    -------
    loss : 0-d array
    grads : dict of arrays
        The decoder gradient not yet projected.
    h : array, shape (n_samples, n_hidden)
    passes : bool array, shape (n_samples, n_hidden)

    Notes
    -----
    .. math::

        E = \\lVert x - W h - b'\\rVert^2
            + \\textstyle\\sum_m \\beta_m \\lVert x - W h_m - b'\\rVert^2
            + \\alpha_{aux} L_{aux},\\qquad
        \\frac{\\partial E}{\\partial z} = \\frac{\\partial E}{\\partial h} \\odot 1_{passes}
            + \\textstyle\\sum_m \\frac{\\partial E}{\\partial h_m} \\odot 1_{passes_m}
            + \\frac{\\partial E}{\\partial h_{aux}} \\odot 1_{aux}
    """
    W, P = params["W"], params["P"]
    X_in = F.encoder_input(X, params, pre_bias)  # (n_samples, n_features): x − b′ or x
    z = affine(X_in, P.T, params["b"])  # (n_samples, n_hidden)
    h, passes = code(z)  # (n_samples, n_hidden) twice
    X_hat = F.decode(h, W, params["b_prime"])  # (n_samples, n_features)
    loss = squared_error(X_hat, X)
    dX_hat = squared_error_backward(X_hat, X)
    dW, db_prime, dh = F.decode_backward(dX_hat, h, W)
    dz = dh * passes  # (n_samples, n_hidden)
    for other, weight in extra:
        h_o, passes_o = other(z)  # (n_samples, n_hidden) twice
        X_hat_o = F.decode(h_o, W, params["b_prime"])  # (n_samples, n_features)
        loss = loss + weight * squared_error(X_hat_o, X)
        dW_o, db_o, dh_o = F.decode_backward(weight * squared_error_backward(X_hat_o, X), h_o, W)
        dW, db_prime, dz = dW + dW_o, db_prime + db_o, dz + dh_o * passes_o
    aux = auxk_loss_and_grads(z, X - X_hat, W, dead, aux_k, aux_weight)
    if aux is not None:
        loss, dW, dz = loss + aux[0], dW + aux[1], dz + aux[2]
    dP_t, db, dX_in = affine_backward(dz, X_in, P.T)
    if pre_bias:  # b′ also shifts the encoder's input
        db_prime = db_prime - dX_in.sum(axis=0)
    grads = {"W": dW, "P": dP_t.T, "b": db, "b_prime": db_prime}
    return loss, grads, h, passes


@register_model
class TopKAutoencoder(Autoencoder):
    """TopK sparse autoencoder with a unit-norm decoder and the AuxK loss (Gao et al., 2024).

    Parameters
    ----------
    k : int, default=32
        Latents kept per example.
    k_start : int or None, default=None
        Sparsity schedule (§4.2.1, as for :class:`ksparse.KSparseAutoencoder`): k falls
        linearly from ``k_start`` to ``k`` over the first half of the steps; None keeps k.
    step : {'sparse', 'dense'}, default='sparse'
        How each step is computed, to the same loss and gradients up to float rounding:
        'sparse' (:mod:`ksparse.fast.topk_step`) touches only the kept latents after the
        encoder product; 'dense' is the readable :func:`recipe_loss_and_grads`.
    multi_k : int or None, default=None
        Multi-TopK: train on L(k) + ``multi_k_weight`` · L(``multi_k``), the
        same code read at two sparsities (Gao et al. use ``4 * k`` and 1/8),
        so that the model can be read at another k′ afterwards:
        ``transform(X, k=k′)``. None: off (the plain recipe).
    multi_k_weight : float, default=1/8
    prefixes : tuple of int or None, default=None
        Matryoshka: nested prefix sizes m₁ < m₂ < … ≤ n_hidden; the loss of the
        code cut to its first m latents is added for each m, times
        ``prefix_weight`` (a prefix equal to n_hidden is the full code and
        counts once), so that the first m latents reconstruct on their own.
        None: off.
    prefix_weight : float, default=1.0
        β, every prefix's loss weight: 1 as in the paper, the same as the full
        code's; below 1 the full code's reconstruction counts for more.
    aux_k : int or None, default=None
        Dead latents used by AuxK; None means 2·k (at most n_hidden).
    aux_weight : float, default=1/32
    dead_steps : int, default=200
        A latent not kept in any example for this many steps counts as dead.
    pre_bias_init : {'median', 'mean'}, default='median'
        Start of b′: the geometric median or the mean of the training data.
    n_hidden, center, pre_bias, total_steps, momentum, lr_end, epochs, batch_size, check_every
        As for :class:`ksparse.KSparseAutoencoder`, but ``pre_bias`` (x − b′) defaults to True.
    learning_rate, optimizer, dtype, random_state, verbose
        As for :class:`ksparse.KSparseAutoencoder`; Adam with learning rate 1e-3 by default.

    Attributes
    ----------
    W_ : array, shape (n_features, n_hidden), unit-norm columns
    P_ : array, shape (n_hidden, n_features)
    b_, b_prime_, n_features_in_, backend_
    history_ : list of dict
        Also ``dead_fraction`` (dead latents / n_hidden after each epoch) and,
        with validation data, ``val_fvu``. ``loss`` is the training objective E
        below (with the AuxK, Multi-TopK and prefix terms); ``val_loss`` and
        ``val_fvu`` measure the reconstruction from the k code alone. With
        ``k_start``, also ``k``, the schedule's k at the epoch's last step.

    Notes
    -----
    .. math::

        z = P(x - b') + b,\\quad h = \\mathrm{ReLU}(z_{\\Gamma}),\\quad
        \\hat x = W h + b',\\quad
        E = \\lVert x - \\hat x\\rVert^2 + \\alpha_{aux}
            \\lVert (x - \\hat x) - W h_{aux}\\rVert^2,\\quad
        \\nabla_{w_j} \\leftarrow \\nabla_{w_j} - (w_j^\\top \\nabla_{w_j})\\, w_j

    With ``multi_k`` = k′ and ``multi_k_weight`` = β, E gains
    β‖x − W ReLU(z_Γ′) − b′‖², Γ′ the k′ largest units (Multi-TopK). With
    ``prefixes``, E gains β Σ_m ‖x − W_{:,<m} h_{<m} − b′‖² (Matryoshka, β =
    ``prefix_weight``).
    """

    hyperparameters = {
        "k": Int(low=1, high="n_hidden"),
        "k_start": Optional(Int(low="k", high="n_hidden")),
        "step": OneOf(("sparse", "dense")),
        "multi_k": Optional(Int(low=1, high="n_hidden")),
        "multi_k_weight": Real(low=0.0),
        "prefixes": Custom(check_prefixes),
        "prefix_weight": Real(low=0.0),
        "aux_k": Optional(Int(low=1, high="n_hidden")),
        "aux_weight": Real(low=0.0),
        "dead_steps": Int(low=1),
        "pre_bias_init": OneOf(("median", "mean")),
    }
    # Fixed by the recipe, not options: a separate encoder P, unit-norm decoder
    # columns (no Gaussian scale), and clean input while training.
    tied = False
    init_std = None
    input_dropout = 0.0

    def __init__(self, *, n_hidden=1000, k=32, k_start=None, step="sparse", multi_k=None,
                 multi_k_weight=1.0 / 8, prefixes=None, prefix_weight=1.0, aux_k=None,
                 aux_weight=1.0 / 32, dead_steps=200, pre_bias_init="median", center=False, pre_bias=True, total_steps=None,
                 learning_rate=1e-3, momentum=0.9, lr_end=None, epochs=20, batch_size=128,
                 optimizer="adam", dtype=None, random_state=None, verbose=True,
                 check_every=None):
        self._store_params(locals())

    def _init_parameters(self, X, rng, xp):
        """Random unit-norm decoder columns, encoder Wᵀ, b′ at the median (or mean)."""
        W = rng.standard_normal((X.shape[1], self.n_hidden))  # (n_features, n_hidden)
        W /= np.linalg.norm(W, axis=0)
        self.W_ = to_device(W.astype(X.dtype), xp)
        self.P_ = self.W_.T.copy()  # (n_hidden, n_features)
        self.b_ = xp.zeros(self.n_hidden, dtype=X.dtype)
        start = geometric_median(X) if self.pre_bias_init == "median" else X.mean(axis=0)
        self.b_prime_ = start.astype(X.dtype) if self.pre_bias else 0 * start
        self._new_run_state(rng, xp)
        if self.step == "sparse":
            # Same values, atoms contiguous in memory: the sparse step reads and
            # writes whole atoms (see ksparse.fast.sparse_step).
            self.W_ = xp.asfortranarray(self.W_)

    def _new_run_state(self, rng, xp):
        """Every latent starts alive: its idle counter (steps since it last fired) at 0."""
        self.steps_idle_ = np.zeros(self._setting("n_hidden"), dtype=np.int64)  # host counters

    def _aux_k(self):
        n_hidden, k, aux_k = (self._setting(name) for name in ("n_hidden", "k", "aux_k"))
        return min(n_hidden, 2 * k) if aux_k is None else aux_k

    def _dead(self, xp):
        return to_device(self.steps_idle_ >= self._setting("dead_steps"), xp)  # (n_hidden,)

    def _k_at(self, step, total_steps):  # the schedule of §4.2.1, on the settings as Python numbers
        return sparsity_level(step, total_steps, self._setting("k"), self._setting("k_start"))

    def _training_step(self, params, X, *, step, total_steps, rng):
        loss, grads, aux = self._loss_and_grads(params, X, self._k_at(step, total_steps))
        grads["W"] = project_to_tangent(params["W"], grads["W"])  # keep the step tangent to ‖w_j‖ = 1
        return loss, grads, aux

    def _loss_and_grads(self, params, X, k):
        """Loss, gradients (decoder not yet projected) and ``{"active": latents used}``."""
        xp = get_array_module(X)
        recipe = (self._dead(xp), self._aux_k(), self._setting("aux_weight"), self.pre_bias)
        extra = (self._setting("multi_k"), self._setting("multi_k_weight"),
                 self._setting("prefixes"), self._setting("prefix_weight"))
        if self.step == "dense" or not chain_of_codes(k, extra[0], extra[2]):
            loss, grads, mask = topk_recipe_loss_and_grads(params, X, k, *recipe, *extra)
            return loss, grads, {"active": mask.any(axis=0)}
        loss, grads, codes = sparse_recipe_loss_and_grads(
            params, X, lambda z: topk_codes(z, k, *extra), *recipe)
        return loss, grads, {"active": active_units(codes, self._setting("n_hidden"))}

    def _after_step(self, params, aux):
        renormalize_columns(params["W"])  # back onto unit norms
        fired = to_numpy(aux["active"])  # (n_hidden,), the counters live on the host
        self.steps_idle_ = np.where(fired, 0, self.steps_idle_ + 1)

    def _extra_state(self):
        return {"steps_idle": self.steps_idle_}

    def _set_extra_state(self, arrays):
        self.steps_idle_ = to_numpy(arrays["steps_idle"]).astype(np.int64)

    def _checkpoint_rules(self, step):
        # A counter starts at 0 with the run and grows by at most one a step.
        return {"extra/steps_idle": (lambda idle: (idle >= 0) & (idle <= step),
                                     f"idle-step counts from 0 to the run's {step} steps")}

    def _epoch_logs(self, step, total_steps):
        logs = {"dead_fraction": float((self.steps_idle_ >= self.dead_steps).mean())}
        # With k_start, also the schedule's k, as the k-sparse model logs it.
        return logs if self.k_start is None else {**logs, "k": self._k_at(step, total_steps)}

    def _validation_metrics(self, params, X_val, *, step, total_steps):
        X_hat = self._trained_reader(step, total_steps)._reconstruct(X_val)
        return {"val_loss": float(squared_error(X_hat, X_val)),
                "val_fvu": float(fraction_of_variance_unexplained(X_hat, X_val))}

    def _trained_reader(self, step, total_steps):
        """Read at the k trained with at ``step`` (§4.2.1), as the k-sparse model validates."""
        return self if self.k_start is None else self._at_k(self._k_at(step, total_steps))

    def _at_k(self, k):
        """This model read at k′ = ``k`` (a shallow copy sharing the arrays); itself for None."""
        if k is None:
            return self
        integral = isinstance(k, numbers.Integral) and not isinstance(k, bool)
        if not integral or not 1 <= k <= self.n_hidden:
            raise ValueError(f"k must be an int in [1, n_hidden={self.n_hidden}], got {k!r}.")
        reader = copy.copy(self)
        reader.k = int(k)
        return reader

    def transform(self, X, *, k=None, sparse_output=False):
        """The codes h, as for :meth:`ksparse.models.Autoencoder.transform`.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
        k : int or None, default=None
            Read the model at k′ = ``k`` latents per row instead of ``self.k``
            (what Multi-TopK training, ``multi_k``, prepares a model for).
        sparse_output : bool, default=False

        Returns
        -------
        H : array, shape (n_samples, n_hidden)
        """
        return Autoencoder.transform(self._at_k(k), X, sparse_output=sparse_output)

    def reconstruct(self, X, *, k=None):
        """x̂ of every row, optionally read at k′ = ``k`` latents (see :meth:`transform`)."""
        return Autoencoder.reconstruct(self._at_k(k), X)

    def _encode(self, X):
        X_in = F.encoder_input(X, self._parameters(), self.pre_bias)  # (n_samples, n_features)
        z = affine(X_in, self.P_.T, self.b_)  # (n_samples, n_hidden)
        return _sparse_relu_code(z, self.k)[0]

    def _reconstruct(self, X, step=None, total_steps=None):
        return F.decode(self._encode(X), self.W_, self.b_prime_)

    def fraction_of_variance_unexplained(self, X, *, k=None):
        """FVU of the reconstructions of X: ‖x − x̂‖² summed, over ‖x − x̄‖² summed.

        ``k``: read the model at k′ latents, as in :meth:`transform`.
        """
        X = check_array(X, "X")
        X_hat = self.reconstruct(X, k=k)  # (n_samples, n_features)
        return float(fraction_of_variance_unexplained(X_hat, X.astype(X_hat.dtype, copy=False)))
