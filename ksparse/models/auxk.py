"""The AuxK loss (Gao et al., 2024): dead latents learn to reconstruct what the others miss.

An option of every TopK-family model (``aux_k``, ``aux_weight``,
``dead_steps``). A latent is *dead* once it has not been among the kept
units for ``dead_steps`` steps; a dead latent gets no gradient from the main
loss, so without help it stays dead. AuxK gives the dead latents a task of
their own: the top ``aux_k`` of them (by pre-activation) reconstruct the
residual e = x − x̂ of the main code, through the same decoder,

    ê = W ReLU(z_aux),     E_aux = α ‖e − ê‖²,     α = ``aux_weight`` (1/32),

and the residual is a fixed target: no gradient flows back into x̂ through
it. So dead latents move towards the directions the live ones leave
unexplained. This is the readable form; :mod:`ksparse.fast.topk_step`
computes the same on the kept latents only.
"""
__all__ = ["auxk_loss_and_grads"]

from ..backend import get_array_module
from ..nn.activations import relu
from ..nn.squared_error import squared_error, squared_error_backward
from ..nn.supp_k import topk_mask


def auxk_loss_and_grads(z, E, W, dead, aux_k, aux_weight):
    """AuxK: the top ``aux_k`` dead latents reconstruct the residual E (a fixed target).

    Parameters
    ----------
    z : array, shape (n_samples, n_hidden)
        The encoder's pre-activations.
    E : array, shape (n_samples, n_features)
        The main code's residual x − x̂.
    W : array, shape (n_features, n_hidden)
        The decoder.
    dead : bool array, shape (n_hidden,)
    aux_k : int
    aux_weight : float

    Returns
    -------
    loss, dW, dz : 0-d array, array (n_features, n_hidden), array (n_samples, n_hidden)
        Or None when no latent is dead or the weight is 0.
    """
    xp = get_array_module(z)
    n_aux = min(aux_k, int(dead.sum()))
    if n_aux == 0 or aux_weight <= 0:
        return None
    # Only dead latents compete: the others rank below every dead one.
    chosen = topk_mask(xp.where(dead, z, -xp.inf), n_aux)  # (n_samples, n_hidden)
    h_aux, passes_aux = relu(xp.where(chosen, z, z.dtype.type(0))), chosen & (z > 0)
    E_hat = h_aux @ W.T  # (n_samples, n_features)
    dE_hat = aux_weight * squared_error_backward(E_hat, E)
    return aux_weight * squared_error(E_hat, E), dE_hat.T @ h_aux, (dE_hat @ W) * passes_aux
