"""The synthetic data: atoms, coherence, how many atoms are active, how often, together, and under whom."""
import importlib
import json

import numpy as np
import pytest

from ksparse.lab import (
    make_codes,
    make_dictionary,
    make_hierarchical_data,
    make_sparse_data,
    make_superposition,
    power_law_frequencies,
    welch_bound,
)
from ksparse.lab.truth import held_out_rows
from ksparse.theory import mutual_coherence


def _active(truth_or_codes):
    codes = getattr(truth_or_codes, "codes", truth_or_codes)
    return codes.toarray() != 0  # (n_samples, n_atoms)


@pytest.mark.parametrize("target", [0.3, 0.9])  # below and above the drawn μ (about 0.7)
def test_the_dictionary_reaches_a_target_coherence_with_unit_atoms(target):
    D = make_dictionary(16, 64, coherence=target, random_state=0)
    assert D.shape == (16, 64)
    assert np.allclose(np.linalg.norm(D, axis=0), 1.0)
    assert mutual_coherence(D) == pytest.approx(target, abs=2e-3)


def test_a_coherence_below_the_welch_bound_is_refused():
    assert welch_bound(16, 32) == pytest.approx(np.sqrt(16 / (16 * 31)))
    assert welch_bound(16, 16) == 0.0
    with pytest.raises(ValueError, match="below the Welch bound 0.1796"):
        make_dictionary(16, 32, coherence=0.1)


def test_exactly_active_atoms_per_row_with_coefficients_in_range():
    C = make_codes(500, 20, active=3, coefficients=(0.5, 1.5), random_state=0)
    on = _active(C)
    assert (on.sum(axis=1) == 3).all()
    assert 0.5 <= C.data.min() and C.data.max() <= 1.5
    assert on.mean(axis=0) == pytest.approx(np.full(20, 3 / 20), abs=0.05)


def test_bernoulli_frequencies_are_met():
    p = power_law_frequencies(10, 2.0, exponent=1.0)
    assert p.sum() == pytest.approx(2.0) and (np.diff(p) <= 0).all() and p.max() <= 1
    C = make_codes(20000, 10, frequencies=p, random_state=0)
    assert _active(C).mean(axis=0) == pytest.approx(p, abs=4 * np.sqrt(0.25 / 20000))


def test_correlated_supports_go_together_within_a_group_only():
    C = make_codes(20000, 8, active=2, correlation=0.9, group_size=2, random_state=0)
    r = np.corrcoef(_active(C).T)  # (8, 8)
    assert r[0, 1] > 0.3 and r[2, 3] > 0.3  # same group
    assert np.corrcoef(_active(make_codes(20000, 8, active=2, random_state=0)).T)[0, 1] < 0
    # With frequencies, groups are independent and each atom keeps its frequency.
    on = _active(make_codes(20000, 8, frequencies=0.2, correlation=0.9, group_size=2,
                            random_state=0))
    r = np.corrcoef(on.T)
    assert r[0, 1] > 0.3 and abs(r[0, 4]) < 0.05
    assert on.mean(axis=0) == pytest.approx(np.full(8, 0.2), abs=0.015)


