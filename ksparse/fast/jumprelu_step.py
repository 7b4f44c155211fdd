"""Sparse-aware forward and backward pass of the JumpReLU autoencoder.

:func:`sparse_jumprelu_loss_and_grads` returns what
:func:`ksparse.models.jumprelu.jumprelu_loss_and_grads` returns, to float
rounding, but after the encoder product z = P(x − b′) + b it touches only
each row's *support*: the latents it keeps (z > θ) and those inside the
kernel's window around θ (K((z − θ)/ε) ≠ 0), whose θ learns from the row
even when the latent is not kept. Every other latent has f = 0, ∂E/∂z = 0
and a zero kernel, so it adds nothing to any sum. With g = ∂E/∂f and
k_ij = K((z_ij − θ_j)/ε)/ε,

    x̂_i       = b′ + Σ_{j kept in i} z_ij w_j                 (decode)
    g_ij      = w_j · 2/B (x̂_i − x_i)      for j in the support of i
    ∂E/∂θ_j   = −Σ_{i : j in the support of i} (g_ij θ_j + λ/B) k_ij
    ∂E/∂z_ij  = g_ij                        for j kept in i (straight through)

The support's width varies from row to row, as BatchTopK's does, and the
same machinery serves both (:mod:`ksparse.fast.topk_step`). While the code
is still dense (early in training, every θ small) the gathers would cost
more than the dense products, so rows wider than a quarter of the latents
send the whole step to the readable pass.
"""
__all__ = ["sparse_jumprelu_loss_and_grads"]

from ..backend import get_array_module
from ..nn.jump_kernel import jump_kernel
from .sparse_step import _atoms, _layout_like, scatter_rows, unit_sums
from .topk_codes import Codes, support_of
from .topk_step import _codes_pass

#: The widest support, as a share of the latents, that the sparse pass takes.
WIDEST_SHARE = 0.25


def jumprelu_codes(z, active, support):
    """The step's code on each row's support (kept latents and the kernel's window).

    Parameters
    ----------
    z : array, shape (n_samples, n_hidden)
    active : bool array, shape (n_samples, n_hidden)
        H(z − θ).
    support : bool array, shape (n_samples, n_hidden)
        ``active`` or where the kernel is not zero.

    Returns
    -------
    codes : Codes
        One code of weight 1: h = z where kept, 0 elsewhere in the support
        and on padding; ``passes`` where kept.
    """
    xp = get_array_module(z)
    idx, counts = support_of(support)  # (n_samples, m), (n_samples,)
    used = xp.arange(idx.shape[1]) < counts[:, None]  # (n_samples, m): not padding
    passes = used & xp.take_along_axis(active, idx, axis=1)  # (n_samples, m)
    h = xp.where(passes, xp.take_along_axis(z, idx, axis=1), z.dtype.type(0))  # (n_samples, m)
    return Codes(idx, h, passes, counts[:, None], (1.0,), 0)


def sparse_jumprelu_loss_and_grads(params, X, l0_weight, bandwidth, kernel="rectangle",
                                   pre_bias=True, dense_pass=None):
    """One JumpReLU step, touching only each row's support after the encoder product.

    Parameters
    ----------
    params, X, l0_weight, bandwidth, kernel, pre_bias
        As for :func:`ksparse.models.jumprelu.jumprelu_loss_and_grads`.
    dense_pass : callable or None
        That function, called with the same arguments when some row's support
        is wider than :data:`WIDEST_SHARE` of the latents (None: never).

    Returns
    -------
    loss, grads, active
        As :func:`ksparse.models.jumprelu.jumprelu_loss_and_grads`'s;
        ``grads["W"]`` in W's memory order, not yet projected.
    """
    xp = get_array_module(X)
    W, P, b, b_prime, theta = (params[name] for name in ("W", "P", "b", "b_prime", "theta"))
    n_samples, n_hidden = X.shape[0], W.shape[1]
    X_in = X - b_prime if pre_bias else X  # (n_samples, n_features)
    z = X_in @ P.T + b  # (n_samples, n_hidden): the one full-size product
    active = z > theta  # (n_samples, n_hidden): H(z − θ)
    k = jump_kernel((z - theta) / bandwidth, kernel) / bandwidth  # (n_samples, n_hidden)
    support = active | (k != 0)  # (n_samples, n_hidden): kept, or in the kernel's window
    widest = support.sum(axis=1).max() if n_samples else 0
    if dense_pass is not None and widest > WIDEST_SHARE * n_hidden:
        return dense_pass(params, X, l0_weight, bandwidth, kernel, pre_bias)
    codes = jumprelu_codes(z, active, support)
    loss, dW_T, dh, _, db_prime = _codes_pass(codes, _atoms(W), X, b_prime)  # dh = g there
    loss = loss + l0_weight * (active.sum(dtype=z.dtype) / z.dtype.type(n_samples))
    k_s = xp.take_along_axis(k, codes.idx, axis=1)  # (n_samples, m)
    weights = (dh * theta[codes.idx] + l0_weight / n_samples) * k_s  # (n_samples, m)
    not_padding = xp.arange(codes.idx.shape[1]) < codes.lengths  # (n_samples, m)
    dtheta = -unit_sums(codes.idx, weights * not_padding, n_hidden)  # (n_hidden,)
    dz = dh * codes.passes  # (n_samples, m): straight through where kept
    dP = scatter_rows(codes.idx, dz, X_in, n_hidden, codes.lengths[:, 0])  # (n_hidden, n_features)
    db = unit_sums(codes.idx, dz, n_hidden).astype(b.dtype, copy=False)  # (n_hidden,)
    if pre_bias:  # b′ also shifts the encoder's input: ∂E/∂b′ −= Σ_i ∂E/∂z_i P
        db_prime = db_prime - db @ P
    grads = {"W": _layout_like(dW_T, W), "P": dP, "b": db, "b_prime": db_prime,
             "theta": dtheta.astype(theta.dtype, copy=False)}
    return loss, grads, active
