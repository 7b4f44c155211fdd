"""Training data a model reads as values in [0, 1]: checked before any work, chunk by chunk.

An RBM takes its data as visible probabilities, and a sigmoid decoder's
x̂ = σ(a) never leaves (0, 1): neither can learn data outside [0, 1], and
without a check both would train on it without a word. Their training data
(X, and X_val) are read once before the first step, one chunk of rows at a
time as the NaN check reads them (:meth:`ksparse.inputs.streaming.Rows.chunks`): in memory,
memory-mapped, on the GPU, SciPy sparse (its stored values; the implicit
zeros are in range) or a dask array (every block, on the cluster). Values
are compared as the model reads them, in its dtype.
"""
__all__ = ["UnitIntervalData", "check_dask_unit_interval", "check_unit_interval"]

import numpy as np

from ..inputs.streaming import is_dask_array
from ..validation import float_dtype_for, is_sparse


def _extremes(block, dtype):
    """(min, max) of a block's values as read in ``dtype``; (inf, −inf) when it holds none."""
    values = block.data if is_sparse(block) else block  # a sparse block's stored values
    if values.size == 0:
        return np.inf, -np.inf
    values = values.astype(dtype, copy=False)  # 1 + 1e-12 in float64 reads as 1 in float32
    return float(values.min()), float(values.max())


def _refuse(name, low, high, reason):
    if low < 0 or high > 1:
        bad = low if low < 0 else high
        raise ValueError(f"{name} must lie in [0, 1] ({reason}); it holds {bad:g}.")


def check_unit_interval(rows, reason):
    """Raise a ValueError naming ``rows.name`` when a value of ``rows`` lies outside [0, 1].

    Parameters
    ----------
    rows : ksparse.inputs.streaming.Rows
        Already checked for NaN and infinity.
    reason : str
        Why the model needs [0, 1], for the message.
    """
    for _, block in rows.chunks():
        _refuse(rows.name, *_extremes(block, rows.dtype), reason)


def _block_extremes(block, dtype):
    return np.array([_extremes(block, dtype)])  # (1, 2)


def check_dask_unit_interval(X, dtype, reason, name="X"):
    """:func:`check_unit_interval` for a dask array: the extremes of its blocks, on the cluster.

    Only a 2-D array of real numbers is looked at; anything else is left to
    the checks of ``fit``, which say what is wrong with it.
    """
    if X.ndim != 2 or np.dtype(X.dtype).kind not in "biuf":
        return
    extremes = X.map_blocks(_block_extremes, dtype, dtype=float, meta=np.empty((0, 0)),
                            chunks=((1,) * X.numblocks[0], (2,) * X.numblocks[1])).compute()
    _refuse(name, float(extremes[:, 0::2].min()), float(extremes[:, 1::2].max()), reason)


class UnitIntervalData:
    """Mixin of an autoencoder: refuse training data outside [0, 1] when the model needs it.

    Put it before :class:`~ksparse.models.autoencoder.Autoencoder` among
    the bases, and override :meth:`_unit_interval`.
    """

    def _unit_interval(self):
        """Why the training data must lie in [0, 1] (a phrase for the message), or None."""
        return None

    def _check_training_data(self, X, X_val, dtype):
        rows, val_rows = super()._check_training_data(X, X_val, dtype)
        reason = self._unit_interval()
        for checked in (rows, val_rows) if reason is not None else ():
            if checked is not None:
                check_unit_interval(checked, reason)
        return rows, val_rows

    def _check_dask_blocks(self, X, dtype):
        """Check every block of a dask X before any is streamed.

        Only X's first block reaches :meth:`_check_training_data`; a dask
        X_val is computed whole and checked there.
        """
        reason = self._unit_interval()
        if reason is not None and is_dask_array(X):
            check_dask_unit_interval(X, float_dtype_for(X.dtype, dtype), reason)

    def fit(self, X, y=None, **kwargs):
        if is_dask_array(X):
            self._check_dask_blocks(X, self._validate_hyperparameters()["dtype"])
        return super().fit(X, y, **kwargs)

    def partial_fit(self, X, y=None, **kwargs):
        if is_dask_array(X):
            fitted = getattr(self, "W_", None)
            dtype = self._validate_hyperparameters()["dtype"] if fitted is None else fitted.dtype
            self._check_dask_blocks(X, dtype)
        return super().partial_fit(X, y, **kwargs)
