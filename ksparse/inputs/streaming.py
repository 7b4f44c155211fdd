"""Minibatch sources: the rows of X read as the model needs them, never the whole of X copied.

The training loop of §4.2 only ever needs one minibatch at a time, and
inference one chunk at a time. This module lets ``fit``, ``partial_fit``,
``transform``, ``reconstruct`` and ``score`` take X as it comes:

* a NumPy array in memory: rows are gathered from it as they are used
  (on the GPU backend it is moved to the device once, the fast path);
* a memory-mapped array (``np.load(path, mmap_mode='r')``): each
  minibatch's rows are gathered from the file, converted and moved to the
  device on their own; the operating system pages the file in and out;
* a SciPy sparse matrix (CSR; others are converted to CSR once): rows are
  sliced as sparse rows and densified one minibatch or chunk at a time,
  just before the model sees them;
* a CuPy array: rows are gathered on the device.

:class:`Rows` checks X's shape and dtype without converting it, and
:func:`checked_rows` a training argument's values, in one pass; :class:`Batches` hands out
rows converted to the model's dtype, on its backend, centred;
:func:`column_mean` is the exact mean of those rows, computed in chunks;
:class:`InitialRows` is what a model's ``_init_parameters`` sees.
"""
__all__ = ["CHUNK", "Batches", "InitialRows", "Rows", "checked_rows", "column_mean",
           "dense_chunks", "divide_by_count", "is_dask_array", "is_memory_mapped", "is_sparse",
           "running_sum", "value_extremes", "values_as_read"]

import mmap

import numpy as np

from ..backend import get_array_module, to_device
from ..validation import (
    as_real_array,
    check_finite,
    check_real_dtype,
    check_shape,
    float_dtype_for,
    is_sparse,
)
from .pairwise import pairwise_column_sums

#: Rows read, checked or pushed through a model at once outside training.
CHUNK = 4096


def is_dask_array(X):
    """Whether X is a dask array, recognised by its type's module (dask is not imported)."""
    return type(X).__module__.split(".")[0] == "dask" and hasattr(X, "map_blocks")


def is_memory_mapped(X):
    """Whether a NumPy array's memory is a memory-mapped file (``np.memmap`` or a view of one)."""
    while isinstance(X, np.ndarray):
        if isinstance(X, np.memmap):
            return True
        X = X.base
    return isinstance(X, mmap.mmap)


def values_as_read(rows, dtype):
    """The stored values of ``rows`` (a sparse matrix's nonzeros) as the model reads them.

    Wider floats are narrowed to ``dtype``, so that a value beyond its range
    shows as infinity (1e308 is finite in float64, not in float32); other
    values are returned unconverted (converting them changes no value's
    finiteness).
    """
    values = rows.data if is_sparse(rows) else rows
    if values.dtype.kind == "f" and values.dtype.itemsize > dtype.itemsize:
        with np.errstate(over="ignore"):  # an overflow is the error the caller reports
            values = values.astype(dtype)
    return values


def value_extremes(rows, dtype):
    """(min, max) of :func:`values_as_read` of ``rows``, as floats; (inf, −inf) when it holds none.

    For finite values: 1 + 1e-12 in float64 reads as 1 in float32.
    """
    values = values_as_read(rows, dtype)
    if values.size == 0:
        return np.inf, -np.inf
    return float(values.min()), float(values.max())


