"""Saving and loading models: one ``.npz`` file, never a pickle.

The file holds the fitted arrays plus ``__header__``, a JSON document stored
as a uint8 array: the format name and version, the model class, its
hyper-parameters, the backend it was trained on, its history and its
feature count. Files are written to a temporary file next to the target and
renamed into place, so an interrupted save never leaves a half-written model
where a good one was. Loading uses ``allow_pickle=False``, so an archive
carrying object arrays or pickles is refused rather than executed. Nothing
in a loaded file is trusted: each member's zip entry and ``.npy`` header are
checked against the bytes really there before any array is allocated, and
every way a file can be damaged ends in a ValueError naming the file.
"""
__all__ = ["FORMAT_VERSION", "load", "register_model", "save_model"]

import json
import math
import os
import zipfile
import zlib

import numpy as np

from ..backend import get_xp, to_device, to_numpy
from .atomic import write_atomically

FORMAT_NAME = "ksparse-model"
#: The version of the model file format this package writes.
FORMAT_VERSION = 1
_HEADER = "__header__"
_REGISTRY = {}


def register_model(cls):
    """Class decorator: make ``cls`` loadable by :func:`load` under its name.

    The class is a :class:`ksparse.base.Estimator`: it provides
    ``_fitted_arrays()`` (the fitted arrays a model with its
    hyper-parameters stores, with their shapes), ``_check_loaded_shapes(arrays,
    path)``, ``_validate_hyperparameters()`` and ``_label_arrays`` (arrays of
    class labels, which may be integers or strings and stay on the host).
    """
    _REGISTRY[cls.__name__] = cls
    return cls


def _plain(value):
    """``value`` with NumPy scalars, arrays and dtypes turned into the Python values they hold."""
    if isinstance(value, np.generic):  # np.int64 from a GridSearchCV grid, np.float32(0.1)
        return value.item()
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return np.dtype(value).name  # dtype=np.float32 is stored as 'float32'
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _json_safe(value, name):
    """The hyper-parameter ``name`` as JSON reads it back (a tuple as a list, np.int64 as int).

    A checkpoint compares these with the run it was written for, so a tuple
    (e.g. ``prefixes``) must compare as the list its header holds. A NumPy
    Generator is stored as None: its state is not a setting, and a loaded
    model trains again from a fresh seed.

    Raises
    ------
    TypeError
        Naming ``name``, for a value JSON cannot hold: writing None in its
        place would give a file that loads as another model (or not at all).
    """
    if isinstance(value, np.random.Generator):
        return None
    try:
        return json.loads(json.dumps(_plain(value)))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"The setting {name}={value!r} cannot be saved: a model file holds "
                        f"numbers, strings, None and lists of them ({exc}).") from None


def _fitted_names(model):
    return list(model._fitted_arrays())


def save_model(model, path):
    """Write a fitted model to ``path`` (an ``.npz`` archive), atomically.

    Parameters
    ----------
    model : fitted ksparse model
    path : str or os.PathLike
        Written exactly as given (no suffix is added).
    """
    from ..validation import check_is_fitted

    names = _fitted_names(model)
    check_is_fitted(model, names[0])
    path = os.fspath(path)
    arrays = {name: to_numpy(getattr(model, name)) for name in names}
    header = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "class": type(model).__name__,
        "params": {k: _json_safe(v, k) for k, v in model.get_params().items()},
        "backend": model.backend_,
        "n_features_in": int(model.n_features_in_),
        "history": getattr(model, "history_", []),
    }
    arrays[_HEADER] = np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)
    _atomic_savez(path, arrays)


def _atomic_savez(path, arrays):
    write_atomically(path, lambda fh: np.savez(fh, **arrays))


class _Refused(ValueError):
    """A refusal whose message already names the file and says what is wrong."""


# np.savez writes stored members and np.savez_compressed deflated ones; a
# deflate stream cannot expand more than about 1032-fold, so a member claiming
# more than that is lying about its size.
_MAX_DEFLATE_RATIO = 1032
_NPY_HEADER_READERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}
_FLOAT_DTYPES = {np.dtype(np.float32), np.dtype(np.float64)}  # native byte order
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError,
               NotImplementedError, RuntimeError)


