"""What every subcommand shares: the user-error type, option types, output files, progress.

A user error (a bad option value, an unreadable file, data that cannot be
used) is raised as :class:`UserError` while the inputs are checked, before
any work starts; :func:`ksparse.cli.main` prints it as one line and exits
with status 2. Only the phases that check and load inputs are wrapped in
:func:`user_input`, so an exception raised by the work itself (a bug) still
ends in a traceback.
"""
__all__ = [
    "UserError",
    "user_input",
    "one_line",
    "positive_int",
    "nonnegative_int",
    "positive_float",
    "fraction",
    "check_data_dir",
    "check_output",
    "write_atomically",
    "chunks",
]

import argparse
import contextlib
import os
import zipfile
import zlib

from ..io.atomic import write_atomically

# Exceptions that reading or validating an input file can raise: NumPy's
# readers raise ValueError, EOFError (empty .npy), OSError, and zip or zlib
# errors for a damaged .npz; the checks raise ValueError and TypeError.
INPUT_ERRORS = (ValueError, TypeError, OSError, EOFError, KeyError, zipfile.BadZipFile,
                zlib.error, NotImplementedError, RuntimeError)


class UserError(Exception):
    """Something the user can fix: printed as one line, exit status ``exit_code``."""

    exit_code = 2


class TrainingFailed(UserError):
    """Training ran but could not finish (diverged): exit status 1."""

    exit_code = 1


def one_line(message):
    """``message`` on one line; indented continuation lines (lists) become comma lists."""
    text, indented = "", False
    for raw in str(message).splitlines():
        line = raw.strip()
        if not line:
            continue
        if text:
            now_indented = raw[:1].isspace()
            if text.endswith(":"):
                sep = " "
            else:
                sep = ", " if now_indented else ("; " if indented else " ")
            text += sep
            indented = now_indented
        text += line
    return text


@contextlib.contextmanager
def user_input(what):
    """Turn the input errors raised inside the block into a :class:`UserError`.

    Parameters
    ----------
    what : str
        Names the input, e.g. the file being read; prefixed to the message
        unless the message already starts with it.
    """
    try:
        yield
    except UserError:
        raise
    except INPUT_ERRORS as exc:
        message = one_line(exc) or type(exc).__name__
        if not message.startswith(what):
            message = f"{what}: {message}"
        raise UserError(message) from exc


def _number(kind, text, check, rule):
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {rule}, got {text!r}") from None
    if not check(value):
        raise argparse.ArgumentTypeError(f"must be {rule}, got {text!r}")
    return value


def positive_int(text):
    """argparse type: an integer >= 1."""
    return _number(int, text, lambda v: v >= 1, "an integer >= 1")


def nonnegative_int(text):
    """argparse type: an integer >= 0."""
    return _number(int, text, lambda v: v >= 0, "an integer >= 0")


def positive_float(text):
    """argparse type: a finite number > 0."""
    return _number(float, text, lambda v: 0 < v < float("inf"), "a finite number > 0")


def fraction(text):
    """argparse type: a number strictly between 0 and 1."""
    return _number(float, text, lambda v: 0 < v < 1, "a number between 0 and 1 (exclusive)")


def check_data_dir(data_dir):
    """Refuse a ``--data-dir`` that is not an existing folder (before any download)."""
    if data_dir is not None and not os.path.isdir(data_dir):
        what = "is not a folder" if os.path.exists(data_dir) else "does not exist"
        raise UserError(f"--data-dir {data_dir} {what}.")


def check_output(path, option="--out", suffixes=None, inputs=()):
    """Refuse an output path whose folder is missing, that is a folder, or one of ``inputs``.

    Checked before the work starts, so a long run never ends unable to
    write its result, nor by overwriting what it read.
    """
    if not str(path):
        raise UserError(f"{option} is empty; give a file name.")
    for name in inputs:
        if name is not None and os.path.isfile(name) and os.path.exists(path) \
                and os.path.samefile(name, path):
            raise UserError(f"{option} {path} is also an input of this command; writing it "
                            "would destroy that input. Choose another file.")
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise UserError(f"{option} {path} is a folder; give a file name.")
    if not os.path.isdir(folder):
        raise UserError(f"{option} {path}: the folder {folder} does not exist.")
    if not os.access(folder, os.W_OK):
        raise UserError(f"{option} {path}: the folder {folder} is not writable.")
    # a long run must not end unable to save its result under too long a name
    name_max = os.pathconf(folder, "PC_NAME_MAX") if hasattr(os, "pathconf") else 255
    if len(os.fsencode(os.path.basename(path))) > name_max:
        raise UserError(f"{option} {path}: the file name is longer than the {name_max} bytes "
                        f"the folder {folder} allows.")
    if suffixes and not str(path).lower().endswith(tuple(suffixes)):
        raise UserError(f"{option} {path} must end in {' or '.join(suffixes)}.")


def chunks(n_rows, quiet, desc, size=4096):
    """Row slices of ``size`` rows covering ``range(n_rows)``, with a progress bar.

    The bar goes to stderr and only appears for more than one chunk.
    """
    from tqdm.auto import tqdm

    starts = range(0, n_rows, size)
    bar = tqdm(starts, desc=desc, unit="chunk", disable=quiet or len(starts) < 2, leave=False)
    for start in bar:
        yield slice(start, min(start + size, n_rows))
