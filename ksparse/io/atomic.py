"""Writing a file atomically: the one writer every file of the package goes through (no section).

The bytes go to a temporary file in the target's folder, which is flushed
to disk and then renamed over the target. A rename within one folder is
atomic, so a reader sees the old file or the new one, never half of one, and
an interrupted or failed write (Ctrl-C, a full disk, a bad download) leaves
the old file, if any, as it was. :func:`new_folder` does the same for an
output folder: a run that fails leaves no folder of its own making behind.
"""
__all__ = ["new_folder", "save_figure", "write_atomically"]

import contextlib
import os
import secrets


def write_atomically(path, write, suffix=".tmp"):
    """Call ``write(file)`` on a temporary binary file next to ``path``, then rename it to ``path``.

    Parameters
    ----------
    path : str or os.PathLike
    write : callable
        ``write(file)`` writes the whole content to the open binary file;
        whatever it raises is raised again once the temporary file is removed.
    suffix : str, default=".tmp"
        The end of the temporary file's name.

    Returns
    -------
    path : the ``path`` given
    """
    fd, tmp = _create_temporary(path, suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


@contextlib.contextmanager
def new_folder(path):
    """On an exception in the block, remove the folders of ``path`` it created, if still empty.

    The folders missing when the block starts (``path`` and any missing
    parents) are the block's own; when it raises (a refusal, Ctrl-C), each
    of them still empty is removed, deepest first, so a failed run leaves
    no empty output folder behind. A folder that holds anything is kept.

    Parameters
    ----------
    path : str or os.PathLike
        The output folder the block may create.
    """
    missing, folder = [], os.path.abspath(path)
    while not os.path.lexists(folder):
        missing.append(folder)  # deepest first
        folder = os.path.dirname(folder)
    try:
        yield
    except BaseException:
        for folder in missing:
            try:
                os.rmdir(folder)  # only an empty folder: what the block wrote stays
            except FileNotFoundError:  # never made, or already gone: try its parent
                continue
            except OSError:  # not empty (or not ours to remove): its parents are not empty
                break
        raise


# The temporary name keeps at most this many bytes of the target's name, so that
# ".<name>.<12 hex><suffix>" stays within NAME_MAX (255 bytes) for a ".tmp" or
# ".part" suffix whatever the target's length.
_NAME_BYTES = 200


def _create_temporary(path, suffix):
    """Create a new file ``.<name>.<random><suffix>`` next to ``path``; return (fd, its path).

    ``<name>`` is the target's name, cut to its first 200 bytes (whole
    characters) in the file-system encoding. Created with mode 0o666 less the
    umask, like any new file: the kernel applies the umask, where reading it
    (``os.umask``) would briefly change it for every thread, and mkstemp's
    0600 would hide the file from others.
    """
    folder = os.path.dirname(os.path.abspath(path))
    prefix = f".{_first_bytes(os.path.basename(os.fspath(path)), _NAME_BYTES)}."
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = os.path.join(folder, prefix + secrets.token_hex(6) + suffix)
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:  # a name already taken: draw another
            continue
    raise FileExistsError(f"no free temporary name next to {os.fspath(path)!r}")


def _first_bytes(name, size):
    """The longest start of ``name`` whose file-system encoding takes at most ``size`` bytes."""
    while len(os.fsencode(name)) > size:  # cut whole characters: a multi-byte one goes whole
        name = name[:-1]
    return name


# Metadata that would make two identical figures differ: the date of writing.
_NO_DATE = {"pdf": {"CreationDate": None}, "svg": {"Date": None}}


def save_figure(fig, path, **savefig_kwargs):
    """``fig.savefig(path, ...)`` through :func:`write_atomically`; the format from the suffix.

    PNG, PDF and SVG files are reproducible: the same figure gives the same
    bytes on every run (PDF and SVG get no creation date; SVG's element ids
    a fixed salt unless rcParams['svg.hashsalt'] names one). Other formats
    may carry the date of writing.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : str or os.PathLike
        Ending in an image suffix Matplotlib knows (``.png``, ``.pdf``, ``.svg``, ...).
    **savefig_kwargs
        Passed on, e.g. ``dpi``; a ``metadata`` dict given here is kept, with
        the date left out unless it names one.
    """
    from matplotlib import rc_context, rcParams

    fmt = os.path.splitext(os.fspath(path))[1].lstrip(".").lower()
    if fmt in _NO_DATE:
        savefig_kwargs["metadata"] = {**_NO_DATE[fmt], **(savefig_kwargs.get("metadata") or {})}
    salt = rcParams["svg.hashsalt"] or "ksparse"  # without a salt SVG ids are random per run
    with rc_context({"svg.hashsalt": salt}):
        write_atomically(path, lambda fh: fig.savefig(fh, format=fmt, **savefig_kwargs))