def _read_archive(path, what="ksparse model file"):
    """All arrays of an npz file, with every way it can be broken turned into ValueError.

    ``what`` names the kind of file in the messages (a model file, a checkpoint).
    """
    if os.path.exists(path) and not os.path.isfile(path):  # a folder, a device (/dev/zero)
        raise ValueError(f"{path!s} is not a regular file.")
    with open(path, "rb") as fh:
        if not zipfile.is_zipfile(fh):
            raise ValueError(f"{path!s} is not a {what} (not an .npz archive).")
        fh.seek(0)
        size = os.fstat(fh.fileno()).st_size
        try:
            with zipfile.ZipFile(fh) as archive:
                return _read_members(archive, size, path, what)
        except _Refused as exc:
            raise ValueError(str(exc)) from exc.__cause__
        except ValueError as exc:
            raise ValueError(f"{path!s} is not a readable {what}: {exc}") from exc
        except _ZIP_ERRORS as exc:
            # NotImplementedError: unsupported compression; RuntimeError: encrypted.
            raise ValueError(
                f"{path!s} is not a {what} (a damaged or truncated "
                f".npz archive): {exc}"
            ) from exc


def _read_members(archive, archive_size, path, what):
    """Every member of ``archive`` as an array, keyed by its name without ``.npy``."""
    arrays = {}
    for info in archive.infolist():
        if not info.filename.endswith(".npy"):
            raise _Refused(
                f"{path!s} is not a {what}: it holds {info.filename!r}, "
                "which is not an array."
            )
        where = f"{path!s} (member {info.filename!r})"
        _check_member_info(info, archive_size, where)
        arrays[info.filename[: -len(".npy")]] = _read_npy(archive, info, where)
    return arrays


def _check_member_info(info, archive_size, where):
    """Refuse members whose zip entry cannot be what np.savez writes, before opening them."""
    if info.flag_bits & 0x1:
        raise _Refused(f"{where} is encrypted; ksparse files never are.")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _Refused(f"{where} uses an unsupported compression method {info.compress_type}.")
    stored = info.compress_type == zipfile.ZIP_STORED
    if info.compress_size > archive_size or (
        info.file_size != info.compress_size if stored
        else info.file_size > _MAX_DEFLATE_RATIO * info.compress_size + 1024
    ):
        raise _Refused(
            f"{where} declares {info.file_size} bytes, more than the "
            f"{archive_size}-byte archive can hold; the file is damaged."
        )


def _read_npy(archive, info, where):
    """One .npy member, its header checked against the member's real size before reading."""
    with archive.open(info) as f:
        try:
            read_header = _NPY_HEADER_READERS.get(np.lib.format.read_magic(f))
            if read_header is None:
                raise ValueError("unsupported .npy format version")
            shape, _, dtype = read_header(f)
        except (ValueError, SyntaxError, RecursionError) as exc:
            raise _Refused(f"{where} is not a readable .npy array: {exc}") from exc
        if dtype.hasobject:
            raise _Refused(
                f"{where} is an object array (pickled data); ksparse refuses to load it."
            )
        data_bytes = info.file_size - f.tell()
        if any(d < 0 for d in shape) or math.prod(shape) * dtype.itemsize != data_bytes:
            raise _Refused(
                f"{where} declares shape {shape} of {dtype} but holds {data_bytes} data "
                "bytes; the file is damaged."
            )
        f.seek(0)
        return np.lib.format.read_array(f, allow_pickle=False)


def _load_json_header(arrays, path, what):
    """Pop and decode the ``__header__`` entry; any damage becomes a ValueError naming ``path``."""
    raw = arrays.pop(_HEADER, None)
    if raw is None or raw.dtype != np.uint8 or raw.ndim != 1:
        raise ValueError(f"{path!s} is not a {what}: no '{_HEADER}' entry.")
    try:
        return json.loads(raw.tobytes().decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        # ValueError covers bad UTF-8, bad JSON and over-long integers;
        # RecursionError a deeply nested document.
        raise ValueError(f"{path!s} has a corrupt header: {exc!r:.200}") from exc


def check_format(header, path, name, newest, what):
    """Raise unless ``header`` names format ``name`` in a version from 1 to ``newest``.

    Shared by model files and training checkpoints; ``what`` names the kind
    of file in the messages.
    """
    if not isinstance(header, dict) or header.get("format") != name:
        raise ValueError(f"{path!s} is not a {what} (wrong or missing format name).")
    version = header.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"{path!s} has a malformed header: format version {version!r:.80}.")
    if version > newest:
        raise ValueError(
            f"{path!s} was written in format version {version!r}, newer than this "
            f"ksparse reads ({newest}); upgrade ksparse to load it."
        )


