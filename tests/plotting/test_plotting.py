import numpy as np
import pytest

from ksparse.plotting import (
    filter_mosaic,
    plot_activation_histograms,
    plot_filters,
    plot_reconstructions,
    plot_training_curves,
)


def test_mosaic_places_and_scales_each_filter():
    filters = np.array([[1.0, -2.0, 0.5, 0.0], [0.0, 0.0, 0.0, 0.0], [3.0, 3.0, 3.0, 6.0]])
    mosaic = filter_mosaic(filters, (2, 2), n_cols=2, pad=1)
    assert mosaic.shape == (5, 5)
    np.testing.assert_allclose(mosaic[0:2, 0:2], [[0.5, -1.0], [0.25, 0.0]])
    np.testing.assert_allclose(mosaic[0:2, 3:5], 0.0)  # an all-zero filter stays zero
    np.testing.assert_allclose(mosaic[3:5, 0:2], [[0.5, 0.5], [0.5, 1.0]])
    assert np.all(mosaic[2, :] == 0) and np.all(mosaic[:, 2] == 0)  # padding


def test_colour_mosaic_keeps_channels():
    filters = np.arange(2 * 12, dtype=float).reshape(2, 12) - 5
    mosaic = filter_mosaic(filters, (2, 2, 3), n_cols=2, pad=1)
    assert mosaic.shape == (2, 5, 3)
    np.testing.assert_allclose(mosaic[0:2, 0:2].ravel(), filters[0] / 6)
    fig = plot_filters(filters, (2, 2, 3))
    assert fig.axes[0].images[0].get_array().shape == (2, 5, 3)


def test_mosaic_rejects_wrong_filter_size():
    with pytest.raises(ValueError, match=r"filters must have shape \(n_filters, 9\)"):
        filter_mosaic(np.ones((4, 8)), (3, 3))


def test_figures_are_drawn(tmp_path, rng):
    fig = plot_filters(rng.standard_normal((10, 16)), (4, 4), title="t")
    assert fig.axes[0].get_title() == "t"
    history = [{"epoch": e, "loss": 1.0 / (e + 1), "val_loss": 1.1 / (e + 1), "dead_units": e}
               for e in range(3)]
    fig = plot_training_curves(history)
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) == 2
    fig = plot_reconstructions(rng.random((3, 4)), rng.random((3, 4)), (2, 2))
    assert len(fig.axes) == 6
    fig.savefig(tmp_path / "r.png")
    assert (tmp_path / "r.png").stat().st_size > 0


def test_activation_histogram_counts_nonzero_activities():
    acts = {"a": np.array([[0.0, 0.5, 1.5], [0.0, 0.5, 0.0]]), "b": np.array([2.0])}
    fig = plot_activation_histograms(acts, bins=4, value_range=(0.0, 2.0))
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.lines}
    np.testing.assert_allclose(lines["a"].get_xdata(), [0.25, 0.75, 1.25, 1.75])
    # Bins [0, .5) [.5, 1) [1, 1.5) [1.5, 2]: "a" has 0.5 twice and 1.5 once; zeros left out.
    np.testing.assert_allclose(lines["a"].get_ydata(), np.log10(1 + np.array([0, 2, 0, 1])))
    np.testing.assert_allclose(lines["b"].get_ydata(), np.log10(1 + np.array([0, 0, 0, 1])))


def test_error_curves_draw_one_line_per_run():
    from ksparse.plotting import plot_error_curves

    fig = plot_error_curves({"a": ([1, 2, 3], [3.0, 2.0, 1.5]), "b": ([1, 2], [4.0, 1.0])},
                            ylabel="validation error (%)")
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == ["a", "b"]
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [3.0, 2.0, 1.5])
    assert ax.get_ylabel() == "validation error (%)"
