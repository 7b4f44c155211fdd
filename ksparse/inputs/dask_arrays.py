"""dask arrays: lazy encoding block by block, and training that streams the blocks (no section).

For data larger than one machine's memory, or spread over a cluster:

* ``transform`` and ``reconstruct`` of a dask array return a lazy dask array
  (``map_blocks``): every block of rows, NumPy or CuPy, goes through the
  in-memory method, so the result equals the in-memory one. The model
  enters the graph once (a ``dask.delayed`` object), not once per task.
  With ``sparse_output=True`` the codes are SciPy CSR blocks. NaN and
  infinity are checked block by block when the graph runs.
* ``score`` computes the mean squared error over the blocks.
* ``fit`` streams the blocks through the steps ``partial_fit`` takes: once
  the arguments are checked (X_val in memory, as beside in-memory X), a
  first pass checks the values (on the cluster, dense and sparse blocks,
  each value as the model's dtype reads it, with the messages of in-memory
  input: NaN and infinity, then the range a model such as the RBM needs);
  the first block, computed once, then initialises the parameters and,
  with ``center``, starts the centre, which this machine computes block
  after block (bitwise ``X.compute().mean(axis=0)``: row after row, or
  pairwise down a single column, as NumPy adds them); each epoch then
  visits the blocks in a random order and each block's rows in a random
  order, one block in memory at a time (the block in memory is not computed
  again when the next visit is to it: the first block when the first epoch
  begins with it, an epoch's last block when the next epoch begins with
  it). The history gets one entry per epoch. A single-block array gives
  bitwise the model of ``fit(X.compute())``.
* ``partial_fit`` is one pass over the blocks in order (one history entry).

Minibatches never span two blocks; blocks of no rows are skipped. ksparse
never imports dask when it is imported itself: this module is imported
only once a dask array is given (recognised by its type's module).
"""
__all__ = ["fit_blocks", "map_rows", "partial_fit_blocks", "score_blocks"]

import itertools
import math

import dask
import dask.array as da
import numpy as np
import scipy.sparse
from tqdm.auto import tqdm

from ..backend import get_array_module, get_xp
from ..training.checkpoint import check_checkpoint
from ..training.loop import begin_pass, end_pass, pass_steps, start_run
from ..training.progress import progress_postfix
from ..validation import (
    check_is_fitted,
    check_n_features,
    check_random_state,
    check_real_dtype,
    check_shape,
    float_dtype_for,
)
from .incremental import schedule_length, start_or_continue
from .pairwise import pairwise_column_sums
from .streaming import (
    Batches,
    Rows,
    checked_rows,
    dense_chunks,
    divide_by_count,
    is_dask_array,
    running_sum,
    value_extremes,
    values_as_read,
)


def _checked(X, name="X"):
    """A 2-D dask array of real numbers, rechunked so that every block holds whole rows."""
    check_shape(X.shape, name)
    check_real_dtype(X.dtype, name)
    if X.dtype.kind == "O":
        raise ValueError(f"{name} is a dask array of objects; convert it first "
                         f"({name}.astype(float)).")
    return X if X.numblocks[1] == 1 else X.rechunk({1: -1})


def _block_sizes(X, name="X"):
    sizes = X.chunks[0]
    if any(math.isnan(s) for s in sizes):
        raise ValueError(f"{name} has unknown block sizes; call {name}.compute_chunk_sizes() "
                         "first.")
    return sizes


def _row_blocks(X, sizes):
    """X's blocks of rows, each a dask array; blocks of no rows are skipped."""
    return [X.blocks[i, 0] for i, size in enumerate(sizes) if size > 0]


def _block_summary(block, dtype, extremes):
    """A block's values as read in ``dtype``: [[NaN?, other non-finite?, min, max]].

    The extremes are read only when asked for and the values are finite;
    otherwise they are (inf, −inf), as for a block of no values.
    """
    values = values_as_read(block, dtype)
    nan = other = False
    if values.dtype.kind == "f":
        xp = get_array_module(values)
        nan, finite = bool(xp.isnan(values).any()), bool(xp.isfinite(values).all())
        other = not (nan or finite)
    low, high = value_extremes(values, dtype) if extremes and not (nan or other) else (
        np.inf, -np.inf)
    return np.array([[nan, other, low, high]])  # (1, 4)


