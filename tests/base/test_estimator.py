"""The shared estimator base: declared hyper-parameters, optimizers, tags, score, encoder layer."""
import inspect

import numpy as np
import pytest

import ksparse
from ksparse import (
    RBM,
    DenoisingAutoencoder,
    DropoutAutoencoder,
    KLSparseAutoencoder,
    KSparseAutoencoder,
    ReLUAutoencoder,
    SoftmaxRegression,
    SparseMLPClassifier,
    TopKAutoencoder,
)
from ksparse.base import TRAINING_HYPERPARAMETERS, Estimator
from ksparse.models import Autoencoder
from ksparse.training.random_streams import step_generator, step_seed

MODELS = [KSparseAutoencoder, SoftmaxRegression, SparseMLPClassifier]
PUBLIC = [getattr(ksparse, name) for name in ksparse.__all__
          if isinstance(getattr(ksparse, name), type) and issubclass(getattr(ksparse, name), Estimator)]
AUTOENCODERS = [cls for cls in PUBLIC if issubclass(cls, Autoencoder)]


def test_every_public_estimator_is_checked():
    assert len(PUBLIC) == 11 and len(AUTOENCODERS) == 9


@pytest.mark.parametrize("cls", PUBLIC, ids=lambda cls: cls.__name__)
def test_init_parameters_are_the_declared_constraints_and_init_only_stores_them(cls):
    parameters = inspect.signature(cls).parameters
    assert all(p.kind is p.KEYWORD_ONLY for p in parameters.values())
    assert set(parameters) == set(cls._constraints())
    assert set(TRAINING_HYPERPARAMETERS) <= set(parameters)  # shared, declared once
    given = {name: object() for name in parameters}  # values only identity can match
    model = cls(**given)
    assert vars(model) == given  # each argument stored as given, and nothing else
    assert model.get_params() == given
    with pytest.raises(TypeError, match="unexpected keyword argument 'epochz'"):
        cls(epochz=3)


@pytest.mark.parametrize("cls", AUTOENCODERS, ids=lambda cls: cls.__name__)
def test_each_constraint_is_declared_once_along_a_models_bases(cls):
    tables = [vars(klass).get("hyperparameters", {}) for klass in cls.__mro__]
    names = [name for table in tables for name in table]
    assert len(names) == len(set(names))
    for shared in ("tied", "init_std", "input_dropout", "n_hidden", "center"):
        assert shared in Autoencoder.hyperparameters


def test_a_model_without_an_option_fixes_it_as_a_class_attribute():
    assert RBM.tied is True and TopKAutoencoder.tied is False
    assert TopKAutoencoder.init_std is None
    for cls in (RBM, TopKAutoencoder):
        assert "tied" not in inspect.signature(cls).parameters
        assert "input_dropout" not in cls().get_params()
    assert "init_std" in RBM().get_params() and "init_std" not in TopKAutoencoder().get_params()


def test_defaults_differ_per_model_where_declared():
    assert KSparseAutoencoder().learning_rate == 0.01
    assert SoftmaxRegression().learning_rate == 0.1 and SoftmaxRegression().verbose is False
    assert SparseMLPClassifier().momentum == 0.25 and SparseMLPClassifier().epochs == 200
    assert repr(SoftmaxRegression(l2=0.5)) == "SoftmaxRegression(l2=0.5)"
    assert DenoisingAutoencoder().input_dropout == 0.2 and ReLUAutoencoder().input_dropout == 0
    assert DropoutAutoencoder().hidden_dropout == 0.5
    kl = KLSparseAutoencoder()
    assert (kl.n_hidden, kl.decoder, kl.tied, kl.init_std, kl.optimizer, kl.epochs,
            kl.batch_size) == (64, "sigmoid", False, 0.05, "adam", 50, 256)
    assert RBM().learning_rate == 0.05
    topk = TopKAutoencoder()
    assert (topk.k, topk.pre_bias, topk.optimizer, topk.learning_rate) == (32, True, "adam", 1e-3)


