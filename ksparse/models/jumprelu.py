"""JumpReLU sparse autoencoder (Rajamanoharan et al., 2024) on the TopK recipe.

Instead of keeping the k largest activities, each latent j has its own
learned threshold θ_j > 0 and keeps its pre-activation when it clears it:

    z = P(x − b′) + b,    f = z ⊙ H(z − θ),    x̂ = W f + b′,
    E = ‖x − x̂‖² + λ Σ_j H(z_j − θ_j)         (mean over the rows)

with H the Heaviside step. The second term is λ times the L0 "norm" of the
code, so λ sets the sparsity (``l0_weight``). The unit-norm decoder, the
pre-encoder bias b′ and the dead-latent counters are those of
:class:`ksparse.TopKAutoencoder`, reused as they are; there is no AuxK.

**Straight-through gradients for θ.** H has derivative zero almost
everywhere, so E carries no gradient to θ. The paper replaces the missing
derivatives by pseudo-derivatives through a kernel K of bandwidth ε:

    ∂/∂θ [z H(z − θ)] := −(θ/ε) K((z − θ)/ε),
    ∂/∂θ H(z − θ)     := −(1/ε) K((z − θ)/ε),

and ∂f/∂z = H(z − θ) (the step is not differentiated in z). The second is
exactly the derivative in θ of the kernel-smoothed step S((z − θ)/ε),
S(u) = ∫_{−∞}^u K; the first is θ times it, the jump of height θ at z = θ.
Kernels (``kernel``): 'rectangle' ``K(u) = 1[|u| < 1/2]`` (the paper's) and
'triangle' ``K(u) = max(1 - |u|, 0)``; both integrate to 1.

**Parametrisation.** θ is stored directly (``theta_``, shape (n_hidden,)),
trained by the optimizer like the weights, and clipped after every step to
at least the machine epsilon of its dtype, so it stays positive.
"""
__all__ = [
    "JumpReLUAutoencoder",
    "jump_kernel",
    "jumprelu_loss_and_grads",
]

import numpy as np

from ..backend import get_array_module
from ..fast.jumprelu_step import sparse_jumprelu_loss_and_grads
from ..hyperparameters import OneOf, Optional, Real
from ..io.model_files import register_model
from ..nn import encoder_decoder as F
from ..nn.affine import affine, affine_backward
from ..nn.jump_kernel import jump_kernel
from ..nn.schedules import linear_schedule
from ..nn.squared_error import (
    fraction_of_variance_unexplained,
    squared_error,
    squared_error_backward,
)
from ..nn.unit_norm import project_to_tangent
from .topk import TopKAutoencoder


def jumprelu_loss_and_grads(params, X, l0_weight, bandwidth, kernel="rectangle", pre_bias=True):
    """Loss (reconstruction + λ·L0) and gradients (θ's through the kernel; W's not projected).

    Parameters
    ----------
    params : dict with ``W`` (n_features, n_hidden), ``P`` (n_hidden, n_features),
        ``b`` (n_hidden,), ``b_prime`` (n_features,), ``theta`` (n_hidden,)
    X : array, shape (n_samples, n_features)
    l0_weight : float
        λ, the weight of the L0 penalty.
    bandwidth : float
        ε, in the units of z.
    kernel : {'rectangle', 'triangle'}, default='rectangle'
    pre_bias : bool, default=True
        The encoder sees x − b′ (and b′ also learns through it); otherwise x.

    Returns
    -------
    loss : 0-d array
    grads : dict of arrays
    active : bool array, shape (n_samples, n_hidden)
        H(z − θ): the latents each row keeps.

    Notes
    -----
    With B rows, k_ij = K((z_ij − θ_j)/ε) / ε and g = ∂E/∂f,

    .. math::

        E = \\frac{1}{B}\\sum_i \\lVert x_i - W f_i - b'\\rVert^2
            + \\frac{\\lambda}{B} \\sum_{i, j} H(z_{ij} - \\theta_j),\\qquad
        \\frac{\\partial E}{\\partial z} = g \\odot H(z - \\theta),\\qquad
        \\frac{\\partial E}{\\partial \\theta_j} = -\\sum_i \\Big(g_{ij}\\,\\theta_j
            + \\frac{\\lambda}{B}\\Big)\\, k_{ij}.
    """
    W, P, theta = params["W"], params["P"], params["theta"]
    n_samples = X.shape[0]
    X_in = F.encoder_input(X, params, pre_bias)  # (n_samples, n_features): x − b′ or x
    z = affine(X_in, P.T, params["b"])  # (n_samples, n_hidden)
    active = z > theta  # (n_samples, n_hidden): H(z − θ)
    f = z * active  # (n_samples, n_hidden): the JumpReLU code
    X_hat = F.decode(f, W, params["b_prime"])  # (n_samples, n_features)
    l0 = active.sum(dtype=z.dtype) / z.dtype.type(n_samples)  # 0-d: mean latents kept per row
    loss = squared_error(X_hat, X) + l0_weight * l0
    dW, db_prime, df = F.decode_backward(squared_error_backward(X_hat, X), f, W)
    k = jump_kernel((z - theta) / bandwidth, kernel) / bandwidth  # (n_samples, n_hidden)
    dtheta = -((df * theta + l0_weight / n_samples) * k).sum(axis=0)  # (n_hidden,)
    dz = df * active  # (n_samples, n_hidden): straight through where kept
    dP_t, db, dX_in = affine_backward(dz, X_in, P.T)
    if pre_bias:  # b′ also shifts the encoder's input
        db_prime = db_prime - dX_in.sum(axis=0)
    grads = {"W": dW, "P": dP_t.T, "b": db, "b_prime": db_prime, "theta": dtheta}
    return loss, grads, active