def _check_values(model, X, dtype, name="X"):
    """NaN, infinity, then what the model refuses, in one pass over every block on the cluster.

    Each value is read as the model reads it
    (:func:`ksparse.inputs.streaming.values_as_read`), dense or sparse;
    the messages are those of in-memory input, in the same order. The
    extremes of all blocks go to ``model._check_extremes`` when the model
    restricts its data (``model._unit_interval()``); integers, always
    finite, are read only then.
    """
    extremes = model._unit_interval() is not None
    if X.dtype.kind != "f" and not extremes:
        return
    summary = X.map_blocks(_block_summary, dtype, extremes, dtype=float,
                           chunks=((1,) * X.numblocks[0], (4,)), meta=np.empty((0, 0))).compute()
    nan, other = summary[:, :2].any(axis=0)
    if nan or other:
        what = "NaN" if nan else "infinity or a value too large"
        raise ValueError(f"Input {name} contains {what}.")
    if extremes:
        model._check_extremes(name, float(summary[:, 2].min()), float(summary[:, 3].max()))


def _apply_block(block, model, method, kwargs):
    return getattr(model, method)(block, **kwargs)


def map_rows(model, X, method, sparse_output=False):
    """``model.<method>`` of every block of X, lazily: a dask array with the same row blocks.

    Parameters
    ----------
    model : fitted autoencoder
    X : dask.array.Array, shape (n_samples, n_features)
    method : {'transform', 'reconstruct'}
    sparse_output : bool
        Blocks of codes as SciPy CSR matrices (``transform`` only).

    Returns
    -------
    out : dask.array.Array, shape (n_samples, n_hidden or n_features)
    """
    check_is_fitted(model, "W_")
    X = _checked(X)
    check_n_features(model, X)
    dtype = np.dtype(model.W_.dtype)
    width = model.n_hidden if method == "transform" else X.shape[1]
    if sparse_output:
        meta = scipy.sparse.csr_matrix((0, width), dtype=dtype)
    else:
        meta = da.utils.meta_from_array(X, ndim=2, dtype=dtype)  # NumPy or CuPy, like X
    kwargs = {"sparse_output": True} if sparse_output else {}
    return X.map_blocks(_apply_block, dask.delayed(model, pure=True), method, kwargs,
                        dtype=dtype, chunks=(X.chunks[0], (width,)), meta=meta)


def score_blocks(model, X):
    """Minus the mean squared reconstruction error per row, over all blocks (computed)."""
    check_is_fitted(model, "W_")
    X = _checked(X)
    check_n_features(model, X)
    dtype = np.dtype(model.W_.dtype)
    errors = X.map_blocks(_apply_block, dask.delayed(model, pure=True), "_row_errors", {},
                          drop_axis=1, dtype=dtype, chunks=(X.chunks[0],),
                          meta=da.utils.meta_from_array(X, ndim=1, dtype=dtype))
    return -float(errors.mean().compute())


def _rows(block, dtype):
    rows = Rows(block.compute(), "X", dtype=dtype)
    rows.check_finite()
    return rows


def _streamed_mean(first, blocks, xp, dtype, n_samples):
    """Mean of all rows, block after block on this machine: bitwise ``X.compute().mean(axis=0)``.

    ``first`` holds the rows of ``blocks[0]``, already computed to start the
    model, so that block is not computed again. dask computes X as one
    C-ordered array, whose mean NumPy adds row after row, or pairwise down a
    single column (see :func:`ksparse.inputs.streaming.column_mean`).
    """
    rows = itertools.chain((first,), (_rows(block, dtype) for block in blocks[1:]))
    sources = (Batches(block_rows, xp) for block_rows in rows)
    if blocks[0].shape[1] == 1:
        chunks = (chunk for batches in sources for chunk in dense_chunks(batches))
        return divide_by_count(pairwise_column_sums(chunks, n_samples), n_samples)
    total = None
    for batches in sources:
        total = running_sum(batches, total)
    return divide_by_count(total, n_samples)


