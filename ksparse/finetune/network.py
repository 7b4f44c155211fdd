"""Forward and backward pass of the k-sparse classification network (paper §4.5, §4.6).

The network that the paper fine-tunes after pre-training has L hidden
layers of linear units, each keeping only its α·k largest activities, and a
softmax output layer. With examples as rows, for l = 1 … L:

    z_l = W_lᵀ h_{l−1} + b_l      ->  Z_l = H_{l−1} @ W_l + b_l     (encode)
    h_l = (z_l)_{Γ_l}             ->  H_l, Γ_l = supp_{αk}(Z_l)     (select)
    s   = W_outᵀ h_L + b_out      ->  S = H_L @ W_out + b_out       (logits)
    E   = −log softmax(s)_y       ->  mean over the rows            (loss)

with h_0 = x. The backward pass runs through the same masks Γ_l, exactly as
in the autoencoder (§3.2): a unit outside the top α·k passes no gradient.
Only the top ``n_trainable`` hidden layers (and always the softmax layer)
get gradients, and the backward pass stops below them, so training the
softmax alone costs one forward pass and one small product.

Parameters live in one dict: ``W1``, ``b1``, …, ``WL``, ``bL`` and
``W_out``, ``b_out``.
"""
__all__ = ["n_hidden_layers", "forward", "backward", "loss_and_grads"]

from ..nn.affine import affine, affine_backward
from ..nn.cross_entropy import cross_entropy, cross_entropy_backward, log_softmax
from ..nn.supp_k import topk, topk_backward


def n_hidden_layers(params):
    """Number L of hidden layers in a parameter dict (keys ``W1`` … ``WL``)."""
    return sum(1 for name in params if name[0] == "W" and name[1:].isdigit())


def forward(params, X, n_active):
    """Logits of the network and what the backward pass needs.

    Parameters
    ----------
    params : dict of arrays
        ``W{l}`` (n_{l−1}, n_l), ``b{l}`` (n_l,) for l = 1 … L, ``W_out``
        (n_L, n_classes), ``b_out`` (n_classes,); n_0 = n_features.
    X : array, shape (n_samples, n_features)
    n_active : int
        Units kept in every hidden layer, round(α·k).

    Returns
    -------
    S : array, shape (n_samples, n_classes)
    inputs : list of arrays
        ``inputs[l − 1]`` is H_{l−1}, the input of hidden layer l; ``inputs[L]`` is H_L.
    masks : list of bool arrays
        ``masks[l − 1]`` is Γ_l, shape (n_samples, n_l).
    """
    inputs, masks = [X], []
    for layer in range(1, n_hidden_layers(params) + 1):
        z = affine(inputs[-1], params[f"W{layer}"], params[f"b{layer}"])  # (n_samples, n_l)
        h, mask = topk(z, n_active)  # (n_samples, n_l) twice
        inputs.append(h)
        masks.append(mask)
    S = affine(inputs[-1], params["W_out"], params["b_out"])  # (n_samples, n_classes)
    return S, inputs, masks


def backward(dS, params, inputs, masks, n_trainable):
    """Gradients of the softmax layer and of the top ``n_trainable`` hidden layers.

    Parameters
    ----------
    dS : array, shape (n_samples, n_classes)
        ∂E/∂s.
    params, inputs, masks
        As given to and returned by :func:`forward`.
    n_trainable : int, 0 <= n_trainable <= L

    Returns
    -------
    grads : dict of arrays
        ``W_out``, ``b_out`` and ``W{l}``, ``b{l}`` for l = L − n_trainable + 1 … L.

    Notes
    -----
    .. math::

        \\delta_L = (W_{out}\\, \\partial E/\\partial s)_{\\Gamma_L},\\qquad
        \\delta_{l} = (W_{l+1}\\, \\delta_{l+1})_{\\Gamma_l},\\qquad
        \\frac{\\partial E}{\\partial W_l} = h_{l-1}\\, \\delta_l^\\top,\\qquad
        \\frac{\\partial E}{\\partial b_l} = \\delta_l
    """
    grads = {}
    grads["W_out"], grads["b_out"] = affine_backward(dS, inputs[-1])
    delta, W_above = dS, params["W_out"]  # (n_samples, n_classes), (n_L, n_classes)
    top = len(masks)
    for layer in range(top, top - n_trainable, -1):
        dh = delta @ W_above.T  # (n_samples, n_l)
        delta = topk_backward(dh, masks[layer - 1])  # (n_samples, n_l)
        grads[f"W{layer}"], grads[f"b{layer}"] = affine_backward(delta, inputs[layer - 1])
        W_above = params[f"W{layer}"]
    return grads


def loss_and_grads(params, X, y, n_active, n_trainable=None):
    """One forward and backward pass: mean cross-entropy and its gradients.

    Parameters
    ----------
    params : dict of arrays
        See :func:`forward`.
    X : array, shape (n_samples, n_features)
    y : int array, shape (n_samples,), or float array, shape (n_samples, n_classes)
        Class indices or target probabilities.
    n_active : int
        Units kept per hidden layer, round(α·k).
    n_trainable : int or None
        Hidden layers, counted from the top, that get gradients; None means all.

    Returns
    -------
    loss : 0-d array
        Mean over the rows of −log p_y.
    grads : dict of arrays
        Same shapes as the entries of ``params`` they belong to.
    masks : list of bool arrays
        Γ_l of every hidden layer, shape (n_samples, n_l).
    """
    if n_trainable is None:
        n_trainable = n_hidden_layers(params)
    S, inputs, masks = forward(params, X, n_active)
    log_p = log_softmax(S)  # (n_samples, n_classes)
    loss = cross_entropy(log_p, y)
    dS = cross_entropy_backward(log_p, y)  # (n_samples, n_classes)
    return loss, backward(dS, params, inputs, masks, n_trainable), masks