@register_model
class JumpReLUAutoencoder(TopKAutoencoder):
    """JumpReLU sparse autoencoder: a learned threshold per latent and an L0 penalty.

    The forward, the pseudo-derivatives for θ and the parametrisation are in
    the module docstring (:mod:`ksparse.models.jumprelu`); the unit-norm
    decoder, b′ and the dead-latent counters are those of
    :class:`ksparse.TopKAutoencoder` (no AuxK, no k).

    Parameters
    ----------
    l0_weight : float, default=1e-3
        λ: each kept latent of a row costs λ in the loss. A larger λ gives a
        sparser code; compare it with the squared error per row of the data.
    l0_weight_start : float or None, default=None
        A warm-up of the penalty, JumpReLU's counterpart of the sparsity
        schedule of §4.2.1: λ rises linearly from ``l0_weight_start`` (e.g. 0)
        to ``l0_weight`` over the first half of the steps, so that early on
        more latents fire and learn before the penalty thins the code. None
        keeps λ fixed.
    bandwidth : float, default=1e-3
        ε of the straight-through kernel, **in the units of the
        pre-activations z**: θ_j learns only from the rows whose z_j lies
        within about ε of θ_j, so ε must be chosen relative to the spread
        of z. Too small and θ rarely moves; too large and its gradient is a
        blur of far-away rows. A rule of thumb: a few percent of the typical
        size of the kept z (e.g. 0.01–0.05 × their median). The default
        0.001 follows the paper, whose data is scaled so that E‖x‖² equals
        the number of features (z of order one); rescale ε with the data.
    kernel : {'rectangle', 'triangle'}, default='rectangle'
        K of the pseudo-derivatives.
    threshold_init : float > 0, default=1e-3
        Every θ_j at the start (in the units of z, as ``bandwidth``).
    step : {'sparse', 'dense'}, default='sparse'
        How each step is computed, to the same loss and gradients up to float
        rounding: 'sparse' (:mod:`ksparse.fast.jumprelu_step`) touches only each
        row's kept latents and those in the kernel's window around θ after the
        encoder product (a step whose code is still dense, some row keeping more
        than a quarter of the latents, is computed the readable way); 'dense' is
        the readable :func:`jumprelu_loss_and_grads`.
    dead_steps, pre_bias_init, n_hidden, center, pre_bias, total_steps, momentum, lr_end
        As for :class:`ksparse.TopKAutoencoder` (``pre_bias`` on by default).
    learning_rate, epochs, batch_size, optimizer, dtype, random_state, verbose, check_every
        As for :class:`ksparse.TopKAutoencoder`; Adam with learning rate 1e-3
        by default (θ moves by about the learning rate per step).

    Attributes
    ----------
    theta_ : array, shape (n_hidden,)
        θ, positive.
    W_, P_, b_, b_prime_, history_, n_features_in_, backend_
        As for :class:`ksparse.TopKAutoencoder`; ``history_`` also has
        ``val_l0`` (mean latents kept per row) with validation data, and with
        ``l0_weight_start`` ``l0_weight``, λ at the epoch's last step.

    Notes
    -----
    .. math::

        z = P(x - b') + b,\\quad f = z \\odot H(z - \\theta),\\quad
        \\hat x = W f + b',\\quad
        E = \\lVert x - \\hat x\\rVert^2 + \\lambda \\textstyle\\sum_j H(z_j - \\theta_j),

    and the pseudo-derivatives (straight-through, kernel K, bandwidth ε)

    .. math::

        \\frac{\\partial}{\\partial \\theta} H(z - \\theta) := -\\frac{1}{\\varepsilon}
            K\\Big(\\frac{z - \\theta}{\\varepsilon}\\Big),\\qquad
        \\frac{\\partial}{\\partial \\theta}\\, z H(z - \\theta) := -\\frac{\\theta}{\\varepsilon}
            K\\Big(\\frac{z - \\theta}{\\varepsilon}\\Big)
    """

    hyperparameters = {
        "l0_weight": Real(low=0.0),
        "l0_weight_start": Optional(Real(low=0.0)),
        "bandwidth": Real(low=0.0, low_open=True),
        "kernel": OneOf(("rectangle", "triangle")),
        "threshold_init": Real(low=0.0, low_open=True),
    }
    # Fixed: the threshold, not a count, decides the code; no AuxK, no prefixes.
    k = None
    k_start = None
    multi_k = None
    multi_k_weight = 0.0
    prefixes = None
    prefix_weight = 1.0
    aux_k = None
    aux_weight = 0.0

    _schedule_settings = ("lr_end", "l0_weight_start")  # no k_start: λ's warm-up instead

    def __init__(self, *, n_hidden=1000, l0_weight=1e-3, l0_weight_start=None, bandwidth=1e-3,
                 kernel="rectangle", threshold_init=1e-3, step="sparse", dead_steps=200,
                 pre_bias_init="median",
                 # the input and the training run, with TopKAutoencoder's defaults
                 center=False, pre_bias=True, total_steps=None, learning_rate=1e-3,
                 momentum=0.9, lr_end=None, epochs=20, batch_size=128, optimizer="adam",
                 dtype=None, random_state=None, verbose=True, check_every=None):
        self._store_params(locals())

    def _init_parameters(self, X, rng, xp):
        """As TopK's, and every θ_j at ``threshold_init``."""
        super()._init_parameters(X, rng, xp)
        self.theta_ = xp.full(self._setting("n_hidden"), self._setting("threshold_init"),
                              dtype=self.W_.dtype)

    def _parameters(self):
        return {**super()._parameters(), "theta": self.theta_}

    def _training_step(self, params, X, *, step, total_steps, rng):
        settings = (self._l0_at(step, total_steps), self._setting("bandwidth"), self.kernel,
                    self.pre_bias)
        if self.step == "dense":
            loss, grads, active = jumprelu_loss_and_grads(params, X, *settings)
        else:  # the same loss and gradients, the readable pass while the code is dense
            loss, grads, active = sparse_jumprelu_loss_and_grads(
                params, X, *settings, dense_pass=jumprelu_loss_and_grads)
        W, dW = params["W"], grads["W"]
        grads["W"] = project_to_tangent(W, dW)  # keep the step tangent to ‖w_j‖ = 1
        return loss, grads, {"active": active.any(axis=0)}

    def _l0_at(self, step, total_steps):
        """λ at a step: the warm-up from ``l0_weight_start`` over the first half, then ``l0_weight``."""
        final, start = self._setting("l0_weight"), self._setting("l0_weight_start")
        return final if start is None else linear_schedule(start, final, step, total_steps // 2)

    def _epoch_logs(self, step, total_steps):
        logs = super()._epoch_logs(step, total_steps)
        if self.l0_weight_start is not None:  # λ at the epoch's last step, as TopK logs its k
            logs["l0_weight"] = self._l0_at(step, total_steps)
        return logs

    def _after_step(self, params, aux):
        super()._after_step(params, aux)
        xp = get_array_module(params["theta"])
        floor = xp.finfo(params["theta"].dtype).eps
        xp.maximum(params["theta"], floor, out=params["theta"])  # θ stays positive, in place

    def _checkpoint_rules(self, step):
        # θ starts at threshold_init > 0; every step leaves it at least eps (_after_step).
        rules = super()._checkpoint_rules(step)
        floor = 0.0 if step == 0 else float(np.finfo(self.theta_.dtype).eps)
        rules["param/theta"] = (lambda theta: theta >= floor,
                                f"thresholds >= {floor} after {step} steps")
        return rules

    def _validation_metrics(self, params, X_val, *, step, total_steps):
        code = self._encode(X_val)  # (n_samples, n_hidden)
        X_hat = F.decode(code, self.W_, self.b_prime_)
        return {"val_loss": float(squared_error(X_hat, X_val)),
                "val_fvu": float(fraction_of_variance_unexplained(X_hat, X_val)),
                "val_l0": float((code != 0).sum() / X_val.shape[0])}

    def _at_k(self, k):
        if k is not None:
            raise ValueError("JumpReLUAutoencoder reads at its thresholds theta_, not at a k.")
        return self

    def _encode(self, X):
        X_in = F.encoder_input(X, self._parameters(), self.pre_bias)  # (n_samples, n_features)
        z = affine(X_in, self.P_.T, self.b_)  # (n_samples, n_hidden)
        return z * (z > self.theta_)  # f = z ⊙ H(z − θ)

    def _fitted_arrays(self):
        return {**super()._fitted_arrays(), "theta_": ("n_hidden",)}
