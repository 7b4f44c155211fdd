"""A binary restricted Boltzmann machine trained by contrastive divergence (Table 1's RBM).

Energy E(v, h) = −vᵀb′ − hᵀb − vᵀW h over binary visible v and hidden h,
so p(h_j = 1 | v) = σ(Wᵀv + b)_j and p(v_i = 1 | h) = σ(W h + b′)_i. CD-k
estimates the log-likelihood gradient by the data statistics minus those
after k steps of Gibbs sampling started at the data (or, with
``persistent``, at a chain kept from one minibatch to the next — its state
is checkpointed, so a resumed run is bitwise exact). Pixels in [0, 1] are
used as visible probabilities, the common practice for MNIST; ``fit``
refuses data outside [0, 1] before any work.
"""
__all__ = ["RBM", "free_energy", "cd_gradients"]

from ..backend import get_array_module, to_device
from ..hyperparameters import Bool, Int, Real
from ..io.model_files import register_model
from ..nn.activations import sigmoid
from ..nn.affine import affine
from ..nn.squared_error import squared_error
from ._unit_interval import UnitIntervalData
from .autoencoder import Autoencoder


def _sample(p, rng):
    """Bernoulli samples of probabilities p, with the uniforms drawn on the host."""
    xp = get_array_module(p)
    return (to_device(rng.random(p.shape), xp) < p).astype(p.dtype)


def free_energy(params, V):
    """F(v) = −vᵀb′ − Σ_j log(1 + e^{(Wᵀv + b)_j}) for each row; p(v) ∝ e^{−F(v)}.

    Returns
    -------
    F : array, shape (n_samples,)
    """
    xp = get_array_module(V)
    z = affine(V, params["W"], params["b"])  # (n_samples, n_hidden)
    return -(V @ params["b_prime"]) - xp.logaddexp(0, z).sum(axis=1)


def cd_gradients(params, V, chain, k, rng):
    """CD-k estimate of ∂(−log p(v))/∂θ, and where the negative chain ends.

    Parameters
    ----------
    params : dict with ``W`` (n_visible, n_hidden), ``b`` (n_hidden,), ``b_prime`` (n_visible,)
    V : array, shape (n_samples, n_visible)
        Data (visible probabilities).
    chain : array, shape (n_chains, n_visible)
        Start of the negative Gibbs chain: V itself for CD, the persistent chain for PCD.
    k : int
        Gibbs steps.
    rng : numpy.random.Generator

    Returns
    -------
    grads : dict of arrays, same keys as ``params``
    chain : array, shape (n_chains, n_visible)
        The binary visible sample after k steps.
    H_data : array, shape (n_samples, n_hidden)
        p(h = 1 | v) on the data.

    Notes
    -----
    .. math::

        -\\frac{\\partial \\log p(v)}{\\partial W} \\approx
            \\langle v_k\\, p(h \\mid v_k)^\\top \\rangle - \\langle v\\, p(h \\mid v)^\\top \\rangle
    """
    W, b, b_prime = params["W"], params["b"], params["b_prime"]
    H_data = sigmoid(affine(V, W, b))  # (n_samples, n_hidden)
    for _ in range(k):
        H = _sample(sigmoid(affine(chain, W, b)), rng)  # (n_chains, n_hidden)
        chain = _sample(sigmoid(H @ W.T + b_prime), rng)  # (n_chains, n_visible)
    H_model = sigmoid(affine(chain, W, b))  # (n_chains, n_hidden)
    n, m = V.shape[0], chain.shape[0]
    grads = {
        "W": chain.T @ H_model / m - V.T @ H_data / n,  # (n_visible, n_hidden)
        "b": H_model.mean(axis=0) - H_data.mean(axis=0),  # (n_hidden,)
        "b_prime": chain.mean(axis=0) - V.mean(axis=0),  # (n_visible,)
    }
    return grads, chain, H_data


