"""Schedules over training steps: the sparsity level (§4.2.1) and the learning rate (§4.2.2).

Both are plain functions of the global step number so that training can stop
and resume at any step and land on exactly the same values.
"""
__all__ = ["linear_schedule", "sparsity_level", "learning_rate_at"]


def linear_schedule(start, end, step, n_steps):
    """Value interpolated linearly from ``start`` (step 0) to ``end`` (step n_steps).

    Steps past ``n_steps`` hold ``end``.

    Parameters
    ----------
    start, end : float
    step : int, >= 0
    n_steps : int, >= 0
        Length of the ramp; 0 means ``end`` from the first step.

    Returns
    -------
    value : float
    """
    if n_steps <= 0 or step >= n_steps:
        return float(end)
    return start + (end - start) * (step / n_steps)


def sparsity_level(step, total_steps, k, k_start=None):
    """Sparsity level k at a training step (§4.2.1).

    k falls linearly from ``k_start`` to ``k`` over the first half of the
    training steps, then holds at ``k``. ``k_start=None`` keeps k constant.

    Parameters
    ----------
    step : int
        Global step, counted from 0.
    total_steps : int
        Number of steps of the whole run (epochs × steps per epoch).
    k : int
        Target sparsity level.
    k_start : int or None

    Returns
    -------
    k_t : int
        Rounded to the nearest integer.
    """
    if k_start is None:
        return int(k)
    value = linear_schedule(k_start, k, step, total_steps // 2)
    return int(round(value))


def learning_rate_at(step, total_steps, learning_rate, lr_end=None):
    """Learning rate η at a training step (§4.2.2).

    With ``lr_end`` set, η falls linearly from ``learning_rate`` at the first
    step to ``lr_end`` at the last one (step ``total_steps - 1``).

    The first step (step 0) always uses ``learning_rate``. This matters only
    for a one-step run (``total_steps == 1``): its ramp has length 0, and
    without the rule its single step would use ``lr_end``, so that
    ``learning_rate`` would never be used at all.

    Parameters
    ----------
    step : int, >= 0
        Global step, counted from 0.
    total_steps : int, >= 1
        Number of steps of the whole run.
    learning_rate : float
        η at the first step.
    lr_end : float or None
        η at the last step; None keeps ``learning_rate`` throughout.

    Returns
    -------
    eta : float
    """
    # Python floats, even from NumPy settings: a NumPy η would promote float32 updates,
    # and np.float32 settings would ramp in float32 (NEP 50)
    if lr_end is None or step == 0:
        return float(learning_rate)
    ramp = linear_schedule(float(learning_rate), float(lr_end), int(step), int(total_steps) - 1)
    return float(ramp)
