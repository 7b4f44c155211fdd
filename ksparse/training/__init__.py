"""Training: the minibatch loop every model shares and what keeps it safe (paper §4.2).

* :mod:`~ksparse.training.loop`: :func:`train`, the epoch and minibatch loop
  (written out whole in one function), and the passes of ``partial_fit``;
* :mod:`~ksparse.training.finite_check`: the check that stops training on a
  NaN or infinite loss or gradient, every step or every ``check_every`` steps
  with a rollback;
* :mod:`~ksparse.training.interrupts`: Ctrl-C deferred to the next step
  boundary, so that no update is left half done;
* :mod:`~ksparse.training.random_streams`: the generator of each step's noise,
  seeded by (run seed, step), so that a resumed run is bitwise exact;
* :mod:`~ksparse.training.checkpoint`: the full training state in one file.
"""
from .loop import NonFiniteLossError, Run, planned_steps, start_run, train

__all__ = ["NonFiniteLossError", "Run", "planned_steps", "start_run", "train"]