class Rows:
    """X checked for shape and dtype, left as it is (nothing is converted or copied).

    Parameters
    ----------
    X : array_like, np.memmap, CuPy array or SciPy sparse matrix, shape (n_samples, n_features)
    name : str
        Argument name used in error messages.
    dtype : numpy.dtype or None
        Float dtype the rows are converted to when read; None keeps
        float32/float64 and turns anything else into float64.

    Attributes
    ----------
    data : the array (CSR for sparse input)
    shape : tuple
    dtype : numpy.dtype
        The float dtype rows are read as.
    sparse, mapped : bool
        Sparse input; a memory-mapped file.
    """

    def __init__(self, X, name="X", dtype=None):
        if is_sparse(X):
            check_real_dtype(X.dtype, name)
            check_shape(X.shape, name)
            # Minibatches are sets of rows: CSR slices them without touching the rest.
            X = X if X.format == "csr" else X.tocsr()
        else:
            X = as_real_array(X, name)  # lists and object arrays are converted, arrays kept
            check_shape(X.shape, name)
        self.data, self.name, self.shape = X, name, tuple(X.shape)
        self.dtype = float_dtype_for(X.dtype, dtype)
        self.sparse = is_sparse(X)
        self.mapped = not self.sparse and is_memory_mapped(X)

    def chunks(self, size=None, check=False):
        """Yield ``(start, rows)``: consecutive blocks of at most ``size`` raw rows.

        ``size`` defaults to :data:`CHUNK` (read when called). With
        ``check``, each block is checked for NaN and infinity, as read in
        ``dtype`` (1e308 is finite in float64, not in float32), before it is
        yielded (a ValueError naming the argument).
        """
        size = size or CHUNK
        for start in range(0, self.shape[0], size):
            rows = self.data[start : start + size]
            if check:
                self._checked(rows)
            yield start, rows

    def _checked(self, rows):
        """A block's values as read in ``dtype``, checked for NaN and infinity (naming X)."""
        values = values_as_read(rows, self.dtype)
        check_finite(values, self.name)
        return values

    def check_finite(self, size=None, extremes=False):
        """Check every value for NaN and infinity, one block of rows at a time.

        With ``extremes``, the same pass also finds the smallest and largest
        value as read (:func:`value_extremes`), so that a memory-mapped file
        is read once for both; without, no extreme is computed.

        Returns
        -------
        (low, high) : (float, float), or None without ``extremes``
            (inf, −inf) when X stores no value (a sparse X of zeros).
        """
        low, high = np.inf, -np.inf
        for _, rows in self.chunks(size):
            values = self._checked(rows)  # every block, before any extreme is judged
            if extremes:
                block_low, block_high = value_extremes(values, self.dtype)
                low, high = min(low, block_low), max(high, block_high)
        return (low, high) if extremes else None


def checked_rows(model, X, name, dtype, n_features=None):
    """X (or X_val) as :class:`Rows`, checked on its own before any work, in one pass over it.

    Parameters
    ----------
    model : Autoencoder
        Its ``_unit_interval()`` says whether the values' range matters;
        when it does, the extremes found in the NaN pass go to
        ``model._check_extremes(name, low, high)``.
    X : array_like, np.memmap, CuPy array or SciPy sparse matrix, shape (n_samples, n_features)
    name : str
        Argument name used in error messages ("X", "X_val").
    dtype : numpy.dtype or None
        As for :class:`Rows`.
    n_features : int, optional
        X's width, which X_val must have.

    Returns
    -------
    rows : Rows
    """
    rows = Rows(X, name, dtype=dtype)
    if n_features is not None and rows.shape[1] != n_features:
        raise ValueError(f"{name} has {rows.shape[1]} features, but X has {n_features}.")
    if model._unit_interval() is None:
        rows.check_finite()
    else:
        model._check_extremes(name, *rows.check_finite(extremes=True))
    return rows


class Batches:
    """Rows of X as the model reads them: converted, on its backend, centred.

    ``batches[idx]`` (an index array or a slice) gathers those rows, so the
    training loop can index it like an array. Only the rows asked for are
    read, converted and moved.

    Parameters
    ----------
    rows : Rows
    xp : module
        The model's array module.
    mean : array, shape (n_features,), optional
        Subtracted from every row (``center``).
    resident : bool
        Move an in-memory host array to the device once (training on the
        GPU); memory-mapped and sparse input are always read per request.
    keep_sparse : bool
        Hand sparse rows to the model as CSR (only on the CPU, without a
        centre); otherwise they are densified per request.
    """

    def __init__(self, rows, xp, mean=None, resident=False, keep_sparse=False):
        self.rows, self.xp, self.mean = rows, xp, mean
        self.shape, self.dtype = rows.shape, rows.dtype
        self._keep_sparse = keep_sparse and rows.sparse and xp is np
        data = rows.data
        if resident and not (rows.sparse or rows.mapped):
            data = to_device(data, xp)  # one device copy; converted per minibatch
        self._data = data
        #: Module of the index arrays the loop should build (the data's own).
        self.index_module = np if rows.sparse else get_array_module(data)

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, index):
        return self.prepare(self._data[index])

    def prepare(self, raw):
        """Raw rows (as read from X) converted, moved and centred like every batch."""
        if is_sparse(raw):
            if self._keep_sparse and self.mean is None:
                return raw.astype(self.dtype, copy=False)
            raw = raw.toarray()  # densified here, one batch at a time
        rows = to_device(raw.astype(self.dtype, copy=False), self.xp)  # (batch, n_features)
        return rows if self.mean is None else rows - self.mean

    def chunks(self, size=None):
        """Yield consecutive prepared blocks of at most ``size`` rows (default :data:`CHUNK`)."""
        size = size or CHUNK
        for start in range(0, self.shape[0], size):
            yield self[start : start + size]

    def dense(self):
        """All rows as one prepared array (a copy only where converting or centring needs one)."""
        rows = self.prepare(self._data[:] if self.rows.sparse else self._data)
        return rows.toarray() if is_sparse(rows) else rows


