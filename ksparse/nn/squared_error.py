"""The reconstruction loss E = (1/B) Σ_i ‖x̂_i − x_i‖² of every autoencoder (paper §2.2).

A mean over the batch, summed over features: its size and a sensible
learning rate do not depend on the batch size.
"""
__all__ = ["squared_error", "squared_error_backward", "fraction_of_variance_unexplained"]


def squared_error(X_hat, X):
    """Mean over the batch of ‖x̂ − x‖² summed over features.

    Parameters
    ----------
    X_hat, X : arrays, shape (n_samples, n_features)

    Returns
    -------
    loss : 0-d array
    """
    diff = X_hat - X  # (n_samples, n_features)
    return (diff * diff).sum() / X.shape[0]


def squared_error_backward(X_hat, X):
    """∂E/∂x̂ = 2 (x̂ − x) / n_samples.

    Returns
    -------
    dX_hat : array, shape (n_samples, n_features)
    """
    return (X_hat - X) * (2.0 / X.shape[0])  # (n_samples, n_features)


def fraction_of_variance_unexplained(X_hat, X):
    """FVU = Σ_i ‖x_i − x̂_i‖² / Σ_i ‖x_i − x̄‖², the normalised squared error.

    0 for a perfect reconstruction, 1 for predicting the mean x̄ of X.
    Undefined (inf, or NaN for a perfect one) when the rows do not vary:
    a single row, or identical rows.

    Returns
    -------
    fvu : 0-d array
    """
    diff = X_hat - X  # (n_samples, n_features)
    spread = X - X.mean(axis=0)  # (n_samples, n_features)
    return (diff * diff).sum() / (spread * spread).sum()