def _parse_header(arrays, path):
    header = _load_json_header(arrays, path, "ksparse model file")
    check_format(header, path, FORMAT_NAME, FORMAT_VERSION, "ksparse model file")
    if not isinstance(header.get("params"), dict):
        raise ValueError(f"{path!s} has a malformed header: 'params' is not a mapping.")
    n_features = header.get("n_features_in")
    if isinstance(n_features, bool) or not isinstance(n_features, int) or n_features < 1:
        raise ValueError(
            f"{path!s} has a malformed header: 'n_features_in' must be a positive "
            f"integer, got {n_features!r:.80}."
        )
    if not isinstance(header.get("history", []), list):
        raise ValueError(f"{path!s} has a malformed header: 'history' is not a list.")
    return header


def _build_model(header, arrays, path):
    cls = _REGISTRY.get(header.get("class"))
    if cls is None:
        raise ValueError(f"{path!s} holds an unknown model class {header.get('class')!r}.")
    try:
        # JSON has no tuples; sequences of hyper-parameters come back as tuples.
        params = {k: tuple(v) if isinstance(v, list) else v for k, v in header["params"].items()}
        model = cls(**params)
        model._validate_hyperparameters()
    except (TypeError, ValueError, KeyError) as exc:
        raise ValueError(f"{path!s} holds invalid hyper-parameters: {exc}") from exc
    model.n_features_in_ = header["n_features_in"]
    expected = _fitted_names(model)
    labels = model._label_arrays
    for name in expected:
        if name not in arrays:
            raise ValueError(f"{path!s} is missing the array {name!r}.")
        kinds = "biuU" if name in labels else "f"
        if arrays[name].dtype.kind not in kinds:
            raise ValueError(f"{path!s}: array {name!r} has the wrong dtype {arrays[name].dtype}.")
    _check_values(model, {n: arrays[n] for n in expected}, path)
    model.backend_ = header.get("backend", "numpy")
    model.history_ = header.get("history", [])
    model._check_loaded_shapes(arrays, path)
    xp = get_xp()
    for name in expected:
        on_host = name in labels  # labels may be strings: they stay NumPy
        setattr(model, name, arrays[name] if on_host else to_device(arrays[name], xp))
    return model


def _check_values(model, arrays, path):
    """What no fit writes: mixed or unusual float dtypes, NaN or infinity, repeated labels."""
    labels = model._label_arrays
    weights = {name: a for name, a in arrays.items() if name not in labels}
    dtypes = {a.dtype for a in weights.values()}
    dtype = getattr(model, "dtype", None)
    wanted = {np.dtype(dtype)} if dtype is not None else _FLOAT_DTYPES
    if len(dtypes) > 1:  # a fit computes in one dtype
        raise ValueError(f"{path!s}: the arrays must all share one dtype, got "
                         f"{sorted(map(str, dtypes))}.")
    if not dtypes <= wanted:
        raise ValueError(f"{path!s}: the arrays must all be one of "
                         f"{sorted(map(str, wanted))}, got {sorted(map(str, dtypes))}.")
    for name, a in weights.items():
        unset = np.isnan(a) if name in model._nan_when_unset else False
        if not (np.isfinite(a) | unset).all():
            raise ValueError(f"{path!s}: array {name!r} holds NaN or infinity.")
    for name in labels:
        if np.unique(arrays[name]).size != arrays[name].size:
            raise ValueError(f"{path!s}: array {name!r} repeats a class label.")


def load(path):
    """Load a model written by ``model.save(path)``.

    The arrays are placed on the backend in use now, whichever one the model
    was trained on.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    model : fitted ksparse model

    Raises
    ------
    ValueError
        For a file that is truncated, not an npz archive, from a newer format
        version, missing arrays or carrying pickled objects.
    """
    path = os.fspath(path)
    arrays = _read_archive(path)
    header = _parse_header(arrays, path)
    try:
        return _build_model(header, arrays, path)
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{path!s} has an incomplete or malformed header: {exc!r}") from exc
