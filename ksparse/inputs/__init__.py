"""Input of every kind, read as it is needed (no paper section).

* :mod:`~ksparse.inputs.streaming`: dense, memory-mapped, SciPy sparse and CuPy
  rows, checked and moved one chunk or minibatch at a time;
* :mod:`~ksparse.inputs.incremental`: ``partial_fit``, the training run
  continued call by call;
* :mod:`~ksparse.inputs.dask_arrays`: dask arrays, block by block (imports dask
  only when a dask array is given).
"""