@pytest.mark.parametrize("cls", MODELS)
def test_every_model_validates_the_optimizer(cls):
    with pytest.raises(ValueError, match="optimizer must be 'momentum' or 'adam'"):
        cls(optimizer="rmsprop")._validate_hyperparameters()


def blobs(rng, n=90):
    y = np.arange(n) % 3
    X = rng.standard_normal((n, 4)) * 0.3 + np.eye(3, 4)[y] * 2
    return X, y


@pytest.mark.parametrize("make", [
    lambda **kw: SoftmaxRegression(solver="sgd", epochs=3, random_state=0, **kw),
    lambda **kw: SparseMLPClassifier(hidden_layers=(12,), k=2, alpha=2, epochs=3,
                                     learning_rate=0.1, random_state=0, **kw),
])
def test_adam_is_offered_to_every_model_and_changes_the_updates(rng, make):
    X, y = blobs(rng)
    momentum, adam = make().fit(X, y), make(optimizer="adam").fit(X, y)
    assert not np.allclose(momentum.coef_, adam.coef_)
    assert adam.score(X, y) > 0.9  # and it trains


def test_classifiers_are_classifiers_for_scikit_learn(rng):
    base = pytest.importorskip("sklearn.base")
    selection = pytest.importorskip("sklearn.model_selection")
    assert base.is_classifier(SoftmaxRegression())
    assert base.is_classifier(SparseMLPClassifier())
    assert not base.is_classifier(KSparseAutoencoder())
    _, y = blobs(rng)
    cv = selection.check_cv(3, y, classifier=base.is_classifier(SoftmaxRegression()))
    assert isinstance(cv, selection.StratifiedKFold)  # cross-validation stratifies


def small_autoencoder(**kwargs):
    settings = dict(n_hidden=12, k=3, epochs=3, batch_size=16, random_state=0)
    settings.update(kwargs)
    return KSparseAutoencoder(**settings)


def test_score_is_minus_the_mean_squared_reconstruction_error(rng):
    X = rng.standard_normal((50, 6))
    model = small_autoencoder().fit(X)
    by_hand = ((X - model.reconstruct(X)) ** 2).sum(axis=1).mean()
    assert model.score(X) == pytest.approx(-by_hand, rel=1e-12)
    assert small_autoencoder(epochs=20).fit(X).score(X) > small_autoencoder(epochs=1).fit(X).score(X)


@pytest.mark.parametrize("options", [
    {}, {"center": True}, {"pre_bias": True}, {"center": True, "pre_bias": True},
    {"tied": False, "pre_bias": True},
])
def test_encoder_layer_computes_the_models_hidden_activities(rng, options):
    X = rng.standard_normal((40, 6)) + 2.0
    model = small_autoencoder(alpha=2.0, **options).fit(X)
    W, b, centre = model.encoder_layer()
    z = (X - (0 if centre is None else centre)) @ W + b  # (40, 12), computed independently
    kept = z >= np.sort(z, axis=1)[:, [-6]]  # the α·k = 6 largest of each row
    np.testing.assert_allclose(model.transform(X), np.where(kept, z, 0), rtol=1e-10, atol=1e-12)
    assert (centre is None) == (not options.get("center") and not options.get("pre_bias"))


def test_encoder_layer_of_an_unfitted_model_says_so():
    with pytest.raises(ksparse.NotFittedError, match="not fitted"):
        small_autoencoder().encoder_layer()


def test_step_generators_depend_on_seed_and_step_only():
    seed = step_seed(np.random.default_rng(3))
    assert seed == step_seed(np.random.default_rng(3))
    assert seed != step_seed(np.random.default_rng(4))
    first = step_generator(seed, 5).random(4)
    np.testing.assert_array_equal(first, step_generator(seed, 5).random(4))
    assert not np.array_equal(first, step_generator(seed, 6).random(4))
    rng = np.random.default_rng(3)
    step_seed(rng)
    np.testing.assert_array_equal(rng.random(3), np.random.default_rng(3).random(3))  # not drawn