def _computed(X):
    return X.compute() if is_dask_array(X) else X


def _checked_validation(model, X_val, n_features, dtype):
    """X_val as :class:`Rows`, checked as in memory before any block of X is read (or None).

    The check of in-memory training data, on X_val alone (its width against
    X's ``n_features``): a wrong X_val is refused with the in-memory
    messages, before a pass over X on the cluster.
    """
    if X_val is None:
        return None
    return checked_rows(model, _computed(X_val), "X_val", dtype, n_features)


def fit_blocks(model, X, *, X_val=None, callbacks=None, checkpoint=None):
    """``fit`` on a dask array: epochs over its blocks, streamed (see the module docstring)."""
    if checkpoint is not None:
        raise ValueError("checkpoint is not supported when fitting a dask array; call "
                         "partial_fit on its blocks instead, which checkpoints after every call.")
    X = _checked(X)
    sizes = _block_sizes(X)
    dtype = float_dtype_for(X.dtype, model._validate_hyperparameters()["dtype"])
    val_rows = _checked_validation(model, X_val, X.shape[1], dtype)
    _check_values(model, X, dtype)
    blocks = _row_blocks(X, sizes)
    first = _rows(blocks[0], dtype)
    xp, n_samples = get_xp(), int(sum(sizes))
    mean = _streamed_mean(first, blocks, xp, dtype, n_samples) if model.center else None
    rng = check_random_state(model.random_state)
    batches = model._initialise(first, xp, rng, mean)
    held = 0  # the block whose rows batches holds (first is dropped with it)
    del first
    run = model._run = start_run(model, model._parameters(), rng)
    run.total_steps = model.total_steps or model.epochs * sum(
        math.ceil(s / model.batch_size) for s in sizes)
    model.history_ = run.history
    validation = model._validation_data(val_rows, xp)
    bar = tqdm(total=model.epochs, desc=type(model).__name__, disable=not model.verbose)
    for _ in range(model.epochs):
        begin_pass(run)
        order = rng.permutation(len(blocks)) if len(blocks) > 1 else (0,)
        for i in order:
            if i != held:  # one block in memory at a time; the one held is not computed again
                batches = None
                batches = Batches(_rows(blocks[i], dtype), xp, model.mean_, resident=True,
                                  keep_sparse=model._sparse_rows())
                held = i
            pass_steps(model, run, (batches,), run.total_steps,
                       order=rng.permutation(batches.shape[0]))
        logs = end_pass(model, run, n_samples, run.total_steps, validation=validation,
                        callbacks=callbacks)
        bar.update(1)
        bar.set_postfix(progress_postfix(logs), refresh=False)
    bar.close()
    return model


def partial_fit_blocks(model, X, *, mean=None, X_val=None, callbacks=None, checkpoint=None,
                       resume=False):
    """``partial_fit`` on a dask array: one pass over its blocks, in order."""
    values = model._validate_for_training(callbacks)
    check_checkpoint(checkpoint, 1, resume)
    total_steps = schedule_length(model)
    X = _checked(X)
    sizes = _block_sizes(X)
    fitted = getattr(model, "W_", None)
    dtype = float_dtype_for(X.dtype, values["dtype"] if fitted is None else fitted.dtype)
    val_rows = _checked_validation(model, X_val, X.shape[1], dtype)
    _check_values(model, X, dtype)
    blocks = _row_blocks(X, sizes)
    first = _rows(blocks[0], dtype)
    if fitted is None and model.center and mean is None:  # the centre of all of this X
        mean = _streamed_mean(first, blocks, get_xp(), dtype, int(sum(sizes)))
    batches = start_or_continue(model, first, mean=mean, checkpoint=checkpoint, resume=resume)
    run = model._run
    validation = model._validation_data(val_rows, batches.xp)
    begin_pass(run)
    for i, block in enumerate(blocks):
        if i:
            batches = start_or_continue(model, _rows(block, dtype))
        pass_steps(model, run, (batches,), total_steps)
    end_pass(model, run, int(sum(sizes)), total_steps, validation=validation,
             callbacks=callbacks, checkpoint=checkpoint)
    return model
