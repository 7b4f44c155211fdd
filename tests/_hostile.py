"""Helpers shared by the hostile-file tests (test_hostile_*.py).

Every refusal is checked to be the expected error, to finish within seconds
and to allocate little memory (traced by tracemalloc, which sees NumPy's
allocations). The helpers build tiny hostile files: seeded random bytes,
edited ``.npz`` archives and ``.npy`` members whose header declares any shape.
"""
import io
import json
import struct
import time
import tracemalloc
import zipfile

import numpy as np
import pytest
from _fake_files import write  # noqa: F401 (the hostile tests import it from here)


MAX_SECONDS = 5.0
MAX_TRACED_BYTES = 32 * 2**20  # every file here is tiny; a refusal needs next to nothing

IDX_U8 = bytes([0, 0, 0x08])
NORB_U8 = 0x1E3D4C55


def refuse(call, error=ValueError, match=None):
    """Run ``call``; it must raise ``error`` quickly with little memory traced."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(error, match=match) as info:
            call()
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < MAX_SECONDS, f"took {elapsed:.1f} s"
    assert peak < MAX_TRACED_BYTES, f"allocated {peak / 2**20:.0f} MiB"
    return info.value


def random_files(seed, count=25, max_len=400):
    """Seeded random byte strings, some starting with gzip, IDX or NORB magic."""
    rng = np.random.default_rng(seed)
    prefixes = [b"", b"\x1f\x8b", b"\x1f\x8b\x08\x00", IDX_U8, struct.pack("<i", NORB_U8)]
    out = []
    for i in range(count):
        body = rng.integers(0, 256, int(rng.integers(0, max_len)), dtype=np.uint8).tobytes()
        out.append(prefixes[i % len(prefixes)] + body)
    return out


# ------------------------------------------------------------ npz archives


def npz_members(data):
    """Raw .npy bytes of each member of an npz archive."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def npz_bytes(members, compression=zipfile.ZIP_STORED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, raw in members.items():
            archive.writestr(name, raw)
    return buffer.getvalue()


def npy_header_only(shape, descr="<f4"):
    """A .npy header declaring ``shape`` with no data after it."""
    header = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode("latin1")
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header


def npy_of(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def read_json_header(members):
    return json.loads(np.load(io.BytesIO(members["__header__.npy"])).tobytes())


def with_json_header(members, header):
    members["__header__.npy"] = npy_of(np.frombuffer(json.dumps(header).encode(), np.uint8))
    return npz_bytes(members)


def raw_header(data, text):
    members = npz_members(data)
    members["__header__.npy"] = npy_of(np.frombuffer(text, np.uint8))
    return npz_bytes(members)


def replace_member(data, name, raw):
    members = npz_members(data)
    members[name] = raw
    return npz_bytes(members)


class TouchOnUnpickle:
    """Unpickling this object would create a file: a stand-in for running code."""

    def __init__(self, target):
        self.target = str(target)

    def __reduce__(self):
        return (open, (self.target, "w"))
