"""NumPy's pairwise sum of a column, repeated on rows that arrive in chunks (no paper section).

When NumPy reduces a run of values that lie next to each other in memory
(one column of a Fortran-ordered array, or the only column of an
``(n, 1)`` array), it does not add them one after another: its pairwise
summation splits the run in two halves (each a multiple of 8 values long),
sums each half the same way, and adds the two; a run of at most 128 values
is summed in eight interleaved running sums, combined as a tree, and the
few values past the last multiple of 8 are added one by one; a run of
fewer than 8 values is added one by one onto 0. The reduction starts from
0 and adds the pairwise sum of the whole run.

:func:`pairwise_column_sums` makes exactly those additions, every column
at once, on rows read a chunk at a time: the order of the blocks and of
their additions depends only on the number of rows, so the result is
bitwise NumPy's ``X.sum(axis=0)`` of such an array without holding it.
"""
__all__ = ["pairwise_column_sums"]

from ..backend import get_array_module

#: NumPy's unroll factor and largest block summed without splitting (PW_BLOCKSIZE).
UNROLL, BLOCK = 8, 128


def _plan(n):
    """NumPy's pairwise tree over ``n`` values in post-order.

    Yields the length of each block in order, and None where the last two
    results are added (left + right).
    """
    if n <= BLOCK:
        yield n
        return
    half = n // 2 - (n // 2) % UNROLL
    yield from _plan(half)
    yield from _plan(n - half)
    yield None


def _block_sums(blocks):
    """The sum of each block as NumPy sums a run of at most 128 values.

    Parameters
    ----------
    blocks : array, shape (n_blocks, length, n_columns)

    Returns
    -------
    sums : array, shape (n_blocks, n_columns)
    """
    xp = get_array_module(blocks)
    length = blocks.shape[1]
    if length < UNROLL:
        total = xp.zeros((blocks.shape[0], blocks.shape[2]), dtype=blocks.dtype)
        for i in range(length):
            total = total + blocks[:, i]
        return total
    whole = length - length % UNROLL
    lanes = blocks[:, :UNROLL]  # (n_blocks, 8, n_columns): eight running sums
    for i in range(UNROLL, whole, UNROLL):
        lanes = lanes + blocks[:, i : i + UNROLL]
    r = [lanes[:, j] for j in range(UNROLL)]
    total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    for i in range(whole, length):  # the values past the last multiple of 8
        total = total + blocks[:, i]
    return total


def _each_block_sum(chunks, lengths):
    """Yield the sum of every block, in order; blocks may straddle two chunks.

    Consecutive blocks of the same length inside the rows at hand are
    summed together, as one ``(n_blocks, length, n_columns)`` array.
    """
    xp = None
    lengths = iter(lengths)
    length, rest = next(lengths, None), None
    for chunk in chunks:
        xp = xp or get_array_module(chunk)
        rows = chunk if rest is None else xp.concatenate([rest, chunk])  # (m, n_columns)
        start = 0
        while length is not None and start + length <= rows.shape[0]:
            count, following = 1, next(lengths, None)
            while following == length and start + (count + 1) * length <= rows.shape[0]:
                count, following = count + 1, next(lengths, None)
            blocks = rows[start : start + count * length].reshape(count, length, -1)
            yield from _block_sums(blocks)
            start, length = start + count * length, following
        rest = rows[start:]


def pairwise_column_sums(chunks, n_rows):
    """Sum of every column over ``n_rows`` rows, added as NumPy adds a contiguous column.

    Parameters
    ----------
    chunks : iterable of arrays, each of shape (m, n_columns)
        The rows in order, a dense NumPy or CuPy array per chunk; together
        ``n_rows`` rows (at least one).

    Returns
    -------
    sums : array, shape (n_columns,)
        Bitwise ``X.sum(axis=0)`` of the rows stacked into one Fortran-ordered
        array (or one column), in the chunks' dtype.
    """
    sums = _each_block_sum(chunks, (n for n in _plan(n_rows) if n is not None))
    stack = []
    for step in _plan(n_rows):
        if step is None:
            right = stack.pop()
            stack.append(stack.pop() + right)
        else:
            stack.append(next(sums))
    (total,) = stack
    return get_array_module(total).zeros_like(total) + total  # NumPy starts from 0
