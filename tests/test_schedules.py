import pytest

from ksparse.schedules import learning_rate_at, linear_schedule, sparsity_level


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
