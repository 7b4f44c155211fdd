import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.backends.backend_agg import FigureCanvasAgg

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


@pytest.mark.parametrize("shape", [(2, 2), (2, 2, 1)])
def test_an_original_and_its_reconstruction_share_one_grey_scale(rng, shape):
    X = rng.random((3, 4))
    X_hat = 0.5 + 0.01 * X  # nearly flat: must not be stretched to look like X
    fig = plot_reconstructions(X, X_hat, shape)
    for j in range(3):
        top, bottom = fig.axes[j].images[0], fig.axes[3 + j].images[0]
        pair = np.concatenate([X[j], X_hat[j]])
        for image in (top, bottom):
            assert image.get_array().shape == (2, 2)  # one channel is grey
            assert image.get_cmap().name == "gray"
            np.testing.assert_allclose(image.get_clim(), (pair.min(), pair.max()))
    spread = np.ptp(fig.axes[3].images[0].norm(fig.axes[3].images[0].get_array()))
    assert spread < 0.05  # the flat reconstruction spans a sliver of the grey scale


def test_a_flat_pair_gets_a_scale_of_nonzero_width():
    X = np.full((1, 4), 0.25)
    fig = plot_reconstructions(X, X, (2, 2))
    for ax in fig.axes:
        np.testing.assert_allclose(ax.images[0].get_clim(), (-0.25, 0.75))


def test_colour_pairs_are_mapped_to_the_unit_interval_by_one_scale(rng, caplog):
    X = 3 * rng.standard_normal((2, 12))  # far outside [0, 1]
    X_hat = 0.5 * X
    fig = plot_reconstructions(X, X_hat, (2, 2, 3))
    for j in range(2):
        low, high = min(X[j].min(), X_hat[j].min()), max(X[j].max(), X_hat[j].max())
        for ax, x in ((fig.axes[j], X[j]), (fig.axes[2 + j], X_hat[j])):
            np.testing.assert_allclose(ax.images[0].get_array(),
                                       ((x - low) / (high - low)).reshape(2, 2, 3))
    FigureCanvasAgg(fig).draw()  # matplotlib logs a warning per image it has to clip
    assert "Clipping" not in caplog.text


@pytest.mark.parametrize("draw", [
    lambda shape: plot_filters(np.ones((2, 16)), shape),
    lambda shape: plot_reconstructions(np.ones((2, 16)), np.ones((2, 16)), shape),
])
def test_four_channels_are_refused(draw):
    with pytest.raises(ValueError, match=r"channels last, got \(2, 2, 4\)"):
        draw((2, 2, 4))


def test_single_channel_filters_are_grey_on_the_signed_scale():
    filters = np.array([[1.0, -2.0, 0.5, 0.0]])
    image = plot_filters(filters, (2, 2, 1)).axes[0].images[0]
    np.testing.assert_allclose(image.get_array(), [[0.5, -1.0], [0.25, 0.0]])
    assert image.get_cmap().name == "gray" and image.get_clim() == (-1, 1)


def test_reconstructions_of_the_wrong_size_are_refused():
    with pytest.raises(ValueError, match=r"X and X_hat must both have shape \(n_samples, 4\)"):
        plot_reconstructions(np.ones((2, 4)), np.ones((2, 5)), (2, 2))


def _counts(fig):
    """{label: (bin centres, counts)} read back from a histogram figure."""
    return {line.get_label(): (line.get_xdata(), np.round(10 ** line.get_ydata() - 1))
            for line in fig.axes[0].lines}


@pytest.mark.parametrize("sign", [1, -1, 0])
def test_the_default_histogram_range_counts_every_nonzero_activity(rng, sign):
    acts = {"a": rng.standard_normal((50, 4)), "b": 2 + rng.random(30)}
    if sign:  # all positive, or all negative (the bins once had to start at 0)
        acts = {label: sign * np.abs(a) for label, a in acts.items()}
    curves = _counts(plot_activation_histograms(acts, bins=10))
    for label, a in acts.items():
        assert curves[label][1].sum() == a.size
    centres = curves["a"][0]
    half = (centres[1] - centres[0]) / 2
    values = np.concatenate([a.ravel() for a in acts.values()])
    np.testing.assert_allclose([centres[0] - half, centres[-1] + half],
                               [min(0, values.min()), max(0, values.max())], atol=1e-12)


def test_a_histogram_of_zeros_only_has_the_unit_range():
    centres, counts = _counts(plot_activation_histograms({"z": np.zeros(5)}, bins=2))["z"]
    np.testing.assert_allclose(centres, [0.25, 0.75])
    assert counts.sum() == 0


@pytest.mark.parametrize("kwargs, match", [
    ({"activations": {"a": np.array([1.0, np.nan])}}, r"activations\['a'\] holds NaN"),
    ({"activations": {"a": np.ones(2)}, "value_range": (1.0, 1.0)}, r"low < high"),
])
def test_bad_histogram_input_is_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_activation_histograms(**kwargs)


def test_training_curves_say_the_training_loss_includes_penalties():
    history = [{"epoch": e, "loss": 2.0 / (e + 1), "val_loss": 1.0 / (e + 1)} for e in range(3)]
    ax = plot_training_curves(history).axes[0]
    labels = [line.get_label() for line in ax.lines]
    assert labels == ["training loss (any penalty included)",
                      "validation loss (reconstruction error only)"]
    assert ax.get_ylabel() == "loss per example"
    assert plot_training_curves(history, ylabel="nats").axes[0].get_ylabel() == "nats"
    given = Figure().add_subplot()
    assert plot_training_curves(history, given) is given.figure  # ax stays the second argument
    assert len(given.lines) == 2 and given.get_ylabel() == "loss per example"
