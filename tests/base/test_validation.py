"""The dtype training chooses for an input, and the random_state check, before any work."""
import numpy as np
import pytest

from ksparse import KSparseAutoencoder
from ksparse.validation import check_array, check_random_state, float_dtype_for

FIT = dict(n_hidden=6, k=2, epochs=2, batch_size=8, random_state=0)


@pytest.mark.parametrize("stored, native", [(">f4", np.float32), ("<f4", np.float32),
                                            (">f8", np.float64), ("<f8", np.float64),
                                            (">i4", np.float64), ("<f2", np.float64)])
def test_floats_of_either_byte_order_keep_their_precision(stored, native):
    assert float_dtype_for(np.dtype(stored)) == native
    assert check_array(np.ones((2, 3), dtype=stored)).dtype == native


@pytest.mark.parametrize("byte_order", [">", "<"])
@pytest.mark.parametrize("size", [4, 8])
def test_a_big_endian_array_trains_as_the_native_one(byte_order, size, rng):
    X = rng.standard_normal((40, 5))
    native = KSparseAutoencoder(center=True, **FIT).fit(X.astype(f"=f{size}"))
    stored = KSparseAutoencoder(center=True, **FIT).fit(X.astype(f"{byte_order}f{size}"))
    assert stored.W_.dtype == native.W_.dtype == np.dtype(f"f{size}")
    for name in ("W_", "b_", "b_prime_", "mean_"):
        np.testing.assert_array_equal(getattr(stored, name), getattr(native, name))
    assert stored.history_ == native.history_


@pytest.mark.parametrize("seed", [-1, -(2**70), np.int64(-3)])
def test_a_negative_seed_is_refused_naming_random_state(seed, rng):
    with pytest.raises(ValueError, match=r"random_state must be None, an int >= 0 or a numpy"):
        check_random_state(seed)
    model = KSparseAutoencoder(**dict(FIT, random_state=seed))
    with pytest.raises(ValueError, match="random_state"):
        model.fit(rng.standard_normal((20, 5)))
    assert getattr(model, "W_", None) is None


@pytest.mark.parametrize("seed", [0, 2**70, np.uint8(5)])
def test_non_negative_seeds_are_numpys_seeds(seed):
    np.testing.assert_array_equal(check_random_state(seed).random(3),
                                  np.random.default_rng(seed).random(3))
