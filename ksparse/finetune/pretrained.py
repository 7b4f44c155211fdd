"""Hidden layers taken from trained k-sparse autoencoders (paper §4.5, §4.6).

Greedy pre-training hands the fine-tuned network one encoder per hidden
layer: layer l computes z = Wᵀh + b with the encoder weights and bias of
``autoencoders[l − 1]``. An autoencoder that centres its input (``center``
or ``pre_bias``) encodes x − c, not x. For deeper layers that centre c is
folded into the bias, b − Wᵀc, which computes the same z. For the first
layer the network can instead keep c as a fixed input centre (its
``mean_``): the function is the same, but the updates of W₁ are not. On raw
pixels the centre is large (‖mean‖² ≈ 35 of an average ‖x‖² ≈ 88 on MNIST),
and with it folded away every step on W₁ moves along that common
direction, which made the paper's η = 1 diverge in our deep network.
"""
__all__ = ["encoder_of", "input_centre_of", "layers_from_autoencoders"]

from ..validation import NotFittedError


def encoder_of(autoencoder, position, fold=True):
    """Encoder weights (n_in, n_hidden) and bias (n_hidden,) of a fitted autoencoder.

    Parameters
    ----------
    autoencoder : fitted autoencoder
        Anything with ``encoder_layer()`` (every :class:`ksparse.models.autoencoder.Autoencoder`).
    position : int
        Its index in the list, for error messages.
    fold : bool
        Fold the autoencoder's input centre c into the bias (b − Wᵀc), so
        that the layer takes uncentred inputs; otherwise return b itself.

    Returns
    -------
    W_enc : array, shape (n_in, n_hidden)
    b : array, shape (n_hidden,)
    """
    W_enc, b, centre = _layer_of(autoencoder, position)
    if fold and centre is not None:
        b = b - centre @ W_enc  # (n_hidden,): Wᵀ(x − c) + b = Wᵀx + (b − Wᵀc)
    return W_enc, b


def input_centre_of(autoencoder, position=0):
    """The vector c that the autoencoder subtracts before encoding, or None.

    ``center`` subtracts the training mean ``mean_`` and ``pre_bias`` the
    learned decoder bias ``b_prime_``; with both, c is their sum.

    Returns
    -------
    c : array, shape (n_features,), or None
    """
    return _layer_of(autoencoder, position).centre


def _layer_of(autoencoder, position):
    """``autoencoder.encoder_layer()``, or an error naming its place in the list."""
    get_layer = getattr(autoencoder, "encoder_layer", None)
    try:
        return get_layer()
    except (TypeError, NotFittedError):  # not an autoencoder, or not fitted
        raise ValueError(
            f"autoencoders[{position}] is not a fitted k-sparse autoencoder."
        ) from None


def layers_from_autoencoders(autoencoders, center):
    """Weights and biases of every hidden layer, and the first layer's input centre.

    Parameters
    ----------
    autoencoders : sequence of fitted KSparseAutoencoder
        Bottom first; each one's input size must equal the previous one's
        number of hidden units.
    center : bool
        Keep the first autoencoder's input centre as the network's fixed
        input centre (zeros when it has none) instead of folding it.

    Returns
    -------
    layers : list of (W, b)
        Copies; W of shape (n_{l−1}, n_l), b of shape (n_l,).
    centre : array, shape (n_features,), or None
        None unless ``center``.
    """
    autoencoders = list(autoencoders)
    if not autoencoders:
        raise ValueError("autoencoders must hold at least one fitted autoencoder.")
    layers = [encoder_of(ae, i, fold=not (center and i == 0)) for i, ae in enumerate(autoencoders)]
    for i in range(1, len(layers)):
        if layers[i][0].shape[0] != layers[i - 1][0].shape[1]:
            raise ValueError(
                f"autoencoders[{i}] expects {layers[i][0].shape[0]} inputs, but "
                f"autoencoders[{i - 1}] has {layers[i - 1][0].shape[1]} hidden units."
            )
    centre = None
    if center:
        centre = input_centre_of(autoencoders[0], 0)
        if centre is None:
            centre = 0 * layers[0][0][:, 0]  # (n_features,) zeros on the weights' backend
        centre = centre.copy()
    return [(W.copy(), b.copy()) for W, b in layers], centre
