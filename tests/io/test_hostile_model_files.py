"""Hostile model files: :func:`ksparse.load` refuses them with a ValueError naming the file.

The files are edited copies of a small saved model: ``.npy`` members whose
header declares shapes that overflow, exceed the data or exceed the archive,
members that are not arrays, unsupported or encrypted zip members, pickles,
corrupt or deeply nested JSON headers, header fields of the wrong type, and
truncated, random or bit-flipped files. Cases already in test_io.py are not
repeated. Each refusal finishes within seconds and allocates little memory
(see ``_hostile.refuse``), and no pickled payload ever runs.
"""
import re
import struct
import zipfile

import numpy as np
import pytest

import ksparse

from _hostile import (
    TouchOnUnpickle,
    npy_header_only,
    npy_of,
    npz_bytes,
    npz_members,
    random_files,
    raw_header,
    read_json_header,
    refuse,
    replace_member,
    with_json_header,
    write,
)


def edit_header(data, **changes):
    members = npz_members(data)
    header = read_json_header(members)
    header.update(changes)
    return with_json_header(members, header)


def patch_zip_field(data, local_offset, central_offset, value):
    """Overwrite a 2-byte field in every local and central zip header."""
    data = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", local_offset), (b"PK\x01\x02", central_offset)):
        at = data.find(signature)
        while at >= 0:
            data[at + offset : at + offset + 2] = struct.pack("<H", value)
            at = data.find(signature, at + 4)
    return bytes(data)


# Offsets in the local and the central zip header of: the compressed size, the
# uncompressed size, the name's length and the name.
_LOCAL_FIELDS = (b"PK\x03\x04", 18, 22, 26, 30)
_CENTRAL_FIELDS = (b"PK\x01\x02", 20, 24, 28, 46)


def inflate_member_sizes(data, name, extra, compressed_too=True):
    """Add ``extra`` to the sizes the zip headers declare for member ``name``."""
    data = bytearray(data)
    for signature, compressed_at, size_at, name_len_at, name_at in (_LOCAL_FIELDS,
                                                                   _CENTRAL_FIELDS):
        at = data.find(signature)
        while at >= 0:
            name_len = struct.unpack_from("<H", data, at + name_len_at)[0]
            if data[at + name_at : at + name_at + name_len] == name.encode():
                for offset in (compressed_at, size_at) if compressed_too else (size_at,):
                    value = struct.unpack_from("<I", data, at + offset)[0]
                    struct.pack_into("<I", data, at + offset, value + extra)
            at = data.find(signature, at + 4)
    return bytes(data)


def lying_member(data, compression):
    """W_ declares 1 GiB in its .npy header, and its zip entry claims the GiB too."""
    members = npz_members(data)
    members["W_.npy"] = npy_header_only((2**28,))
    stored = compression == zipfile.ZIP_STORED
    return inflate_member_sizes(npz_bytes(members, compression), "W_.npy", 2**30,
                                compressed_too=stored)


MODEL_CASES = {
    # A member's .npy header may declare any shape; reading must not trust it.
    "W_ shape overflows int64": lambda d: replace_member(d, "W_.npy",
                                                         npy_header_only((2**40, 2**40))),
    "W_ negative shape": lambda d: replace_member(d, "W_.npy", npy_header_only((-1, 8))),
    "W_ unknown dtype": lambda d: replace_member(d, "W_.npy",
                                                 npy_header_only((6, 8), descr="<q9")),
    # Declared but missing data must be found missing before it is allocated.
    "W_ declares 1 GiB": lambda d: replace_member(d, "W_.npy", npy_header_only((2**28,))),
    "W_ declares 2**50 floats": (
        lambda d: replace_member(d, "W_.npy", npy_header_only((2**50,), descr="<f8"))),
    "header declares 2**50 bytes": (
        lambda d: replace_member(d, "__header__.npy", npy_header_only((2**50,), descr="|u1"))),
    # The zip entry agrees with the .npy header but not with the archive's size.
    "W_ stored entry claims 1 GiB": lambda d: lying_member(d, zipfile.ZIP_STORED),
    "W_ deflated entry claims 1 GiB": lambda d: lying_member(d, zipfile.ZIP_DEFLATED),
    # A member without .npy magic is not to be handed back as raw bytes.
    "W_ not an npy": lambda d: replace_member(d, "W_.npy", b"not an array at all"),
    "W_ integers": lambda d: replace_member(d, "W_.npy", npy_of(np.zeros((6, 8), np.int64))),
    # Values no fit writes: a model that would load and then answer garbage.
    "W_ NaN": lambda d: replace_member(d, "W_.npy", npy_of(np.full((6, 8), np.nan, np.float32))),
    "b_ infinity": lambda d: replace_member(d, "b_.npy", npy_of(np.full(8, np.inf, np.float32))),
    "W_ float16": lambda d: replace_member(d, "W_.npy", npy_of(np.zeros((6, 8), np.float16))),
    "W_ big-endian": lambda d: replace_member(d, "W_.npy", npy_of(np.zeros((6, 8), ">f4"))),
    "W_ float64 beside float32": lambda d: replace_member(d, "W_.npy",
                                                          npy_of(np.zeros((6, 8)))),
    "dtype float64, arrays float32": lambda d: edit_header(
        d, params={"n_hidden": 8, "k": 2, "dtype": "float64"}),
    "W_ complex": lambda d: replace_member(d, "W_.npy", npy_of(np.zeros((6, 8), complex))),
    "W_ structured": lambda d: replace_member(
        d, "W_.npy", npy_of(np.zeros((6, 8), dtype=[("a", "<f4")]))),
    "header is a float array": lambda d: replace_member(d, "__header__.npy",
                                                        npy_of(np.zeros(3))),
    "header is 2-D": lambda d: replace_member(d, "__header__.npy",
                                              npy_of(np.zeros((2, 2), np.uint8))),
    "header JSON list": lambda d: raw_header(d, b"[1, 2]"),
    "header not UTF-8": lambda d: raw_header(d, b"\xff\xfe{"),
    # json.loads raises RecursionError on deep nesting.
    "header JSON nested 10**5 deep": lambda d: raw_header(d, b"[" * 10**5 + b"]" * 10**5),
    "params a list": lambda d: edit_header(d, params=[1, 2]),
    "class a list": lambda d: edit_header(d, **{"class": ["KSparseAutoencoder"]}),
    "format_version true": lambda d: edit_header(d, format_version=True),
    "n_features_in a list": lambda d: edit_header(d, n_features_in=[6]),
    "n_features_in wrong": lambda d: edit_header(d, n_features_in=7),
    # int() of these raised ValueError or OverflowError without the file name.
    "n_features_in NaN": lambda d: edit_header(d, n_features_in=float("nan")),
    "n_features_in Infinity": lambda d: edit_header(d, n_features_in=float("inf")),
    "n_features_in a string": lambda d: edit_header(d, n_features_in="six"),
    "n_hidden huge": lambda d: edit_header(d, params={"n_hidden": 2**62, "k": 2}),
    "bad CRC": lambda d: d.replace(b"ksparse-model", b"ksparse-modeL"),
    "random bytes after PK": lambda d: b"PK\x05\x06" + bytes(range(18)) + d[:100],
    # zipfile raises NotImplementedError and RuntimeError for these.
    "compression method 1": lambda d: patch_zip_field(d, 8, 10, 1),
    "compression method 99": lambda d: patch_zip_field(d, 8, 10, 99),
    "encrypted flag": lambda d: patch_zip_field(d, 6, 8, 1),
}