def test_codes_need_one_rule():
    with pytest.raises(ValueError, match="exactly one of active"):
        make_codes(5, 4)
    with pytest.raises(ValueError, match="coefficients must satisfy"):
        make_codes(5, 4, active=1, coefficients=(1.0, 0.5))


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(frequencies=[0.5, 0.5]), ValueError,
     r"frequencies must be a number or an array of shape \(4,\) .*, got shape \(2,\)"),
    (dict(frequencies=np.full((4, 1), 0.5)), ValueError, r"got shape \(4, 1\)"),
    (dict(frequencies=[0.5, 0.0, 0.5, 0.5]), ValueError, r"every entry of frequencies .* \(0, 1\]"),
    (dict(active=1, signed="no"), TypeError, "signed must be True or False, got 'no'"),
    (dict(active=1, signed=1), TypeError, "signed must be True or False, got 1"),
])
def test_the_codes_arguments_are_checked_by_name(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_codes(5, 4, **kwargs)


@pytest.mark.parametrize("n_atoms, exponent", [
    (1000, 200.0),  # the last atom's weight 1000^-200 underflows to 0
    (1000, 102.0),  # 1000^-102 does not, but 1000 / 1000^-102 overflows
])
def test_a_power_law_too_steep_for_float64_is_refused(n_atoms, exponent):
    with pytest.raises(ValueError, match=f"exponent={exponent} is too steep for {n_atoms} atoms"):
        power_law_frequencies(n_atoms, 3.0, exponent)


def test_a_steep_power_law_that_float64_can_hold_is_kept():
    p = power_law_frequencies(10, 2.0, exponent=200.0)
    # 2 atoms nearly always on, the rest nearly never: 200 halvings of [0, 10^201] missed it (sum 5)
    assert p[:2] == pytest.approx([1.0, 1.0]) and p.sum() == pytest.approx(2.0) and p[-1] > 0


def _nothing_drawn(*args, **kwargs):
    raise AssertionError("a dictionary was drawn before every argument was checked")


_SPARSE = dict(n_samples=20, n_features=8, n_atoms=12, random_state=0)
_HIERARCHICAL = dict(n_samples=20, n_features=8, n_parents=3, random_state=0)


@pytest.mark.parametrize("make, kwargs, error, match", [
    (make_sparse_data, dict(_SPARSE, noise=-1.0), ValueError, "noise must be in"),
    (make_sparse_data, dict(_SPARSE, n_samples=0), ValueError, r"n_samples must be in \[1, inf\]"),
    (make_sparse_data, dict(_SPARSE, active=13), ValueError, r"active must be in \[1, 12\]"),
    (make_sparse_data, dict(_SPARSE, coefficients=(1.0, 0.5)), ValueError, "coefficients must"),
    (make_sparse_data, dict(_SPARSE, frequencies=[0.5, 0.5]), ValueError, r"shape \(12,\)"),
    (make_sparse_data, dict(_SPARSE, correlation=1.0), ValueError, "correlation must be in"),
    (make_sparse_data, dict(_SPARSE, group_size=0), ValueError, "group_size must be in"),
    (make_sparse_data, dict(_SPARSE, signed="no"), TypeError, "signed must be True or False"),
    (make_sparse_data, dict(_SPARSE, coherence=0.1), ValueError, "below the Welch bound"),
    (make_superposition, dict(_SPARSE, n_samples=0), ValueError, "n_samples must be in"),
    (make_superposition, dict(_SPARSE, noise=-1.0), ValueError, "noise must be in"),
    (make_hierarchical_data, dict(_HIERARCHICAL, noise=-1.0), ValueError, "noise must be in"),
    (make_hierarchical_data, dict(_HIERARCHICAL, n_samples=0), ValueError, "n_samples must be"),
    (make_hierarchical_data, dict(_HIERARCHICAL, active=4), ValueError,
     r"active must be in \[1, 3\]"),
    (make_hierarchical_data, dict(_HIERARCHICAL, coefficients=(1.0, 0.5)), ValueError,
     "coefficients must"),
])
def test_every_argument_is_checked_before_anything_is_drawn(monkeypatch, make, kwargs, error,
                                                            match):
    # Every generator's first draw is the dictionary's Gaussian atoms.
    monkeypatch.setattr(importlib.import_module("ksparse.lab.dictionary"), "gaussian_dictionary",
                        _nothing_drawn)
    with pytest.raises(error, match=match):
        make(**kwargs)


# The argument checks each laboratory module calls, spied on by name.
_CHECKS = {"ksparse.lab.codes": ("check_int", "check_real", "check_bool"),
           "ksparse.lab.dictionary": ("check_int", "check_real"),
           "ksparse.lab.data": ("check_real",),
           "ksparse.lab.hierarchy": ("check_int", "check_real"),
           "ksparse.lab._stream": ("check_random_state",)}


@pytest.fixture
def checked(monkeypatch):
    """The names of the arguments checked from now on, one entry per check."""
    names = []
    for module, functions in _CHECKS.items():
        module = importlib.import_module(module)
        for function in functions:
            def spy(value, *args, _check=getattr(module, function), **kwargs):
                names.append(args[0] if args else "random_state")  # (value, name, ...) or (value)
                return _check(value, *args, **kwargs)
            monkeypatch.setattr(module, function, spy)
    return names


@pytest.mark.parametrize("make, kwargs", [
    (make_sparse_data, dict(_SPARSE, coherence=0.5)),
    (make_sparse_data, dict(_SPARSE, frequencies=0.2, correlation=0.5, signed=True)),
    (make_superposition, dict(_SPARSE)),
    (make_hierarchical_data, dict(_HIERARCHICAL, coherence=0.5)),
    (make_codes, dict(n_samples=20, n_atoms=6, active=2, random_state=0)),
    (make_dictionary, dict(n_features=8, n_atoms=12, coherence=0.5, random_state=0)),
])
def test_every_argument_is_checked_once(checked, make, kwargs):
    make(**kwargs)
    assert {"n_atoms", "random_state"} <= set(checked)
    assert sorted({name for name in checked if checked.count(name) > 1}) == []


@pytest.mark.parametrize("make, args, kwargs, error, match", [
    (make_codes, (5, 0), dict(active=1), ValueError, r"n_atoms must be in \[1, inf\], got 0"),
    (make_codes, (5, 4.5), dict(active=1), TypeError, "n_atoms must be an integer"),
    (make_codes, (0, 4), dict(active=1), ValueError, r"n_samples must be in \[1, inf\], got 0"),
    (make_codes, (5, 4), dict(active=1, random_state="x"), TypeError, "random_state must be"),
    (make_dictionary, (0, 4), {}, ValueError, r"n_features must be in \[1, inf\], got 0"),
    (make_dictionary, (4, 1), {}, ValueError, r"n_atoms must be in \[2, inf\], got 1"),
    (make_dictionary, (4, 8), dict(coherence=1.0), ValueError, r"coherence must be in \(0.0, 1.0\)"),
    (make_dictionary, (4, 8), dict(max_iter=0), ValueError, r"max_iter must be in \[1, inf\]"),
    (make_dictionary, (4, 8), dict(random_state="x"), TypeError, "random_state must be"),
    (welch_bound, (0, 4), {}, ValueError, r"n_features must be in \[1, inf\], got 0"),
    (welch_bound, (4, 1), {}, ValueError, r"n_atoms must be in \[2, inf\], got 1"),
])
def test_make_codes_and_make_dictionary_refuse_bad_arguments_called_directly(make, args, kwargs,
                                                                            error, match):
    with pytest.raises(error, match=match):
        make(*args, **kwargs)


def test_sparse_data_is_codes_times_atoms_plus_noise_and_seeded():
    t = make_sparse_data(3000, 12, 24, active=4, noise=0.05, random_state=3)
    assert t.X.shape == (3000, 12) and t.dictionary.shape == (12, 24) and t.codes.shape == (3000, 24)
    residual = t.X - t.codes @ t.dictionary.T
    assert residual.std() == pytest.approx(0.05, rel=0.05)
    again = make_sparse_data(3000, 12, 24, active=4, noise=0.05, random_state=3)
    assert np.array_equal(t.X, again.X)
    train, held_out = t.split(0.25)
    assert train.X.shape[0] == 2250 and np.array_equal(held_out.codes.toarray(),
                                                       t.codes[2250:].toarray())


@pytest.mark.parametrize("n_samples, holdout, held", [(10, 0.0, 0), (10, 0.2, 2), (10, 0.8, 8)])
def test_held_out_rows(n_samples, holdout, held):
    assert held_out_rows(n_samples, holdout) == held


@pytest.mark.parametrize("n_samples, holdout, match", [
    (5, 0.2, "holds out 1 row"),  # the FVU of one row divides by a spread of 0
    (10, 0.9, "leaves fewer than 2 rows to train on"),
    (10, 1.0, r"holdout must be in \[0, 1\)"),
])
def test_a_split_without_two_rows_on_each_side_is_refused(n_samples, holdout, match):
    t = make_sparse_data(n_samples, 4, 6, active=2, random_state=0)
    with pytest.raises(ValueError, match=match):
        t.split(holdout)


def test_a_noise_that_overflows_the_data_is_refused_by_name():
    with pytest.raises(ValueError, match="noise=1e[+]308 overflows the data"):
        make_sparse_data(20, 4, 6, active=2, noise=1e308, random_state=0)


def test_a_child_is_active_only_with_its_parent():
    t = make_hierarchical_data(4000, 16, n_parents=3, n_children=2, active=1,
                               child_probability=0.5, random_state=0)
    assert t.parents.tolist() == [-1, -1, -1, 0, 0, 1, 1, 2, 2]
    on = _active(t)
    for child, parent in enumerate(t.parents):
        if parent >= 0:
            assert not (on[:, child] & ~on[:, parent]).any()
            assert on[on[:, parent], child].mean() == pytest.approx(0.5, abs=0.05)


def test_superposition_has_more_features_than_dimensions_at_the_given_sparsity():
    t = make_superposition(5000, 10, 50, sparsity=0.9, random_state=0)
    assert t.X.shape == (5000, 10) and t.n_atoms == 50
    assert _active(t).sum(axis=1).mean() == pytest.approx(5.0, rel=0.05)
    assert 0 < t.codes.data.min() and t.codes.data.max() <= 1


def test_data_seeded_like_a_model_does_not_hand_it_the_answer():
    # A model seeded with 0 starts from default_rng(0).standard_normal((n_features, n_hidden)).
    truth = make_sparse_data(100, 16, 32, random_state=0)
    start = np.random.default_rng(0).standard_normal((16, 32))
    assert np.abs((truth.dictionary.T @ start) / np.linalg.norm(start, axis=0)).max() < 0.9


@pytest.mark.parametrize("coherence", [None, 0.5])
def test_the_info_records_the_achieved_coherence_and_the_settings(coherence):
    p = power_law_frequencies(24, 3.0)
    t = make_sparse_data(100, 12, 24, frequencies=p, signed=True, group_size=3,
                         coherence=coherence, random_state=0)
    assert t.info["coherence"] == mutual_coherence(t.dictionary)
    assert t.info["target_coherence"] == coherence
    assert t.info["frequencies"] == dict(min=p.min(), max=p.max(), sum=p.sum())
    assert t.info["active"] is None and t.info["signed"] is True and t.info["group_size"] == 3
    assert make_sparse_data(100, 12, 24, active=3, random_state=0).info["active"] == 3


@pytest.mark.parametrize("make, kwargs", [
    (make_sparse_data, dict(n_features=np.int64(8), n_atoms=np.int64(12), active=np.int64(2),
                            correlation=np.float32(0.5), coefficients=np.array([0.5, 1.5]))),
    (make_superposition, dict(n_features=np.int64(8), n_atoms=np.int64(12),
                              sparsity=np.float64(0.8))),
    (make_hierarchical_data, dict(n_features=np.int64(8), n_parents=np.int64(3),
                                  active=np.int64(2), child_probability=np.float32(0.5))),
])
def test_the_info_is_plain_python_that_json_writes(make, kwargs):
    t = make(np.int64(30), **kwargs, random_state=0)
    assert json.loads(json.dumps(t.info)) == t.info
    assert t.info["coherence"] == mutual_coherence(t.dictionary)
