"""Hostile input files: every reader answers with a clear ValueError, fast and small.

Covers the IDX, NORB and CIFAR-10 readers, model files (:func:`ksparse.load`)
and training checkpoints (``fit(..., resume=True)``), fed truncated files,
headers whose sizes overflow or exceed the file, wrong magic numbers, empty
and random files, unsupported or encrypted zip members, pickles and corrupt
JSON headers. Cases already in test_io.py and test_datasets_*.py are not
repeated. Each refusal is checked to be a ValueError (the datasets'
DataFormatError is one), to finish within seconds and to allocate little
memory (traced by tracemalloc, which sees NumPy's allocations).

Cases marked xfail(strict=True) document known bugs; they turn into failures
as soon as the bug is fixed, so the mark can then be removed.
"""
import gzip
import io
import json
import re
import struct
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

import ksparse
from ksparse import KSparseAutoencoder
from ksparse.datasets import DataFormatError, read_cifar_binary, read_idx, read_norb

MAX_SECONDS = 5.0
MAX_TRACED_BYTES = 32 * 2**20  # every file here is tiny; a refusal needs next to nothing


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


def xfail(reason):
    return pytest.mark.xfail(strict=True, reason=reason)


def write(path, data, compress=False):
    path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
    return path


# ------------------------------------------------------------- binary readers

IDX_U8 = bytes([0, 0, 0x08])
NORB_U8 = 0x1E3D4C55


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


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("case", sorted(IDX_CASES))
def test_idx_hostile_headers(tmp_path, case, compress):
    path = write(tmp_path / "bad.idx", IDX_CASES[case], compress)
    refuse(lambda: read_idx(path), DataFormatError)
    if not compress:
        refuse(lambda: read_idx(path, mmap_mode="r"), DataFormatError)


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("case", sorted(NORB_CASES))
def test_norb_hostile_headers(tmp_path, case, compress):
    path = write(tmp_path / "bad.mat", NORB_CASES[case], compress)
    refuse(lambda: read_norb(path), DataFormatError)
    if not compress:
        refuse(lambda: read_norb(path, mmap_mode="r"), DataFormatError)


# Sizes whose product is 0 (so the length check passes) while the other
# dimensions are too large for any array, and more dimensions than NumPy
# supports: NumPy's own ValueError escapes without the file name.
SHAPE_CASES = [
    pytest.param("idx", idx_file([0, MAX_U32, MAX_U32, MAX_U32]), id="idx zero and huge dims"),
    pytest.param("idx", idx_file([1] * 65, b"\x07"), id="idx 65 dims"),
    pytest.param("norb", norb_file([0, MAX_I32, MAX_I32, MAX_I32]), id="norb zero and huge dims"),
]


def _read(kind, path):
    return read_idx(path) if kind == "idx" else read_norb(path)


@pytest.mark.parametrize("kind, data", SHAPE_CASES)
def test_unrepresentable_shapes_are_refused(tmp_path, kind, data):
    path = write(tmp_path / "bad.bin", data)
    refuse(lambda: _read(kind, path), ValueError)


@xfail("read_binary_array reshapes to shapes NumPy cannot represent (a zero dimension "
       "next to huge ones, or more than 64 dimensions); NumPy's plain ValueError "
       "escapes instead of a DataFormatError naming the file")
@pytest.mark.parametrize("kind, data", SHAPE_CASES)
def test_unrepresentable_shapes_raise_data_format_error(tmp_path, kind, data):
    path = write(tmp_path / "bad.bin", data)
    refuse(lambda: _read(kind, path), DataFormatError, match=re.escape(str(path)))


def random_files(seed, count=25, max_len=400):
    """Seeded random byte strings, some starting with gzip, IDX or NORB magic."""
    rng = np.random.default_rng(seed)
    prefixes = [b"", b"\x1f\x8b", b"\x1f\x8b\x08\x00", IDX_U8, struct.pack("<i", NORB_U8)]
    out = []
    for i in range(count):
        body = rng.integers(0, 256, int(rng.integers(0, max_len)), dtype=np.uint8).tobytes()
        out.append(prefixes[i % len(prefixes)] + body)
    return out


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


# ---------------------------------------------------------------- model files


@pytest.fixture(scope="module")
def model_bytes(tmp_path_factory):
    X = np.random.default_rng(0).standard_normal((40, 6)).astype(np.float32)
    model = KSparseAutoencoder(n_hidden=8, k=2, epochs=1, batch_size=16, random_state=0,
                               verbose=False).fit(X)
    path = tmp_path_factory.mktemp("model") / "good.npz"
    model.save(path)
    return path.read_bytes()


