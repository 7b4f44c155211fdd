"""Hostile dataset files: the IDX, NORB and CIFAR-10 readers refuse them clearly.

The readers are fed truncated files, headers whose sizes overflow or exceed
the file, shapes no NumPy array can have, wrong magic numbers, empty and
random files, raw and gzip-compressed. Cases already in test_datasets_*.py
are not repeated. Each refusal is a DataFormatError (a ValueError), finishes
within seconds and allocates little memory (see ``_hostile.refuse``).
"""
import re
import struct

import numpy as np
import pytest

from ksparse.datasets import DataFormatError, read_cifar_binary, read_idx, read_norb

from _hostile import IDX_U8, NORB_U8, random_files, refuse, write


def idx_file(dims, payload=b""):
    return IDX_U8 + bytes([len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload


def norb_file(dims, payload=b"", ndim=None):
    ndim = len(dims) if ndim is None else ndim
    padded = list(dims) + [1] * max(0, 3 - len(dims))
    return struct.pack("<ii", NORB_U8, ndim) + struct.pack(f"<{len(padded)}i", *padded) + payload


MAX_U32, MAX_I32 = 2**32 - 1, 2**31 - 1

IDX_CASES = {
    # 255 dimensions of 2**32 - 1: a product of about 2**8160 bytes.
    "255 huge dims": idx_file([MAX_U32] * 255, b"\x00" * 16),
    # Declares 1 GiB, holds 16 bytes: must fail before allocating the GiB.
    "1 GiB declared": idx_file([2**30], b"\x00" * 16),
    "int64 overflow": idx_file([MAX_U32, MAX_U32, 2**31], b"\x00" * 8),
    "magic only": IDX_U8 + b"\x03",
    "gzip magic then junk": b"\x1f\x8b" + bytes(range(40)),
    "float64 truncated": bytes([0, 0, 0x0E, 1]) + struct.pack(">I", 3) + b"\x00" * 23,
}

NORB_CASES = {
    "16 dims overflow int64": norb_file([MAX_I32] * 16, b"\x00" * 32),
    "1 GiB declared": norb_file([2**30], b"\x00" * 16),
    "ndim negative": norb_file([2, 2, 2], ndim=-1),
    "ndim 2**31-1": norb_file([2, 2, 2], ndim=MAX_I32),
    "magic only": struct.pack("<i", NORB_U8),
    "byte-swapped magic": struct.pack(">ii", NORB_U8, 1) + struct.pack("<3i", 1, 1, 1) + b"\x00",
    "gzip magic then junk": b"\x1f\x8b" + bytes(range(40)),
}


def refuse_read_and_mmap(read, path, compress, match=None):
    """``read`` refuses ``path`` (see ``_hostile.refuse``), memory-mapped too when uncompressed."""
    error = refuse(lambda: read(path), DataFormatError, match)
    if not compress:  # gzip files cannot be memory-mapped
        refuse(lambda: read(path, mmap_mode="r"), DataFormatError, match)
    return error


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("case", sorted(IDX_CASES))
def test_idx_hostile_headers(tmp_path, case, compress):
    path = write(tmp_path / "bad.idx", IDX_CASES[case], compress)
    refuse_read_and_mmap(read_idx, path, compress)


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("case", sorted(NORB_CASES))
def test_norb_hostile_headers(tmp_path, case, compress):
    path = write(tmp_path / "bad.mat", NORB_CASES[case], compress)
    refuse_read_and_mmap(read_norb, path, compress)


# Sizes whose product is 0 (so the length check passes) while the other
# dimensions are too large for any array, and more dimensions than NumPy
# supports: NumPy's own ValueError must not escape in place of a
# DataFormatError naming the file.
SHAPE_CASES = [
    pytest.param("idx", idx_file([0, MAX_U32, MAX_U32, MAX_U32]), id="idx zero and huge dims"),
    pytest.param("idx", idx_file([1] * 65, b"\x07"), id="idx 65 dims"),
    pytest.param("norb", norb_file([0, MAX_I32, MAX_I32, MAX_I32]), id="norb zero and huge dims"),
]


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("kind, data", SHAPE_CASES)
def test_unrepresentable_shapes_raise_data_format_error(tmp_path, kind, data, compress):
    path = write(tmp_path / "bad.bin", data, compress)
    read = read_idx if kind == "idx" else read_norb
    error = refuse_read_and_mmap(read, path, compress, match=re.escape(str(path)))
    assert isinstance(error, ValueError)


@pytest.mark.parametrize("reader", [read_idx, read_norb, read_cifar_binary],
                         ids=["idx", "norb", "cifar"])
def test_random_bytes_are_refused(tmp_path, reader):
    for i, data in enumerate(random_files(seed=2024)):
        path = write(tmp_path / f"r{i}.bin", data)
        refuse(lambda: reader(path), DataFormatError)


@pytest.mark.parametrize("n_records", [1, 3])
def test_cifar_random_records_with_bad_labels(tmp_path, n_records):
    rng = np.random.default_rng(n_records)
    records = rng.integers(0, 256, (n_records, 3073), dtype=np.uint8)
    records[:, 0] = rng.integers(10, 256, n_records)  # labels outside 0-9
    path = write(tmp_path / "b.bin", records.tobytes())
    for mmap_mode in (None, "r"):
        refuse(lambda: read_cifar_binary(path, mmap_mode=mmap_mode), DataFormatError, "label")


def test_cifar_gzipped_batch_is_refused(tmp_path):
    # A compressed batch is not the binary format: its size is not whole records.
    records = np.zeros((4, 3073), dtype=np.uint8)
    path = write(tmp_path / "b.bin", records.tobytes(), compress=True)
    refuse(lambda: read_cifar_binary(path), DataFormatError, "whole number")
