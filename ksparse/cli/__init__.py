"""Command line of ksparse (also ``python -m ksparse``); ``ksparse COMMAND --help`` for each.

``train``      fit a k-sparse autoencoder (paper §2.2, §4.2) on a dataset or an array file;
``encode``     write the α·k-sparse codes of data (§2.2) as a CSR ``.npz`` (or dense ``.npy``);
``evaluate``   reconstruction error, dead units and the softmax test error of the codes (§4.4);
``plot``       filters, activation histogram, reconstructions, code scatter, mean activations;
``coherence``  mutual coherence μ of a dictionary and the sparsity it guarantees (§3.3);
``theorem``    Monte Carlo check of Theorem 3.1 (§3.3);
``info``       versions, backend, GPU, and where the datasets were found;
``demo``       filters from natural-image patches, offline, in seconds;
``reproduce``  the paper's tables and figures next to ours;
``lab``        train models on data with known features: which recovers them.

A user error (bad option value, unreadable file, data that does not fit the
model, missing dataset) ends with one line ``ksparse: error: ...`` on stderr
and exit status 2; only a bug ends in a traceback.
"""
__all__ = ["main"]

import argparse
import os
import sys

from ._common import UserError, one_line

_COMMANDS = ("_train", "_encode", "_evaluate", "_plot", "_theory", "_info", "_demo", "_lab")


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, raised instead of printed."""

    def error(self, message):
        raise UserError(f"{message} (see '{self.prog} --help')")


def _build_parser():
    import importlib

    parser = _Parser(prog="ksparse",
                     description="k-sparse autoencoders (Makhzani & Frey, 2013).")
    from .._version import __version__

    parser.add_argument("--version", action="version", version=f"ksparse {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in _COMMANDS:
        importlib.import_module(f"{__name__}.{name}").add_parsers(sub)
    return parser


def _check_backend(command):
    """Refuse a bad KSPARSE_BACKEND before the work starts (``info`` reports it instead)."""
    if command == "info":
        return
    from ..backend import get_backend

    try:
        get_backend()
    except (ValueError, RuntimeError) as exc:  # its messages name KSPARSE_BACKEND themselves
        raise UserError(str(exc)) from exc


def _data_errors():
    """The datasets' own error types: a missing, undownloadable or damaged data file."""
    from ..datasets import DataFormatError, DataNotFoundError, DownloadError

    return (DataNotFoundError, DownloadError, DataFormatError)


_TOO_BIG = "not enough memory for the sizes asked for; try smaller ones."


def _fail(message, code):
    print(f"ksparse: error: {one_line(message)}", file=sys.stderr)
    return code


def main(argv=None):
    """Entry point of the ``ksparse`` console script.

    Parameters
    ----------
    argv : list of str, optional
        Arguments after the program name; default ``sys.argv[1:]``.

    Returns
    -------
    status : int
        0 on success, 2 for a user error (a file that cannot be read or
        written included), 1 when the work itself failed in an expected way
        (e.g. training diverged), 130 on Ctrl-C, 141 when stdout was closed
        by its reader.
    """
    try:
        args = _build_parser().parse_args(argv)
        args.argv = list(sys.argv[1:] if argv is None else argv)  # shown in reports
        _check_backend(args.command)
        return args.run(args)
    except UserError as exc:
        return _fail(exc, exc.exit_code)
    except _data_errors() as exc:
        return _fail(exc, 2)
    except MemoryError:  # sizes asked for that this machine cannot hold
        return _fail(_TOO_BIG, 2)
    except ValueError as exc:  # NumPy's refusal of an array larger than any machine holds
        if not str(exc).startswith(("array is too big", "Maximum allowed dimension exceeded")):
            raise
        return _fail(_TOO_BIG, 2)
    except BrokenPipeError:  # the reader of stdout left (``| head``): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        return 141  # 128 + SIGPIPE, as a shell tool killed by the closed pipe
    except OSError as exc:  # a file that cannot be read or written: a full disk, a name too long
        return _fail(f"{exc.filename}: {exc.strerror}" if exc.filename else exc, 2)
    except KeyboardInterrupt as exc:
        return _fail(str(exc) or "interrupted", 130)


if __name__ == "__main__":
    sys.exit(main())
