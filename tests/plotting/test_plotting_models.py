"""Figures of ksparse.plotting.models for a k-sparse model and for a model written here."""
import numpy as np
import pytest

from ksparse import KSparseAutoencoder
from ksparse.plotting.models import (
    model_codes,
    model_reconstructions,
    plot_code_scatter,
    plot_mean_activation,
    plot_model_reconstructions,
)


class Projection:
    """A scikit-learn-like linear model (transform / inverse_transform), not from ksparse."""

    def __init__(self, A):
        self.A = A  # (n_features, n_codes)

    def transform(self, X):
        return X @ self.A  # (n_samples, n_codes)

    def inverse_transform(self, H):
        return H @ self.A.T  # (n_samples, n_features)


@pytest.fixture(scope="module")
def fitted():
    X = np.random.default_rng(1).random((30, 9))
    model = KSparseAutoencoder(n_hidden=6, k=2, epochs=1, batch_size=10, random_state=0).fit(X)
    return model, X


def sparse_codes(model, X):
    """Top-k of Xᵀ W + b by a full sort (tied model, no centring)."""
    z = X @ model.W_ + model.b_  # (n_samples, n_hidden)
    keep = np.argsort(-z, axis=1, kind="stable")[:, : model.k]  # (n_samples, k)
    H = np.zeros_like(z)
    np.put_along_axis(H, keep, np.take_along_axis(z, keep, axis=1), axis=1)
    return H


def test_reconstructions_show_originals_above_the_models_output(fitted):
    model, X = fitted
    fig = plot_model_reconstructions(model, X, (3, 3), n=4)
    assert len(fig.axes) == 8 and all(len(ax.images) == 1 for ax in fig.axes)
    X_hat = sparse_codes(model, X[:4]) @ model.W_.T + model.b_prime_  # (4, n_features)
    for j in range(4):
        np.testing.assert_array_equal(fig.axes[j].images[0].get_array(), X[j].reshape(3, 3))
        np.testing.assert_allclose(fig.axes[4 + j].images[0].get_array(),
                                   X_hat[j].reshape(3, 3), rtol=1e-10, atol=1e-12)
    assert fig.axes[0].get_title(loc="left") == "original"
    assert fig.axes[4].get_title(loc="left") == "reconstruction"


def test_reconstructions_of_a_model_with_inverse_transform():
    A = np.linalg.qr(np.random.default_rng(2).standard_normal((4, 2)))[0]  # (4, 2), orthonormal
    X = np.random.default_rng(3).random((3, 4))
    np.testing.assert_allclose(model_reconstructions(Projection(A), X), X @ A @ A.T)
    fig = plot_model_reconstructions(Projection(A), X, (2, 2), n=10)
    assert len(fig.axes) == 6  # n is capped by the number of rows
    np.testing.assert_allclose(fig.axes[5].images[0].get_array(), (X @ A @ A.T)[2].reshape(2, 2))


def test_scatter_plots_two_code_dimensions_per_label():
    A = np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 3.0]])
    X = np.array([[1.0, 0, 0], [0, 1, 1], [0, 0, 2], [1, 1, 1]])
    y = np.array(["b", "a", "b", "a"])
    fig = plot_code_scatter(Projection(A), X, y, dims=(2, 0))
    ax = fig.axes[0]
    assert [c.get_label() for c in ax.collections] == ["a", "b"]
    H = X @ A
    np.testing.assert_array_equal(ax.collections[0].get_offsets(), H[[1, 3]][:, [2, 0]])
    np.testing.assert_array_equal(ax.collections[1].get_offsets(), H[[0, 2]][:, [2, 0]])
    assert ax.get_xlabel() == "code dimension 2" and ax.get_ylabel() == "code dimension 0"


def test_scatter_defaults_to_the_most_used_units():
    # Unit 1 is non-zero in 3 rows, units 0 and 2 in 2 each: dims (1, 0).
    A = np.eye(3)
    X = np.array([[1.0, 1, 0], [0, 1, 1], [2, 3, 4], [0, 0, 0]])
    fig = plot_code_scatter(Projection(A), X)
    ax = fig.axes[0]
    assert len(ax.collections) == 1 and ax.get_legend() is None
    np.testing.assert_array_equal(ax.collections[0].get_offsets(), X[:, [1, 0]])


def test_mean_activation_bars_are_sorted_means(fitted):
    model, X = fitted
    fig = plot_mean_activation(model, X)
    heights = np.array([bar.get_height() for bar in fig.axes[0].patches])
    mean = sparse_codes(model, X).mean(axis=0)  # (n_hidden,)
    np.testing.assert_allclose(heights, np.sort(mean)[::-1], rtol=1e-10, atol=1e-12)
    never = int(np.sum(~(sparse_codes(model, X) != 0).any(axis=0)))
    assert fig.axes[0].get_title() == f"KSparseAutoencoder: {never} of 6 units never active"
    unsorted = plot_mean_activation(model, X, sort=False)
    heights = [bar.get_height() for bar in unsorted.axes[0].patches]
    np.testing.assert_allclose(heights, mean, rtol=1e-10, atol=1e-12)


def test_model_codes_densify_sparse_output():
    import scipy.sparse

    class SparseCoder:
        def transform(self, X):
            return scipy.sparse.csr_matrix(X)

    X = np.array([[0.0, 2.0], [3.0, 0.0]])
    np.testing.assert_array_equal(model_codes(SparseCoder(), X), X)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda X: plot_code_scatter(Projection(np.eye(3)), X, dims=(1, 1)), ValueError, "dims"),
        (lambda X: plot_code_scatter(Projection(np.eye(3)), X, dims=(0, 3)), ValueError, "dims"),
        (lambda X: plot_code_scatter(Projection(np.eye(3)), X, y=np.zeros(2)), ValueError,
         r"y must have shape \(4,\)"),
        (lambda X: plot_code_scatter(Projection(np.eye(3)[:, :1]), X), ValueError, "needs 2"),
        (lambda X: plot_mean_activation(object(), X), TypeError, "no transform"),
        (lambda X: model_reconstructions(object(), X), TypeError, "neither reconstruct"),
    ],
)
def test_bad_arguments_are_refused(call, error, match):
    with pytest.raises(error, match=match):
        call(np.ones((4, 3)))
