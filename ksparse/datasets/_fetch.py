"""Where dataset files come from: local folders first, then a verified download.

Supports the data of the paper's section 4.1. A dataset called ``name`` is
looked for, in this order, in

1. the ``data_dir`` argument of the loader (the folder itself or ``data_dir/name``);
2. each folder in the ``KSPARSE_DATA`` environment variable (``os.pathsep``
   separated; again the folder itself or ``folder/name``);
3. the user cache ``$XDG_CACHE_HOME/ksparse/name`` (``~/.cache/ksparse/name``);
4. the system folder ``/usr/share/datasets/name``.

Fashion-MNIST, whose files have MNIST's names and sizes, is looked for only
in ``data_dir/name`` and ``folder/name``, never in ``data_dir`` or ``folder``
itself, and is downloaded into ``data_dir/name``: otherwise a folder of MNIST
files would load as Fashion-MNIST.

Local files are accepted by their format and size (the readers check both);
they are never rejected by checksum, since a re-compressed copy of the same
data differs in bytes. Only when nothing is found locally, and ``download`` is
true, are the files fetched from the official mirrors into ``data_dir`` (when
given) or the user cache. A download streams into a temporary file in the
destination folder, is checked against the mirror's published checksum, and
only then is renamed into place; on any failure the partial file is deleted.
"""
import hashlib
import http.client
import os
import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import NamedTuple, Optional

from ksparse.io.atomic import write_atomically

__all__ = [
    "ChecksumMismatchError",
    "DataFormatError",
    "DataNotFoundError",
    "DatasetSplits",
    "DownloadError",
    "candidate_dirs",
    "download_file",
    "fetch_files",
    "locate",
    "user_cache_dir",
]

SYSTEM_DATA_DIR = Path("/usr/share/datasets")
ENV_VAR = "KSPARSE_DATA"
_BLOCK = 1 << 20  # bytes read from the network at a time
_CHECKSUM = re.compile(r"^(md5|sha1|sha256):([0-9a-fA-F]+)$")
_DIGEST_LEN = {"md5": 32, "sha1": 40, "sha256": 64}

# Datasets looked for only in a subfolder named after them, never in a data folder
# itself, each with the dataset whose file names and sizes it shares: the files alone
# cannot say which of the two a folder holds.
_OWN_FOLDER_ONLY = {"fashion-mnist": "mnist"}


class DataNotFoundError(FileNotFoundError):
    """No local copy of a dataset and no download allowed or possible."""


class DataFormatError(ValueError):
    """A data file is truncated, corrupt or not of the expected format."""


class DownloadError(OSError):
    """A download failed; the partial file has been deleted."""


class ChecksumMismatchError(DownloadError):
    """A downloaded file does not match its published checksum."""


class DatasetSplits(NamedTuple):
    """Train / validation / test splits, each an ``(X, y)`` pair or None."""

    train: tuple
    val: Optional[tuple]
    test: tuple


def user_cache_dir(name):
    """``$XDG_CACHE_HOME/ksparse/<name>``, by default ``~/.cache/ksparse/<name>``."""
    base = os.environ.get("XDG_CACHE_HOME") or ""
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / "ksparse" / name


def candidate_dirs(name, data_dir=None):
    """Folders searched for dataset ``name``, in search order, without duplicates.

    Parameters
    ----------
    name : str
        Dataset folder name, e.g. ``'mnist'``.
    data_dir : str or os.PathLike, optional

    Returns
    -------
    dirs : list of pathlib.Path
        ``data_dir`` and each ``KSPARSE_DATA`` folder, each followed by its
        subfolder ``name`` (only the subfolder for ``'fashion-mnist'``, whose
        files have MNIST's names), then the user cache and the system folder.
    """
    roots = [] if data_dir is None else [Path(data_dir)]
    roots += [Path(p) for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p]
    dirs = []
    for root in roots:
        dirs += [root / name] if name in _OWN_FOLDER_ONLY else [root, root / name]
    dirs += [user_cache_dir(name), SYSTEM_DATA_DIR / name]
    unique = []
    for d in dirs:
        if d not in unique:
            unique.append(d)
    return unique


def _find_in(folder, names):
    for name in names:
        path = folder / name
        if path.is_file():
            return path
    return None


def locate(name, files, data_dir=None):
    """Find the first searched folder that holds every file of a dataset.

    Parameters
    ----------
    name : str
        Dataset folder name.
    files : dict of str to tuple of str
        For each file key, the accepted file names (e.g. raw and ``.gz``),
        relative to the folder.
    data_dir : str or os.PathLike, optional

    Returns
    -------
    paths : dict of str to pathlib.Path, or None when no folder has them all.
    """
    for folder in candidate_dirs(name, data_dir):
        found = {key: _find_in(folder, names) for key, names in files.items()}
        if all(found.values()):
            return found
    return None


def not_found_error(name, files, data_dir, reason):
    """A :class:`DataNotFoundError` that lists the folders searched and the fix."""
    searched = "\n".join(f"  {d}" for d in candidate_dirs(name, data_dir))
    wanted = ", ".join(names[0] for names in files.values())
    where = f"Put the files ({wanted}; .gz versions are accepted too) in one of these folders"
    if name in _OWN_FOLDER_ONLY:
        where += (f"; with data_dir=DIR (--data-dir DIR on the command line) or "
                  f"{ENV_VAR}=DIR that is DIR/{name}, never DIR itself, since "
                  f"{_OWN_FOLDER_ONLY[name]}'s files have the same names.")
    else:
        where += (f", pass data_dir=... (--data-dir DIR on the command line), or set "
                  f"{ENV_VAR}=/path/to/folder.")
    return DataNotFoundError(
        f"Dataset {name!r} was not found ({reason}). Searched, in order:\n{searched}\n{where}"
    )


