"""Training data a model reads as values in [0, 1]: checked before any work, chunk by chunk.

An RBM takes its data as visible probabilities, and a sigmoid decoder's
x̂ = σ(a) never leaves (0, 1): neither can learn data outside [0, 1], and
without a check both would train on it without a word. Their training data
(X, and X_val, each on its own) are read once before the first step, one
chunk of rows at a time, in the pass that looks for NaN
(:func:`ksparse.inputs.streaming.checked_rows`): in memory, memory-mapped,
on the GPU or SciPy sparse (its stored values; the implicit zeros are in
range). A dask array's blocks are read on the cluster, in the pass that
looks for NaN (:mod:`ksparse.inputs.dask_arrays`). Both hand the extremes
to :meth:`UnitIntervalData._check_extremes`. Values are compared as the
model reads them, in its dtype.
"""
__all__ = ["UnitIntervalData"]


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
