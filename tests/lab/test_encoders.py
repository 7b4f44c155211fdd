"""Matching pursuit and OMP on a fitted model's dictionary (ksparse.lab.encoders, evaluate(encoder=...))."""
import numpy as np
import pytest

from ksparse import JumpReLUAutoencoder, KSparseAutoencoder
from ksparse.lab import DictionaryEncoder, dead_fraction, evaluate, make_sparse_data
from ksparse.theory.pursuit import matching_pursuit


class Stored:
    """A 'fitted model' with given atoms, decoder bias and centre."""

    def __init__(self, W, b_prime, mean=None, k=2):
        self.W_, self.b_prime_, self.mean_, self.k = W, b_prime, mean, k


@pytest.fixture(scope="module")
def truth():
    return make_sparse_data(600, 12, 16, active=2, noise=0.0, random_state=0)


@pytest.fixture(scope="module")
def fitted(truth):
    model = KSparseAutoencoder(n_hidden=16, k=2, epochs=3, batch_size=64, optimizer="adam",
                               learning_rate=3e-3, center=True, random_state=0)
    return model.fit(truth.X[:480])


def test_codes_are_on_the_models_scale_and_the_offset_is_added_back():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((6, 9)) * rng.uniform(0.5, 3.0, 9)  # atoms of unequal norms
    b_prime, mean = rng.standard_normal(6), rng.standard_normal(6)
    X = rng.standard_normal((5, 6))
    encoder = DictionaryEncoder(Stored(W, b_prime, mean, k=3), encoder="mp", signed=True)
    unit = W / np.linalg.norm(W, axis=0)
    expected = matching_pursuit(X - b_prime - mean, unit, 3).codes / np.linalg.norm(W, axis=0)
    np.testing.assert_allclose(encoder.transform(X), expected, atol=1e-12)
    np.testing.assert_allclose(encoder.reconstruct(X), expected @ W.T + b_prime + mean,
                               atol=1e-12)


def test_unsigned_selection_keeps_mp_codes_non_negative_and_refits_omp_freely():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((6, 20))
    X = rng.standard_normal((500, 6))
    stored = Stored(W, np.zeros(6), k=4)
    mp = DictionaryEncoder(stored, encoder="mp").transform(X)
    assert mp.min() >= 0 and (mp > 0).any()
    omp = DictionaryEncoder(stored, encoder="omp").transform(X)  # documented: unconstrained refit
    assert (omp < 0).any() and ((omp != 0).sum(axis=1) == 4).all()
    unit = W / np.linalg.norm(W, axis=0)
    first = np.argmax(X @ unit, axis=1)  # the first atom chosen: the largest correlation's value
    assert (omp[np.arange(500), first] != 0).all()


@pytest.mark.parametrize("name", ["mp", "omp"])
@pytest.mark.parametrize("signed", [False, True])
def test_the_zero_atoms_of_dead_latents_get_codes_of_exactly_zero(name, signed):
    # k = 4 exceeds the 3 live atoms: with unsigned selection, OMP then picks a
    # zero atom on some rows (with this seed, 6, 7, 10 ...) and refits it a code of ~1e-17.
    rng = np.random.default_rng(0)
    W = rng.standard_normal((3, 5))
    W[:, :2] = 0.0  # latents 0 and 1 are dead
    X = rng.standard_normal((20, 3))
    H = DictionaryEncoder(Stored(W, np.zeros(3), k=4), encoder=name, signed=signed).transform(X)
    assert (H[:, :2] == 0).all()
    assert ((H != 0).sum(axis=1) <= 3).all() and dead_fraction(H) >= 2 / 5


def test_the_true_dictionary_reconstructs_its_noiseless_rows(truth):
    # OMP on the true atoms finds the exact 2-sparse codes of most rows (greedy
    # selection can miss on a coherent pair, so not of all)
    encoder = DictionaryEncoder(Stored(truth.dictionary, np.zeros(12)), encoder="omp")
    errors = np.linalg.norm(encoder.reconstruct(truth.X[:100]) - truth.X[:100], axis=1)
    assert np.mean(errors < 1e-8) >= 0.8


@pytest.mark.parametrize("name", ["mp", "omp"])
def test_pursuit_lowers_a_fitted_models_fvu(fitted, truth, name):
    held = truth.split(0.2)[1]
    own, pursued = evaluate(fitted, held), evaluate(fitted, held, encoder=name)
    assert pursued.fvu < own.fvu
    assert pursued.mcc == own.mcc  # the dictionary is the same
    assert pursued.l0 <= 2.0


def test_omp_reconstructs_at_least_as_well_as_mp(fitted, truth):
    X = truth.X[480:]
    mp = DictionaryEncoder(fitted, encoder="mp").reconstruct(X)
    omp = DictionaryEncoder(fitted, encoder="omp").reconstruct(X)
    assert np.linalg.norm(X - omp) <= np.linalg.norm(X - mp) + 1e-9


def test_rejects_an_unknown_encoder(fitted, truth):
    with pytest.raises(ValueError, match="encoder must be"):
        evaluate(fitted, truth, encoder="lasso")
    with pytest.raises(ValueError, match="encoder must be"):
        DictionaryEncoder(fitted, encoder="model")


def test_rejects_an_unfitted_model():
    with pytest.raises(TypeError, match="fit it first"):
        DictionaryEncoder(KSparseAutoencoder(n_hidden=4, k=2))


def test_a_model_without_k_needs_the_encoders_k(truth):
    model = JumpReLUAutoencoder(n_hidden=12, epochs=1, batch_size=64, verbose=False,
                                random_state=0).fit(truth.X)
    with pytest.raises(ValueError, match="JumpReLUAutoencoder has no k; give the encoder's k"):
        evaluate(model, truth, encoder="omp")
    assert evaluate(model, truth, encoder="omp", k=2).l0 <= 2


@pytest.mark.parametrize("k, error, match", [
    (2.7, TypeError, "k must be an integer, got 2.7"),
    (True, TypeError, "k must be an integer, got True"),
    (0, ValueError, r"k must be in \[1, 4\], got 0"),
    (5, ValueError, r"k must be in \[1, 4\], got 5"),
])
def test_the_encoders_k_is_checked_by_name(k, error, match):
    with pytest.raises(error, match=match):
        DictionaryEncoder(Stored(np.eye(4), np.zeros(4)), k=k)