def download_target(name, data_dir=None):
    """Folder downloads go to: ``data_dir`` when given, else the user cache.

    For ``'fashion-mnist'`` it is ``data_dir/fashion-mnist``, the only folder
    under ``data_dir`` where its files are looked for.
    """
    if data_dir is None:
        return user_cache_dir(name)
    return Path(data_dir) / name if name in _OWN_FOLDER_ONLY else Path(data_dir)


def fetch_files(name, files, urls, data_dir=None, download=True, progress=True):
    """Local paths of a dataset's files, downloading them when none are found.

    Parameters
    ----------
    name : str
    files : dict of str to tuple of str
        Accepted local names per file key (see :func:`locate`).
    urls : dict of str to (str, str or None)
        Per file key, the URL and its checksum ``'md5:<hex>'`` or
        ``'sha256:<hex>'``; None marks a mirror with no pinned checksum.
    data_dir : str or os.PathLike, optional
    download : bool, default True
    progress : bool, default True
        Show a progress bar while downloading.

    Returns
    -------
    paths : dict of str to pathlib.Path
    """
    found = locate(name, files, data_dir)
    if found is not None:
        return found
    if not download:
        raise not_found_error(name, files, data_dir, "download=False")
    target = download_target(name, data_dir)
    paths = {}
    for key, names in files.items():
        paths[key] = _find_in(target, names) or _download_one(name, files, key, urls, target,
                                                               data_dir, progress)
    return paths


def _download_one(name, files, key, urls, target, data_dir, progress):
    url, checksum = urls[key]
    if checksum is None:
        raise not_found_error(
            name, files, data_dir,
            f"no checksum is pinned for {url}, so it is not downloaded automatically; "
            "download it yourself, or pass urls={...} with a checksum",
        )
    return download_file(url, target / _local_name(url, files[key]), checksum,
                         progress=progress)


def _local_name(url, names):
    """Name a download so that :func:`locate` finds it next time."""
    basename = url.rsplit("/", 1)[-1]
    if basename in names:
        return basename
    compressed = [n for n in names if n.endswith(".gz")]
    return compressed[0] if basename.endswith(".gz") and compressed else names[0]


def parse_checksum(checksum):
    """Split ``'md5:<hex>'`` or ``'sha256:<hex>'`` into (algorithm, lowercase hex)."""
    match = _CHECKSUM.match(checksum) if isinstance(checksum, str) else None
    if match is None or len(match.group(2)) != _DIGEST_LEN[match.group(1)]:
        raise ValueError(
            "checksum must look like 'md5:<32 hex digits>' or 'sha256:<64 hex digits>', "
            f"got {checksum!r}."
        )
    return match.group(1), match.group(2).lower()


def download_file(url, path, checksum, progress=True, timeout=60.0):
    """Download ``url`` to ``path``, verified against ``checksum``.

    The data streams into a temporary file next to ``path``, which is renamed
    to ``path`` only once the checksum matches; on any failure (network error,
    connection cut off, checksum mismatch) it is deleted and an error says so.

    Parameters
    ----------
    url : str
    path : str or os.PathLike
        Destination file; its folder is created when missing.
    checksum : str
        ``'md5:<hex>'``, ``'sha1:<hex>'`` or ``'sha256:<hex>'``.
    progress : bool, default True
        Show a tqdm progress bar.
    timeout : float, default 60
        Seconds to wait for the server at each step.

    Returns
    -------
    path : pathlib.Path
    """
    if not isinstance(url, str) or not url:
        raise TypeError(f"url must be a non-empty string, got {url!r}.")
    algorithm, expected = parse_checksum(checksum)
    return _download(url, Path(path), algorithm, expected, progress, timeout)


def _download(url, path, algorithm, expected, progress, timeout):
    path.parent.mkdir(parents=True, exist_ok=True)

    def fetch(out):
        hasher = hashlib.new(algorithm, usedforsecurity=False)
        digest = _stream(url, out, hasher, progress, timeout, path.name)
        if digest != expected:
            raise ChecksumMismatchError(
                f"Checksum mismatch for {url}: expected {algorithm} {expected}, got {digest}. "
                "The partial file was deleted; the mirror may have changed or the "
                "transfer was corrupted."
            )

    try:
        write_atomically(path, fetch, suffix=".part")  # the partial file goes on any failure
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        if isinstance(exc, DownloadError):
            raise
        raise DownloadError(
            f"Download of {url} failed ({exc}); the partial file was deleted."
        ) from exc
    return path


def _stream(url, out, hasher, progress, timeout, label):
    """Copy ``url`` into the open file ``out``; return the hex digest."""
    from tqdm import tqdm

    with urllib.request.urlopen(url, timeout=timeout) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        received = 0
        with tqdm(total=total, unit="B", unit_scale=True, desc=label,
                  disable=not progress) as bar:
            while True:
                block = response.read(_BLOCK)
                if not block:
                    break
                hasher.update(block)
                out.write(block)
                received += len(block)
                bar.update(len(block))
    if total is not None and received != total:
        raise DownloadError(
            f"Connection to {url} closed after {received} of {total} bytes; "
            "the partial file was deleted."
        )
    return hasher.hexdigest()
