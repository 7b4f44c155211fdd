import pytest

from ksparse.nn.schedules import learning_rate_at, linear_schedule, sparsity_level


def test_sparsity_schedule_first_step_midpoint_and_end():
    total = 400  # the ramp covers the first 200 steps
    assert sparsity_level(0, total, k=25, k_start=100) == 100
    assert sparsity_level(100, total, k=25, k_start=100) == round((100 + 25) / 2)
    assert sparsity_level(200, total, k=25, k_start=100) == 25
    assert sparsity_level(399, total, k=25, k_start=100) == 25


def test_sparsity_schedule_is_monotone():
    values = [sparsity_level(s, 1000, k=10, k_start=70) for s in range(1000)]
    assert all(a >= b for a, b in zip(values, values[1:]))
    assert values[0] == 70 and values[-1] == 10


@pytest.mark.parametrize("step", [0, 5, 99])
def test_constant_k_without_schedule(step):
    assert sparsity_level(step, 100, k=25, k_start=None) == 25


def test_learning_rate_decay_reaches_lr_end_on_the_last_step():
    assert learning_rate_at(0, 101, 1.0, 0.001) == 1.0
    assert learning_rate_at(50, 101, 1.0, 0.001) == pytest.approx(0.5005)
    assert learning_rate_at(100, 101, 1.0, 0.001) == pytest.approx(0.001)
    assert learning_rate_at(70, 101, 0.01, None) == 0.01


def test_linear_schedule_holds_after_the_ramp():
    assert linear_schedule(1.0, 3.0, 1, 4) == 1.5
    assert linear_schedule(1.0, 3.0, 10, 4) == 3.0
    assert linear_schedule(1.0, 3.0, 0, 0) == 3.0


@pytest.mark.parametrize(
    "step, exact, expected",
    [
        # k_start = 10, k = 5, 50 steps: the ramp covers 25 steps, k = 10 - 5·step/25.
        (2, 9.6, 10),  # .6 rounds up (truncation would give 9)
        (3, 9.4, 9),  # .4 rounds down
        (7, 8.6, 9),
        (8, 8.4, 8),
        (23, 5.4, 5),
        (24, 5.2, 5),
    ],
)
def test_sparsity_schedule_rounds_to_the_nearest_integer(step, exact, expected):
    assert 10 - 5 * step / 25 == pytest.approx(exact)  # the hand value of the ramp
    assert sparsity_level(step, 50, k=5, k_start=10) == expected


@pytest.mark.parametrize("lr_end", [0.001, 0.5, 0.0])
def test_one_step_run_uses_learning_rate(lr_end):
    """The first step always uses learning_rate, even when the run has no other step."""
    assert learning_rate_at(0, 1, 0.1, lr_end) == 0.1


@pytest.mark.parametrize("total", [1, 2, 3, 1000])
def test_first_step_always_uses_learning_rate(total):
    assert learning_rate_at(0, total, 0.2, 0.01) == 0.2


def test_two_step_run_ends_on_lr_end():
    assert learning_rate_at(0, 2, 0.2, 0.01) == 0.2
    assert learning_rate_at(1, 2, 0.2, 0.01) == 0.01


@pytest.mark.parametrize("step", [1, 4, 7, 10])
def test_learning_rate_ramp_matches_the_hand_formula(step):
    # 11 steps: η = 0.05 + (0.01 − 0.05) · step / 10
    assert learning_rate_at(step, 11, 0.05, 0.01) == pytest.approx(0.05 - 0.004 * step, rel=1e-12)


def test_a_one_step_ramp_starts_at_its_start():
    # n_steps = 1: step 0 is the ramp's first (and only) step, step 1 its end.
    assert linear_schedule(10.0, 2.0, 0, 1) == 10.0
    assert linear_schedule(10.0, 2.0, 1, 1) == 2.0


@pytest.mark.parametrize("step, expected", [(0, 12), (1, 7), (2, 2), (3, 2), (4, 2)])
def test_an_odd_run_ramps_k_over_its_whole_first_half_steps(step, expected):
    # total_steps = 5: the ramp lasts 5 // 2 = 2 steps (k = 12, 7, then 2), not 2.5.
    assert sparsity_level(step, 5, 2, 12) == expected
