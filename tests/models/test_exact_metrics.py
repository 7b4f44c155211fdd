"""Metrics against hand computations on cases whose answer is known in advance.

FVU, the dead units of the dense models, the loss of the KL model and the
wall time of a row over several seeds: each is compared with a number
worked out here independently (in float64), never with a bound.
"""
import numpy as np
import pytest

from ksparse import KLSparseAutoencoder, ReLUAutoencoder
from ksparse.nn.squared_error import fraction_of_variance_unexplained as fvu
from ksparse.reproduce.context import Context
from ksparse.reproduce.report import format_table
from ksparse.reproduce.seeds import run_rows


# ----------------------------------------------------------------------------- FVU
def test_fvu_of_the_column_mean_is_one_and_of_a_perfect_reconstruction_zero(rng):
    X = rng.standard_normal((7, 3)) * [1.0, 10.0, 0.1] + 5.0
    assert float(fvu(np.broadcast_to(X.mean(axis=0), X.shape), X)) == pytest.approx(1.0,
                                                                                  rel=1e-12)
    assert float(fvu(X.copy(), X)) == 0.0
    # Predicting the mean m of all entries adds n Σ_j (x̄_j − m)² to the spread around x̄.
    spread = ((X - X.mean(axis=0)) ** 2).sum()
    extra = 7 * ((X.mean(axis=0) - X.mean()) ** 2).sum()
    assert float(fvu(np.full(X.shape, X.mean()), X)) == pytest.approx(1 + extra / spread,
                                                                      rel=1e-12)


def test_fvu_of_a_small_case_by_hand():
    X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 0.0]])
    X_hat = np.array([[1.0, 3.0], [2.0, 4.0], [5.0, 2.0]])
    # Column means (3, 2): spread 4 + 0 + 4 + 0 + 4 + 4 = 16. Errors 0 + 1 + 1 + 0 + 0 + 4 = 6.
    assert float(fvu(X_hat, X)) == 6.0 / 16.0
    # The spread is that of the target, the second argument: for X_hat as the target,
    # column means (8/3, 3), spread 26/3 + 2 = 32/3.
    assert float(fvu(X, X_hat)) == pytest.approx(6.0 / (32.0 / 3.0), rel=1e-15)


# ------------------------------------------------------------- dense dead units
W0 = np.array([[1.0, -1.0, 1.0, -1.0, 0.0],  # (3 features, 5 units)
               [1.0, -1.0, -1.0, 0.0, 0.0],
               [1.0, -1.0, 0.0, 0.0, 1.0]]) * 0.1
B0 = np.array([0.0, 0.0, 0.0, 0.0, -0.15])


class _Rigged(ReLUAutoencoder):
    """A ReLU autoencoder whose initial encoder is chosen by hand (tied W0, bias B0)."""

    def _init_parameters(self, X, rng, xp):
        super()._init_parameters(X, rng, xp)
        self.W_, self.b_ = W0.copy(), B0.copy()


def rigged_data():
    """Positive rows; only row 0 has x_2 > 1.5, so only row 0 lifts unit 4 above 0."""
    X = np.random.default_rng(4).random((12, 3)) + 0.1  # (12, 3) in [0.1, 1.1)
    X[0, 2] = 2.0
    X[:, 0] = np.where(np.arange(12) % 2 == 0, X[:, 1] + 0.2, X[:, 1] - 0.05)  # unit 2: half
    return X


def test_dense_dead_units_are_units_zero_on_every_example_of_the_epoch():
    # Unit 0 fires on every row, unit 2 on half of them, unit 4 on row 0 alone;
    # units 1 and 3 never fire (negative weights on positive input): 2 dead.
    X = rigged_data()
    fires = (X @ W0 + B0) > 0  # (12, 5)
    assert fires.sum(axis=0).tolist() == [12, 0, 6, 0, 1]
    model = _Rigged(n_hidden=5, epochs=4, batch_size=4, learning_rate=1e-9, momentum=0.0,
                    random_state=0).fit(X)
    # Row 0 sits in one minibatch of three: the count covers the whole epoch, not a step.
    assert [h["dead_units"] for h in model.history_] == [2, 2, 2, 2]


