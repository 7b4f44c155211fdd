"""Training data a model reads as values in [0, 1]: checked before any work, chunk by chunk.

An RBM takes its data as visible probabilities, and a sigmoid decoder's
x̂ = σ(a) never leaves (0, 1): neither can learn data outside [0, 1], and
without a check both would train on it without a word. Their training data
(X, and X_val) are read once before the first step, one chunk of rows at a
time after the NaN check has read them (:meth:`ksparse.inputs.streaming.Rows.chunks`):
in memory, memory-mapped, on the GPU or SciPy sparse (its stored values;
the implicit zeros are in range). A dask array's blocks are read on the
cluster, in the pass that looks for NaN (:mod:`ksparse.inputs.dask_arrays`),
which hands their extremes to :meth:`UnitIntervalData._check_extremes`.
Values are compared as the model reads them, in its dtype.
"""
__all__ = ["UnitIntervalData"]

from ..inputs.streaming import value_extremes


class UnitIntervalData:
    """Mixin of an autoencoder: refuse training data outside [0, 1] when the model needs it.

    Put it before :class:`~ksparse.models.autoencoder.Autoencoder` among
    the bases, and override :meth:`_unit_interval`.
    """

    def _check_extremes(self, name, low, high):
        """Refuse values from ``low`` to ``high`` when the model needs [0, 1] and they leave it."""
        reason = self._unit_interval()
        if reason is not None and (low < 0 or high > 1):
            bad = low if low < 0 else high
            raise ValueError(f"{name} must lie in [0, 1] ({reason}); it holds {bad:g}.")

    def _check_training_data(self, X, X_val, dtype):
        rows, val_rows = super()._check_training_data(X, X_val, dtype)  # finite, as in memory
        if self._unit_interval() is not None:
            for checked in (rows, val_rows) if val_rows is not None else (rows,):
                for _, block in checked.chunks():
                    self._check_extremes(checked.name, *value_extremes(block, checked.dtype))
        return rows, val_rows
