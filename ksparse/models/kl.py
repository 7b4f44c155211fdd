"""The KL-penalty sparse autoencoder of the classroom (the tutorial in the project's seeds).

Sparsity on average instead of per example: every hidden unit's mean
activity ρ̂_j over the minibatch is pulled towards a small target ρ by the
penalty λ Σ_j KL(ρ ‖ ρ̂_j) (:mod:`ksparse.nn.kl`), added to the mean
squared error per pixel. Defaults follow the tutorial: 64 ReLU hidden
units, a sigmoid decoder, ρ = 0.05, λ = 0.1, Adam, 50 epochs, batch 256,
untied weights (two dense layers).
"""
__all__ = ["KLSparseAutoencoder"]

from ..hyperparameters import Real
from ..io.model_files import register_model
from ..nn.kl import RHO_MAX, kl_penalty, kl_penalty_backward
from .dense import ReLUAutoencoder


@register_model
class KLSparseAutoencoder(ReLUAutoencoder):
    """Sparse autoencoder with a KL-divergence penalty on the mean hidden activities.

    Parameters
    ----------
    sparsity_target : float in (0, 0.9999], default=0.05
        ρ, the mean activity every hidden unit is pulled towards. At most
        1 − 1e-4 (:data:`ksparse.nn.kl.RHO_MAX`): closer to 1 the penalty
        above u (see Notes) could not be kept increasing in float32.
    sparsity_weight : float >= 0, default=0.1
        λ, the weight of the penalty.
    n_hidden : int, default=64
    decoder : {'linear', 'sigmoid'}, default='sigmoid'
        As for :class:`ReLUAutoencoder` (default 'linear' there). With the
        sigmoid decoder the data must lie in [0, 1] and ``center`` and
        ``pre_bias`` must be False.
    tied : bool, default=False
        As for :class:`ReLUAutoencoder` (default True there): by default a
        separate encoder P is learned (two dense layers).
    init_std : float, default=0.05
        σ of the Gaussian initial weights (0.01 for :class:`ReLUAutoencoder`).
    learning_rate, epochs, batch_size : default 0.001, 50, 256
        As for :class:`ksparse.KSparseAutoencoder` (defaults 0.01, 20, 128 there).
    optimizer : {'momentum', 'adam'}, default='adam'
        As for :class:`ksparse.KSparseAutoencoder` (default 'momentum' there).
    activation, input_dropout, hidden_dropout
        As for :class:`ReLUAutoencoder`, with the same defaults ('relu', 0.0, 0.0).
    center, pre_bias, total_steps, momentum, lr_end, dtype, random_state, verbose, check_every
        As for :class:`ksparse.KSparseAutoencoder`, with the same defaults.

    Notes
    -----
    .. math::

        E = \\frac{1}{B\\,d}\\sum_i \\lVert x_i - \\hat x_i \\rVert^2
            + \\lambda \\sum_j \\mathrm{KL}(\\rho \\,\\|\\, \\hat\\rho_j),
        \\qquad \\hat\\rho_j = \\frac{1}{B}\\sum_i h_{ij}

    The divergence is defined for ρ̂ in (0, 1) only. Sigmoid units stay
    there; ReLU units can exceed 1, or be silent on a whole minibatch. Below
    ρ̂ = 1e-6 and above u = 1 − 0.01 (1 − ρ) the penalty continues as its
    tangent lines at 1e-6 and at u (:func:`ksparse.nn.kl_penalty`), so an
    over-active unit is pushed down with ∂Ω/∂ρ̂ at most 100 λ, and training
    cannot produce NaN. The penalty reaches a ReLU unit only
    through the examples on which it is active: a unit silent on the whole
    minibatch gets no gradient from it, however low ρ̂ falls, and one
    silent on every example stays dead (``dead_units`` in ``history_``).
    ``history_`` records the penalised loss; ``val_loss`` is the plain
    reconstruction error per example.
    """

    hyperparameters = {
        "sparsity_target": Real(0.0, RHO_MAX, low_open=True),
        "sparsity_weight": Real(low=0.0),
    }

    def __init__(self, *, n_hidden=64, sparsity_target=0.05, sparsity_weight=0.1,
                 activation="relu", decoder="sigmoid", tied=False, init_std=0.05,
                 input_dropout=0.0, hidden_dropout=0.0, center=False, pre_bias=False,
                 total_steps=None, learning_rate=0.001, momentum=0.9, lr_end=None, epochs=50,
                 batch_size=256, optimizer="adam", dtype=None, random_state=None, verbose=True,
                 check_every=None):
        self._store_params(locals())

    def _options(self):
        # The tutorial's mean squared error averages over pixels as well as examples.
        return dict(super()._options(), scale=1.0 / self.n_features_in_)

    def _penalty(self):
        rho, weight = self._setting("sparsity_target"), self._setting("sparsity_weight")
        return (lambda H: kl_penalty(H, rho, weight),
                lambda H: kl_penalty_backward(H, rho, weight))