@pytest.mark.parametrize("case", sorted(MODEL_CASES))
def test_model_file_hostile(tmp_path, model_bytes, case):
    path = write(tmp_path / "m.npz", MODEL_CASES[case](model_bytes))
    refuse(lambda: ksparse.load(path), ValueError, match=re.escape(str(path)))


def test_deflated_model_file_loads(tmp_path, model_bytes):
    # The size checks that refuse the cases above accept a genuinely
    # compressed archive (as np.savez_compressed writes).
    path = write(tmp_path / "m.npz", npz_bytes(npz_members(model_bytes), zipfile.ZIP_DEFLATED))
    original = write(tmp_path / "original.npz", model_bytes)
    np.testing.assert_array_equal(ksparse.load(path).W_, ksparse.load(original).W_)


def test_model_file_truncated_anywhere(tmp_path, model_bytes):
    # test_io.py cuts the file in half; every cut point must be refused.
    for cut in np.linspace(0, len(model_bytes) - 1, 25).astype(int):
        path = write(tmp_path / f"cut{cut}.npz", model_bytes[:cut])
        refuse(lambda: ksparse.load(path), ValueError)


def test_model_file_random_bytes(tmp_path):
    for i, data in enumerate(random_files(seed=7) + [b"PK\x03\x04" + d for d in random_files(8)]):
        path = write(tmp_path / f"r{i}.npz", data)
        refuse(lambda: ksparse.load(path), ValueError)


def test_model_file_bit_flips_load_or_fail_cleanly(tmp_path, model_bytes):
    # A flipped bit may land where nothing checks it (a timestamp); then the
    # model loads. Anything else must be a ValueError, never another error.
    rng = np.random.default_rng(11)
    refused = 0
    for i, position in enumerate(rng.integers(0, len(model_bytes), 40)):
        data = bytearray(model_bytes)
        data[position] ^= 1 << int(rng.integers(0, 8))
        path = write(tmp_path / f"f{i}.npz", bytes(data))
        try:
            model = ksparse.load(path)
        except ValueError:
            refused += 1
        else:
            assert model.W_.shape == (6, 8)
    assert refused > 20  # most flips hit checked bytes (CRC, sizes, headers)


@pytest.mark.parametrize("member", ["W_.npy", "__header__.npy", "b_.npy"])
def test_model_file_pickle_payload_never_runs(tmp_path, model_bytes, member):
    marker = tmp_path / "code-ran"
    payload = np.array([TouchOnUnpickle(marker)], dtype=object)
    path = write(tmp_path / "m.npz", replace_member(model_bytes, member, npy_of(payload)))
    refuse(lambda: ksparse.load(path), ValueError, match="object array")
    assert not marker.exists()


def test_unpickling_marker_really_runs_code(tmp_path):
    # Guards the pickle tests here and in test_hostile_checkpoints.py: what
    # unpickling would call creates the file.
    marker = tmp_path / "code-ran"
    func, args = TouchOnUnpickle(marker).__reduce__()
    func(*args).close()
    assert marker.exists()
