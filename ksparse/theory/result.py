"""Result containers of the sparse-recovery algorithms (paper §3.1).

:class:`PursuitResult` is returned by ITI, iterative hard thresholding and
orthogonal matching pursuit alike, so that they can be compared field by field.
"""
from dataclasses import dataclass

__all__ = ["PursuitHistory", "PursuitResult"]


@dataclass
class PursuitHistory:
    """What a recovery algorithm did at every iteration.

    Attributes
    ----------
    supports : int array, shape (n_steps, n_signals, k)
        Support (atom indices, increasing) after each step. A signal that has
        stopped keeps its last support in later steps.
    residuals : array, shape (n_steps, n_signals)
        ‖x − W zⁿ‖₂ after each step.
    """

    supports: object
    residuals: object


@dataclass
class PursuitResult:
    """Sparse codes found for a batch of signals.

    Attributes
    ----------
    codes : array, shape (n_signals, n_atoms)
        z, with at most k non-zeros per row.
    support : bool array, shape (n_signals, n_atoms)
        The final support Γ (exactly k True per row).
    n_iter : int array, shape (n_signals,)
        Iterations each signal ran before it stopped.
    converged : bool array, shape (n_signals,)
        Whether the stopping rule was met before ``max_iter``.
    residual : array, shape (n_signals,)
        Final ‖x − W z‖₂.
    history : PursuitHistory or None
        Per-step supports and residuals, when asked for.
    """

    codes: object
    support: object
    n_iter: object
    converged: object
    residual: object
    history: PursuitHistory | None = None