@register_model
class RBM(UnitIntervalData, Autoencoder):
    """Restricted Boltzmann machine with binary units, trained by CD-k.

    Parameters
    ----------
    n_hidden : int, default=1000
    cd_steps : int, default=1
        k of CD-k.
    persistent : bool, default=False
        Persistent CD: keep the negative chain (``batch_size`` rows) between minibatches.
    weight_decay : float, default=0.0
        L2 penalty λ on W (the paper's "RBM (weight decay)"): adds λW to its gradient.
    init_std : float, default=0.01
    total_steps, learning_rate, momentum, lr_end, epochs, batch_size, optimizer, dtype
        As for :class:`ksparse.KSparseAutoencoder`; learning rate 0.05 by default.
    random_state, verbose, check_every
        As for :class:`ksparse.KSparseAutoencoder`.
    center, pre_bias : bool, default=False
        Must stay False: the visible units are binary (see below).

    Attributes
    ----------
    W_, b_, b_prime_
        Weights, hidden bias and visible bias.
    history_ : list of dict
        ``loss``: squared error of the mean-field reconstruction
        σ(W p(h|v) + b′); with validation data also ``val_loss`` and
        ``val_free_energy`` (mean F(v)).

    Notes
    -----
    ``transform`` gives p(h = 1 | v), ``reconstruct`` σ(W p(h|v) + b′).
    The visible units are probabilities: ``fit`` and ``partial_fit`` refuse
    training data (and ``X_val``) outside [0, 1] before any work, and
    ``center`` and ``pre_bias`` do not apply (they must be False).
    """

    hyperparameters = {
        "cd_steps": Int(low=1),
        "persistent": Bool(),
        "weight_decay": Real(low=0.0),
    }
    tied = True  # one W: p(h | v) uses W and p(v | h) uses Wᵀ
    input_dropout = 0.0  # the visible units see the data itself

    def __init__(self, *, n_hidden=1000, cd_steps=1, persistent=False, weight_decay=0.0,
                 init_std=0.01, center=False, pre_bias=False, total_steps=None,
                 learning_rate=0.05, momentum=0.9, lr_end=None, epochs=20, batch_size=128,
                 optimizer="momentum", dtype=None, random_state=None, verbose=True,
                 check_every=None):
        self._store_params(locals())

    def _check_hyperparameters(self, values):
        if values["center"] or values["pre_bias"]:
            raise ValueError("RBM has binary visible units: center and pre_bias must be False.")

    def _unit_interval(self):
        return "the RBM's visible units are probabilities"

    def _init_parameters(self, X, rng, xp):
        super()._init_parameters(X, rng, xp)  # Gaussian W, zero biases
        self._new_run_state(rng, xp)

    def _new_run_state(self, rng, xp):
        """PCD's persistent chain of random visible states (None without ``persistent``)."""
        self.chain_ = None
        if self.persistent:
            n_visible = self.W_.shape[0]
            batch_size = self._setting("batch_size")
            chain = rng.random((batch_size, n_visible)) < 0.5  # (batch_size, n_visible)
            self.chain_ = to_device(chain.astype(self.W_.dtype), xp)

    def _extra_state(self):
        return {} if getattr(self, "chain_", None) is None else {"chain": self.chain_}

    def _checkpoint_rules(self, step):
        # The chain is a sample of binary visible units, drawn or started at random.
        return {"extra/chain": (lambda chain: (chain == 0) | (chain == 1),
                                "binary visible states (0 or 1)")}

    def _training_step(self, params, V, *, step, total_steps, rng):
        start = V if self.chain_ is None else self.chain_
        grads, chain, H_data = cd_gradients(params, V, start, self._setting("cd_steps"), rng)
        if self._setting("weight_decay"):
            grads["W"] = grads["W"] + self._setting("weight_decay") * params["W"]
        if self.chain_ is not None:
            self._next_chain = chain  # taken up only once the update succeeds
        loss = squared_error(sigmoid(H_data @ params["W"].T + params["b_prime"]), V)
        return loss, grads, {}

    def _after_step(self, params, aux):
        if self.chain_ is not None:
            self.chain_[...] = self._next_chain

    def _validation_metrics(self, params, X_val, *, step, total_steps):
        return {"val_loss": self._validation_loss(params, X_val, step=step,
                                                  total_steps=total_steps),
                "val_free_energy": float(free_energy(params, X_val).mean())}

    def _encode(self, V):
        return sigmoid(affine(V, self.W_, self.b_))

    def _reconstruct(self, V, step=None, total_steps=None):
        return sigmoid(self._encode(V) @ self.W_.T + self.b_prime_)

    def free_energy(self, X):
        """Mean free energy F(v) of the rows of X (lower: more probable under the model)."""
        return float(self._apply_in_chunks(X, lambda c: free_energy(self._parameters(), c),
                                           "W_").mean())
