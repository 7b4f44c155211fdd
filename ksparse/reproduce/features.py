"""Scoring fixed features with softmax regression, as the paper does (§4.4).

The features of a k-sparse autoencoder are h = supp_{αk}(Wᵀx + b) (§2.2):
α·k non-zeros out of n_hidden per example, so they are handed to the
classifier as a sparse matrix. They are rescaled by one number so that the
non-zero training features have a root mean square of 1, which makes one
grid of L2 strengths fit every model. The L2 strength (and α) is chosen on
the validation split with the classifier trained on the training split;
the chosen classifier is then trained again on the training and validation
splits together — all 60,000 labelled MNIST training images, the usual
protocol once the free settings are fixed. The test split is used once, at
the end. The autoencoders themselves never see the validation images.
"""
__all__ = ["FeatureScore", "codes", "score_features", "sparse_codes", "choose_alpha",
           "model_features", "score_model"]

import dataclasses

import numpy as np
import scipy.sparse

from ..backend import to_numpy
from ..classify._inputs import stack_splits
from ..classify.select import select_l2
from ..nn.supp_k import n_kept

L2_GRID = (1e-3, 3e-4, 1e-4, 3e-5, 1e-5)


@dataclasses.dataclass
class FeatureScore:
    """Errors (fractions) of a softmax classifier on fixed features.

    Attributes
    ----------
    test_error : float
        Of the final classifier (trained on train + validation when refitted).
    val_error : float
        Lowest validation error over the L2 grid (classifier trained on train).
    l2 : float
        The chosen L2 strength.
    val_errors : list of float
        Validation error of every grid value.
    train_only_test_error : float
        Test error of the classifier trained on the training split alone.
    """

    test_error: float
    val_error: float
    l2: float
    val_errors: list
    train_only_test_error: float = None


def codes(model, X, alpha):
    """``model.transform(X)`` with another α; the model itself is left unchanged.

    Returns
    -------
    H : array, shape (n_samples, n_hidden)
        round(α·k) non-zeros per row, on X's backend.
    """
    saved = model.alpha
    try:
        model.alpha = alpha
        return model.transform(X)
    finally:
        model.alpha = saved


def sparse_codes(model, X, n_active, scale=None):
    """h = supp_{n_active}(Wᵀx + b) as a CSR matrix, and the scale applied.

    Parameters
    ----------
    model : fitted KSparseAutoencoder
    X : array, shape (n_samples, n_features)
    n_active : int
        Units kept per row (α·k).
    scale : float, optional
        Multiplier; default: 1 / RMS of the non-zero entries of these codes.

    Returns
    -------
    H : scipy.sparse.csr_matrix, shape (n_samples, n_hidden)
    scale : float
    """
    H = scipy.sparse.csr_matrix(to_numpy(codes(model, X, n_active / model.k)))
    return _unit_rms(H, scale)


def _unit_rms(H, scale):
    """H (dense or CSR, a fresh array) scaled in place; default: 1 / RMS of its non-zeros."""
    values = H.data if scipy.sparse.issparse(H) else H[H != 0]  # (n_nonzero,)
    if scale is None:
        scale = 1.0 / float(np.sqrt(np.mean(values.astype(np.float64) ** 2)))
    target = H.data if scipy.sparse.issparse(H) else H
    target *= H.dtype.type(scale)  # in place: no second feature matrix
    return H, scale


def model_features(model, X, scale=None):
    """Every hidden unit of any fitted model as features, scaled like :func:`sparse_codes`.

    Parameters
    ----------
    model : fitted estimator with ``transform``
    X : array, shape (n_samples, n_features)
    scale : float, optional
        Multiplier; default: 1 / RMS of the non-zero features.

    Returns
    -------
    H : ndarray or scipy.sparse.csr_matrix, shape (n_samples, n_hidden)
        CSR when fewer than a fifth of the entries are non-zero (a ReLU code
        often is), so the classifier takes the cheaper product.
    scale : float
    """
    H = to_numpy(model.transform(X))  # (n_samples, n_hidden)
    if np.count_nonzero(H) < 0.2 * H.size:
        H = scipy.sparse.csr_matrix(H)
    return _unit_rms(H, scale)


def score_model(model, data, grid=L2_GRID, max_iter=500, refit=True):
    """:func:`score_features` of :func:`model_features` on ``data``'s three splits.

    The scale is that of the training features, applied to all three splits.

    Returns
    -------
    FeatureScore
    """
    H_train, scale = model_features(model, data.train[0])
    splits = [(H_train, data.train[1])]
    splits += [(model_features(model, X, scale)[0], y) for X, y in (data.val, data.test)]
    return score_features(*splits, grid=grid, max_iter=max_iter, refit=refit)


def score_features(train, val, test, grid=L2_GRID, max_iter=500, refit=True):
    """Fit softmax regression on ``train``, choose L2 on ``val``, report ``test``.

    Parameters
    ----------
    train, val, test : tuple (X, y)
        Features (dense or sparse) and integer labels.
    refit : bool, default=True
        Train the chosen classifier again on ``train`` and ``val`` together
        (starting from its train-only solution) before testing it.

    Returns
    -------
    FeatureScore
    """
    model, val_errors = select_l2(
        *train, *val, grid=grid, refit=False, max_iter=max_iter
    )
    train_only = test_error = 1.0 - model.score(*test)
    if refit:
        model.set_params(warm_start=True).fit(*stack_splits(train, val))
        test_error = 1.0 - model.score(*test)
    return FeatureScore(
        test_error=test_error,
        val_error=float(np.min(val_errors)),
        l2=float(model.l2),
        val_errors=[float(e) for e in val_errors],
        train_only_test_error=float(train_only),
    )


def choose_alpha(model, data, alphas, grid=L2_GRID, max_iter=500, refit=True):
    """Score the autoencoder's features for each α and keep the best on validation.

    Parameters
    ----------
    model : fitted KSparseAutoencoder
    data : object with ``train``, ``val``, ``test`` (X, y) pairs
    alphas : sequence of float
        Candidates; those with α·k > n_hidden are skipped.
    refit : bool, default=True
        See :func:`score_features`; α is chosen on validation either way.

    Returns
    -------
    best_alpha : float
    best : FeatureScore
    scores : dict of float to FeatureScore
    """
    scores = {}
    for alpha in alphas:
        n_active = n_kept(model.k, alpha)  # refuses a NaN or overflowing candidate
        if n_active > model.n_hidden:  # too wide for this model: skipped, not refused
            continue
        H_train, scale = sparse_codes(model, data.train[0], n_active)
        H_val, _ = sparse_codes(model, data.val[0], n_active, scale)
        H_test, _ = sparse_codes(model, data.test[0], n_active, scale)
        scores[alpha] = score_features(
            (H_train, data.train[1]), (H_val, data.val[1]), (H_test, data.test[1]),
            grid=grid, max_iter=max_iter, refit=refit,
        )
    best_alpha = min(scores, key=lambda a: (scores[a].val_error, a))
    return best_alpha, scores[best_alpha], scores