def _numpy_order(batches):
    """How NumPy's ``mean(axis=0)`` of these rows, as an array in memory, adds them up.

    ``"rows"``: one row after another into a running row (a C-ordered array
    of several columns); ``"columns"``: each column pairwise (one column,
    or Fortran order: columns lie in memory as runs, see
    :mod:`ksparse.inputs.pairwise`); None: an in-memory array that NumPy
    (or CuPy) reduces whole itself. A memory-mapped array is laid out in
    memory like its file; sparse rows are compared with their dense,
    C-ordered array.
    """
    rows, data = batches.rows, batches._data
    n_rows, n_columns = rows.shape
    if rows.sparse:
        return "columns" if n_columns == 1 else "rows"
    if rows.mapped:
        # NumPy's reduction runs its inner loop along the axis with the shorter stride.
        by_column = n_columns == 1 or (n_rows > 1 and abs(data.strides[0]) < abs(data.strides[1]))
        return "columns" if by_column else "rows"
    if get_array_module(data) is np and data.flags.c_contiguous and n_columns > 1:
        return "rows"
    return None


def column_mean(batches, size=None):
    """Mean of the prepared rows over axis 0, read in chunks.

    NumPy reduces a C-ordered (n, d > 1) array over axis 0 by adding one row
    after another into a running row. Prepending the running row to each
    chunk repeats exactly those additions (:func:`running_sum`). A single
    column, or each column of a Fortran-ordered array, NumPy sums pairwise;
    :func:`ksparse.inputs.pairwise.pairwise_column_sums` repeats that on
    chunks. So for memory-mapped and sparse input the result is bitwise
    the ``mean(axis=0)`` of the same rows in memory, with only one chunk
    held. In-memory arrays that NumPy sums otherwise (non-contiguous, on
    the device) are reduced whole, as NumPy would.

    Returns
    -------
    mean : array, shape (n_features,)
        On the model's backend, in its dtype.
    """
    order = _numpy_order(batches)
    if order is None:
        return batches.dense().mean(axis=0)
    if order == "columns":
        total = pairwise_column_sums(dense_chunks(batches, size), batches.shape[0])
    else:
        total = running_sum(batches, None, size)
    return divide_by_count(total, batches.shape[0])


def dense_chunks(batches, size=None):
    """The prepared chunks of ``batches``, sparse ones densified."""
    for chunk in batches.chunks(size):
        yield chunk.toarray() if is_sparse(chunk) else chunk  # (chunk, n_features)


def running_sum(batches, total=None, size=None):
    """``total`` plus every prepared row, added one row after another (see :func:`column_mean`).

    Returns
    -------
    total : array, shape (n_features,)
    """
    xp = batches.xp
    for chunk in dense_chunks(batches, size):
        if total is not None:
            chunk = xp.concatenate([total[None], chunk], axis=0)  # running row first
        total = chunk.sum(axis=0)  # (n_features,)
    return total


def divide_by_count(total, n_samples):
    """``total / n_samples`` as ``numpy.mean`` divides: by the count as an intp, in place."""
    if get_array_module(total) is np:
        return np.true_divide(total, np.intp(n_samples), out=total, casting="unsafe")
    return total / n_samples


class InitialRows:
    """What a model's ``_init_parameters(X, rng, xp)`` sees of the training rows.

    ``shape``, ``dtype`` and ``mean(axis=0)`` (exact, in chunks: see
    :func:`column_mean`) never hold the rows in memory. Any other use (e.g.
    the geometric median of :class:`ksparse.models.TopKAutoencoder`) reads
    all prepared rows into one array once and works on that.
    """

    ndim = 2
    __array_ufunc__ = None  # NumPy and CuPy operators defer to the methods below

    def __init__(self, batches):
        self._batches, self._dense = batches, None
        self.shape, self.dtype = batches.shape, np.dtype(batches.dtype)

    def mean(self, axis=0):
        if axis != 0:
            raise ValueError("InitialRows only offers the mean over rows (axis=0).")
        return column_mean(self._batches)

    def dense(self):
        """All prepared rows, read once and kept."""
        if self._dense is None:
            self._dense = self._batches.dense()
        return self._dense

    def __array__(self, dtype=None, copy=None):
        return np.asarray(to_device(self.dense(), np), dtype=dtype)

    def __getitem__(self, index):
        return self.dense()[index]

    def __sub__(self, other):
        return self.dense() - other

    def __rsub__(self, other):
        return other - self.dense()

    def __matmul__(self, other):
        return self.dense() @ other

    def __rmatmul__(self, other):
        return other @ self.dense()

    def __len__(self):
        return self.shape[0]

    def __getattr__(self, name):  # sum, T, ... of the rows read whole
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.dense(), name)