def npz_members(data):
    """Raw .npy bytes of each member of an npz archive."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def npz_bytes(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
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


def edit_header(data, **changes):
    members = npz_members(data)
    header = json.loads(np.load(io.BytesIO(members["__header__.npy"])).tobytes())
    header.update(changes)
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


def patch_zip_field(data, local_offset, central_offset, value):
    """Overwrite a 2-byte field in every local and central zip header."""
    data = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", local_offset), (b"PK\x01\x02", central_offset)):
        at = data.find(signature)
        while at >= 0:
            data[at + offset : at + offset + 2] = struct.pack("<H", value)
            at = data.find(signature, at + 4)
    return bytes(data)


MODEL_CASES = {
    # A member's .npy header may declare any shape; reading must not trust it.
    "W_ shape overflows int64": lambda d: replace_member(d, "W_.npy",
                                                         npy_header_only((2**40, 2**40))),
    "W_ negative shape": lambda d: replace_member(d, "W_.npy", npy_header_only((-1, 8))),
    "W_ unknown dtype": lambda d: replace_member(d, "W_.npy",
                                                 npy_header_only((6, 8), descr="<q9")),
    "W_ integers": lambda d: replace_member(d, "W_.npy", npy_of(np.zeros((6, 8), np.int64))),
    "W_ complex": lambda d: replace_member(d, "W_.npy", npy_of(np.zeros((6, 8), complex))),
    "W_ structured": lambda d: replace_member(
        d, "W_.npy", npy_of(np.zeros((6, 8), dtype=[("a", "<f4")]))),
    "header is a float array": lambda d: replace_member(d, "__header__.npy",
                                                        npy_of(np.zeros(3))),
    "header is 2-D": lambda d: replace_member(d, "__header__.npy",
                                              npy_of(np.zeros((2, 2), np.uint8))),
    "header JSON list": lambda d: raw_header(d, b"[1, 2]"),
    "header not UTF-8": lambda d: raw_header(d, b"\xff\xfe{"),
    "params a list": lambda d: edit_header(d, params=[1, 2]),
    "class a list": lambda d: edit_header(d, **{"class": ["KSparseAutoencoder"]}),
    "n_features_in a list": lambda d: edit_header(d, n_features_in=[6]),
    "n_features_in wrong": lambda d: edit_header(d, n_features_in=7),
    "n_hidden huge": lambda d: edit_header(d, params={"n_hidden": 2**62, "k": 2}),
    "bad CRC": lambda d: d.replace(b"ksparse-model", b"ksparse-modeL"),
    "random bytes after PK": lambda d: b"PK\x05\x06" + bytes(range(18)) + d[:100],
}

MODEL_BUGS = {
    "W_ declares 1 GiB": lambda d: replace_member(d, "W_.npy", npy_header_only((2**28,))),
    "W_ not an npy": lambda d: replace_member(d, "W_.npy", b"not an array at all"),
    "n_features_in NaN": lambda d: edit_header(d, n_features_in=float("nan")),
    "n_features_in a string": lambda d: edit_header(d, n_features_in="six"),
    "W_ declares 2**50 floats": (
        lambda d: replace_member(d, "W_.npy", npy_header_only((2**50,), descr="<f8"))),
    "header declares 2**50 bytes": (
        lambda d: replace_member(d, "__header__.npy", npy_header_only((2**50,), descr="|u1"))),
    "compression method 1": lambda d: patch_zip_field(d, 8, 10, 1),
    "compression method 99": lambda d: patch_zip_field(d, 8, 10, 99),
    "encrypted flag": lambda d: patch_zip_field(d, 6, 8, 1),
    "header JSON nested 10**5 deep": lambda d: raw_header(d, b"[" * 10**5 + b"]" * 10**5),
    "n_features_in Infinity": lambda d: edit_header(d, n_features_in=float("inf")),
}
MODEL_BUG_REASONS = {
    "W_ declares 1 GiB": "np.load allocates the 1 GiB a member's .npy header declares "
                         "before finding the data missing",
    "W_ not an npy": "NpzFile returns a member without .npy magic as raw bytes; "
                     "_build_model then fails with AttributeError on .dtype",
    "n_features_in NaN": "int(nan) ValueError escapes without the file name",
    "n_features_in a string": "int('six') ValueError escapes without the file name",
    "W_ declares 2**50 floats": "io._read_members lets np.load allocate the shape a "
                                "member's .npy header declares: MemoryError",
    "header declares 2**50 bytes": "same unchecked .npy shape in the __header__ member",
    "compression method 1": "zipfile's NotImplementedError is not turned into ValueError",
    "compression method 99": "zipfile's NotImplementedError is not turned into ValueError",
    "encrypted flag": "zipfile's RuntimeError (password required) is not turned into ValueError",
    "header JSON nested 10**5 deep": "json.loads' RecursionError escapes _parse_header",
    "n_features_in Infinity": "int(inf) in _build_model raises OverflowError",
}


@pytest.mark.parametrize("case", sorted(MODEL_CASES))
def test_model_file_hostile(tmp_path, model_bytes, case):
    path = write(tmp_path / "m.npz", MODEL_CASES[case](model_bytes))
    refuse(lambda: ksparse.load(path), ValueError, match=re.escape(str(path)))


@pytest.mark.parametrize(
    "case", [pytest.param(c, marks=xfail(MODEL_BUG_REASONS[c])) for c in sorted(MODEL_BUGS)]
)
def test_model_file_hostile_known_bugs(tmp_path, model_bytes, case):
    path = write(tmp_path / "m.npz", MODEL_BUGS[case](model_bytes))
    refuse(lambda: ksparse.load(path), ValueError, match=re.escape(str(path)))


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


class _TouchOnUnpickle:
    """Unpickling this object would create a file: a stand-in for running code."""

    def __init__(self, target):
        self.target = str(target)

    def __reduce__(self):
        return (open, (self.target, "w"))


@pytest.mark.parametrize("member", ["W_.npy", "__header__.npy", "b_.npy"])
def test_model_file_pickle_payload_never_runs(tmp_path, model_bytes, member):
    marker = tmp_path / "code-ran"
    payload = np.array([_TouchOnUnpickle(marker)], dtype=object)
    path = write(tmp_path / "m.npz", replace_member(model_bytes, member, npy_of(payload)))
    refuse(lambda: ksparse.load(path), ValueError, match="object array")
    assert not marker.exists()


# ---------------------------------------------------------------- checkpoints

CK_SETTINGS = dict(n_hidden=8, k=2, epochs=2, batch_size=16, random_state=0, verbose=False)


def _stop(model, epoch, logs):
    raise KeyboardInterrupt


@pytest.fixture(scope="module")
def ck_data():
    return np.random.default_rng(1).standard_normal((40, 6)).astype(np.float32)


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory, ck_data):
    """Bytes of checkpoints saved after the first of two epochs, per optimizer."""
    folder = tmp_path_factory.mktemp("ck")
    out = {}
    for optimizer in ("momentum", "adam"):
        path = folder / f"{optimizer}.npz"
        with pytest.raises(KeyboardInterrupt):
            KSparseAutoencoder(optimizer=optimizer, **CK_SETTINGS).fit(
                ck_data, checkpoint=path, callbacks=[_stop])
        out[optimizer] = path.read_bytes()
    return out


def ck_edit(data, state=None, arrays=None, drop=(), **header_changes):
    members = npz_members(data)
    header = json.loads(np.load(io.BytesIO(members["__header__.npy"])).tobytes())
    header.update(header_changes)
    header["state"] = header["state"] if state is None else {**header["state"], **state}
    for key in drop:
        header.pop(key)
    members["__header__.npy"] = npy_of(np.frombuffer(json.dumps(header).encode(), np.uint8))
    for name, array in (arrays or {}).items():
        members[f"{name}.npy"] = npy_of(array)
    return npz_bytes(members)


def _set_state(data, value):
    members = npz_members(data)
    header = json.loads(np.load(io.BytesIO(members["__header__.npy"])).tobytes())
    header["state"] = value
    members["__header__.npy"] = npy_of(np.frombuffer(json.dumps(header).encode(), np.uint8))
    return npz_bytes(members)


CK_CASES = {
    "truncated": lambda d: d[: len(d) // 3],
    "empty": lambda d: b"",
    "random bytes": lambda d: random_files(5, count=1, max_len=300)[0] + b"x",
    "a model file, not a checkpoint": "model",
    "header not JSON": lambda d: raw_header(d, b"\x00\x01"),
    "format_version a string": lambda d: ck_edit(d, format_version="1"),
    "newer format_version": lambda d: ck_edit(d, format_version=99),
    "other run": lambda d: ck_edit(d, run={"class": "KSparseAutoencoder"}),
    "param wrong shape": lambda d: ck_edit(d, arrays={"param/W": np.zeros((3, 3), np.float32)}),
    "velocity missing": lambda d: npz_bytes({k: v for k, v in npz_members(d).items()
                                             if k != "velocity/W.npy"}),
    "object array": lambda d: ck_edit(d, arrays={"param/b": np.array([None], dtype=object)}),
}

CK_BUGS = {
    "run missing": (lambda d: ck_edit(d, drop=("run",)), "KeyError 'run' in load_checkpoint"),
    "state missing": (lambda d: ck_edit(d, drop=("state",)), "KeyError 'state'"),
    "history missing": (lambda d: ck_edit(d, drop=("history",)), "KeyError 'history'"),
    "history not a list": (lambda d: ck_edit(d, history=5),
                           "AttributeError: int has no append, during training"),
    "state not a dict": (lambda d: _set_state(d, [1]), "TypeError from TrainState(**list)"),
    "state unknown field": (lambda d: ck_edit(d, state={"evil": 1}),
                            "TypeError from TrainState(evil=...)"),
    "epoch a string": (lambda d: ck_edit(d, state={"epoch": "1"}),
                       "TypeError comparing str and int in the loop"),
    "epoch negative": (lambda d: ck_edit(d, state={"epoch": -3}),
                       "accepted: trains 3 extra epochs and overwrites the checkpoint"),
    "rng state garbage": (lambda d: ck_edit(d, state={"epoch_rng_state": {"a": 1}}),
                          "NumPy's ValueError without the file name"),
    "rng state null": (lambda d: ck_edit(d, state={"epoch_rng_state": None}),
                       "TypeError from bit_generator.state = None"),
    "param strings": (lambda d: ck_edit(d, arrays={"param/W": np.full((6, 8), "a")}),
                      "NumPy's ValueError (string to float) without the file name"),
    "param NaN": (lambda d: ck_edit(d, arrays={"param/W": np.full((6, 8), np.nan, np.float32)}),
                  "accepted; training then fails with NonFiniteLossError blaming the inputs"),
    "alive wrong shape": (lambda d: ck_edit(d, state={"position": 1},
                                            arrays={"alive": np.ones(3, bool)}),
                          "accepted; a broadcasting ValueError surfaces mid-training"),
    "header JSON nested 10**5 deep": (lambda d: raw_header(d, b"[" * 10**5 + b"]" * 10**5),
                                      "RecursionError escapes load_checkpoint"),
    "W declares 2**50 floats": (lambda d: replace_member(
        d, "param/W.npy", npy_header_only((2**50,), "<f8")), "MemoryError in np.load"),
}

ADAM_BUGS = {
    "adam_t negative": (lambda d: ck_edit(d, arrays={"adam_t": np.array(-1)}),
                        "ZeroDivisionError in Adam.step (1 - beta**0)"),
    "adam_t a string": (lambda d: ck_edit(d, arrays={"adam_t": np.array("x")}),
                        "NumPy's ValueError from int('x') without the file name"),
}


def _resume(path, data, optimizer="momentum"):
    return KSparseAutoencoder(optimizer=optimizer, **CK_SETTINGS).fit(
        data, checkpoint=path, resume=True)


def _check_checkpoint_refused(tmp_path, content, data, optimizer="momentum"):
    path = write(tmp_path / "ck.npz", content)
    refuse(lambda: _resume(path, data, optimizer), ValueError, match=re.escape(str(path)))
    assert path.read_bytes() == content  # a refused checkpoint is left as it was


def test_checkpoint_resume_baseline(tmp_path, checkpoints, ck_data):
    # The unmodified checkpoint resumes: the cases below differ only by their edit.
    for optimizer, content in checkpoints.items():
        path = write(tmp_path / f"{optimizer}.npz", content)
        assert len(_resume(path, ck_data, optimizer).history_) == 2


@pytest.mark.parametrize("case", sorted(CK_CASES))
def test_checkpoint_hostile(tmp_path, checkpoints, ck_data, model_bytes, case):
    edit = CK_CASES[case]
    content = model_bytes if edit == "model" else edit(checkpoints["momentum"])
    _check_checkpoint_refused(tmp_path, content, ck_data)


@pytest.mark.parametrize(
    "case", [pytest.param(c, marks=xfail(CK_BUGS[c][1])) for c in sorted(CK_BUGS)]
)
def test_checkpoint_hostile_known_bugs(tmp_path, checkpoints, ck_data, case):
    content = CK_BUGS[case][0](checkpoints["momentum"])
    _check_checkpoint_refused(tmp_path, content, ck_data)


@pytest.mark.parametrize(
    "case", [pytest.param(c, marks=xfail(ADAM_BUGS[c][1])) for c in sorted(ADAM_BUGS)]
)
def test_checkpoint_hostile_adam_state_known_bugs(tmp_path, checkpoints, ck_data, case):
    content = ADAM_BUGS[case][0](checkpoints["adam"])
    _check_checkpoint_refused(tmp_path, content, ck_data, optimizer="adam")


def test_checkpoint_pickle_payload_never_runs(tmp_path, checkpoints, ck_data):
    marker = tmp_path / "code-ran"
    payload = np.array([_TouchOnUnpickle(marker)], dtype=object)
    content = replace_member(checkpoints["momentum"], "velocity/b.npy", npy_of(payload))
    _check_checkpoint_refused(tmp_path, content, ck_data)
    assert not marker.exists()


def test_unpickling_marker_really_runs_code(tmp_path):
    # Guards the two tests above: what unpickling would call creates the file.
    marker = tmp_path / "code-ran"
    func, args = _TouchOnUnpickle(marker).__reduce__()
    func(*args).close()
    assert marker.exists()
