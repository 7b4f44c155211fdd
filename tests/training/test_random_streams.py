"""Any of NumPy's bit generators may drive a run: deterministic, resumable, PCG64 runs unchanged."""
import hashlib
import json

import numpy as np
import pytest

from ksparse.models import ReLUAutoencoder
from ksparse.training.random_streams import generator_state, step_seed

BIT_GENERATORS = [np.random.MT19937, np.random.Philox, np.random.SFC64, np.random.PCG64DXSM]


def make_model(random_state, **kwargs):
    # Hidden dropout: every step draws noise from the step generators.
    return ReLUAutoencoder(n_hidden=9, hidden_dropout=0.3, epochs=3, batch_size=16,
                           random_state=random_state, **kwargs)


@pytest.fixture
def X(rng):
    return rng.standard_normal((60, 7))


@pytest.mark.parametrize("bit_generator", BIT_GENERATORS)
def test_a_generator_of_any_bit_generator_drives_a_run_deterministically(X, bit_generator):
    first = make_model(np.random.Generator(bit_generator(7))).fit(X)
    again = make_model(np.random.Generator(bit_generator(7))).fit(X)
    other = make_model(np.random.Generator(bit_generator(8))).fit(X)
    np.testing.assert_array_equal(first.W_, again.W_)
    assert first.history_ == again.history_
    assert not np.array_equal(first.W_, other.W_)


@pytest.mark.parametrize("bit_generator", BIT_GENERATORS)
def test_its_run_resumes_bitwise_from_a_checkpoint(X, bit_generator, tmp_path):
    def stop_after_the_first_epoch(model, epoch, logs):
        if epoch == 0:
            raise KeyboardInterrupt

    path = tmp_path / "run.ckpt"
    reference = make_model(np.random.Generator(bit_generator(7))).fit(X)
    with pytest.raises(KeyboardInterrupt, match="checkpoint saved"):
        make_model(np.random.Generator(bit_generator(7))).fit(
            X, checkpoint=path, callbacks=[stop_after_the_first_epoch])
    resumed = make_model(np.random.Generator(bit_generator(7))).fit(X, checkpoint=path,
                                                                    resume=True)
    np.testing.assert_array_equal(resumed.W_, reference.W_)
    assert resumed.history_ == reference.history_


@pytest.mark.parametrize("bit_generator", BIT_GENERATORS)
def test_its_state_reads_back_as_plain_values(bit_generator):
    rng = np.random.Generator(bit_generator(3))
    rng.random(5)
    state = generator_state(rng)
    json.dumps(state)  # no arrays left
    copy = np.random.Generator(bit_generator(0))
    copy.bit_generator.state = state
    np.testing.assert_array_equal(copy.random(4), rng.random(4))


def test_a_pcg64_runs_step_seed_is_the_digest_of_its_state_as_before():
    rng = np.random.default_rng(3)
    text = json.dumps(rng.bit_generator.state, sort_keys=True).encode("utf-8")
    assert step_seed(rng) == int.from_bytes(hashlib.sha256(text).digest()[:16], "little")
    assert generator_state(rng) == rng.bit_generator.state