def test_dense_dead_units_are_counted_afresh_in_each_pass():
    X = rigged_data()
    model = _Rigged(n_hidden=5, epochs=1, batch_size=4, learning_rate=1e-9, momentum=0.0,
                    random_state=0)
    model.partial_fit(X).partial_fit(X[1:]).partial_fit(X)
    # Without row 0, unit 4 is zero on every example of the second pass.
    assert [h["dead_units"] for h in model.history_] == [2, 3, 2]


# ------------------------------------------------------------------ the KL loss
def kl_loss_by_hand(params, X, rho, lam, activation):
    """MSE per pixel + λ Σ_j KL(ρ ‖ ρ̂_j), in float64, for the untied sigmoid-decoder model."""
    z = X @ params["P"].T + params["b"]  # (n, n_hidden)
    H = np.maximum(z, 0) if activation == "relu" else 1 / (1 + np.exp(-z))
    X_hat = 1 / (1 + np.exp(-(H @ params["W"].T + params["b_prime"])))
    mse = ((X - X_hat) ** 2).sum() / X.size
    mean = H.mean(axis=0)
    u = 1 - 0.01 * (1 - rho)  # above u the divergence continues as its tangent line at u
    rho_hat = np.clip(mean, 1e-6, u)
    kl = rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))
    tangent = ((1 - rho) / (1 - u) - rho / u) * (mean - u)
    return mse + lam * np.where(mean > u, kl + tangent, kl).sum()


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_kl_model_history_loss_is_mse_per_pixel_plus_lambda_times_kl(activation):
    X = np.random.default_rng(5).random((10, 6))  # (10, 6): one minibatch, one step
    settings = dict(n_hidden=4, activation=activation, sparsity_target=0.2,
                    sparsity_weight=0.7, init_std=0.5, epochs=1, batch_size=10,
                    random_state=0)
    # The initial parameters: the same seed, a step far below one ulp of any of them.
    start = KLSparseAutoencoder(**settings, learning_rate=1e-300).fit(X)
    params = {"W": start.W_, "P": start.P_, "b": start.b_ * 0, "b_prime": start.b_prime_ * 0}
    loss = KLSparseAutoencoder(**settings).fit(X).history_[0]["loss"]
    assert loss == pytest.approx(kl_loss_by_hand(params, X, 0.2, 0.7, activation), rel=1e-12)
    penalty = kl_loss_by_hand(params, X, 0.2, 0.7, activation) - \
        kl_loss_by_hand(params, X, 0.2, 0.0, activation)
    assert penalty > 0.05 * loss  # the penalty is a real part of the number checked


# ----------------------------------------------------- wall time over several seeds
def timed_job(clock, durations, dead):
    """A row job that times itself on ``clock`` (a one-element list) like the real ones."""
    def run(seed):
        start = clock[0]
        clock[0] += durations[seed] or 0.0
        seconds = None if durations[seed] is None else clock[0] - start
        return {"name": f"row {len(durations)}", "ours": 1.0 + seed, "paper": 1.0,
                "settings": "s", "dead_units": dead[seed], "seconds": seconds}
    return run


def test_the_wall_time_of_a_row_over_seeds_is_the_sum_of_its_seeds(tmp_path):
    clock = [1000.0]  # a fake clock, moved only by the jobs
    ctx = Context(str(tmp_path), seeds=3)
    (row,) = run_rows(ctx, [("t/a", timed_job(clock, [120.0, 180.0, 300.0], [4, 5, 9]), True)])
    assert row["seconds"] == 600.0 and row["dead_units"] == 6.0 and row["n_seeds"] == 3
    assert ctx.results["seeds/t/a"]["seconds"] == [120.0, 180.0, 300.0]
    assert "| 10.0 min |" in format_table([row])


def test_a_row_with_an_untimed_seed_has_no_wall_time(tmp_path):
    clock = [0.0]
    ctx = Context(str(tmp_path), seeds=2)
    (row,) = run_rows(ctx, [("t/b", timed_job(clock, [50.0, None], [3, None]), True)])
    assert row["seconds"] is None and row["dead_units"] is None
