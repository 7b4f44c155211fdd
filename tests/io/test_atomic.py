"""Tests for the atomic writer (ksparse.io.atomic)."""
import os
import stat

import pytest

from ksparse.io import atomic


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_new_file_gets_the_umask_without_touching_it(tmp_path, monkeypatch, umask):
    # Reading the umask means setting it, which changes it for every thread
    # for a moment: the writer must leave it alone.
    old = os.umask(umask)
    try:
        monkeypatch.setattr(os, "umask", lambda *a: pytest.fail("os.umask called"))
        atomic.write_atomically(tmp_path / "f.bin", lambda fh: fh.write(b"abc"))
    finally:
        monkeypatch.undo()
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "f.bin").st_mode) == 0o666 & ~umask
    assert (tmp_path / "f.bin").read_bytes() == b"abc"
    assert os.listdir(tmp_path) == ["f.bin"]


def test_taken_temporary_names_are_skipped(tmp_path, monkeypatch):
    names = iter(["aaaa", "aaaa", "bbbb"])
    monkeypatch.setattr(atomic.secrets, "token_hex", lambda n: next(names))
    atomic.write_atomically(tmp_path / "a", lambda fh: (tmp_path / ".b.aaaa.tmp").write_bytes(b""))
    atomic.write_atomically(tmp_path / "b", lambda fh: fh.write(b"b"))  # .b.aaaa.tmp is taken
    assert (tmp_path / "b").read_bytes() == b"b"
    assert (tmp_path / ".b.aaaa.tmp").read_bytes() == b""


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    (tmp_path / "f").write_bytes(b"old")

    def fail(fh):
        fh.write(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        atomic.write_atomically(tmp_path / "f", fail)
    assert (tmp_path / "f").read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["f"]


def _figure():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2, 2))
    fig.add_subplot().plot([0, 1, 3], label="a line")  # svg ids depend on the salt
    fig.axes[0].legend()
    return fig


@pytest.mark.parametrize("suffix", [".pdf", ".svg", ".png"])
def test_the_same_figure_is_saved_as_the_same_bytes(tmp_path, monkeypatch, suffix):
    first, second = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
    # Matplotlib dates a file by SOURCE_DATE_EPOCH when set: two runs a day apart.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    atomic.save_figure(_figure(), first)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700086400")
    atomic.save_figure(_figure(), second)
    assert first.read_bytes() == second.read_bytes()


def test_metadata_given_is_kept(tmp_path):
    atomic.save_figure(_figure(), tmp_path / "f.pdf", metadata={"Title": "filters 42"})
    assert b"filters 42" in (tmp_path / "f.pdf").read_bytes()


@pytest.mark.parametrize("name", [
    "m" * 240 + ".npz",  # 244 bytes: the temporary name was 20 bytes over NAME_MAX
    "m" * 251 + ".npz",  # 255 bytes: NAME_MAX itself
    "a" + "é" * 121 + ".npz",  # 247 bytes of 2-byte characters, the 200th byte inside one
    "€" * 80 + ".npz",  # 244 bytes of 3-byte characters
], ids=["244 bytes", "255 bytes", "2-byte characters", "3-byte characters"])
@pytest.mark.parametrize("suffix", [".tmp", ".part"])
def test_a_name_the_file_system_accepts_can_be_written(tmp_path, name, suffix):
    target = tmp_path / name
    try:  # a file system with a shorter NAME_MAX (eCryptfs: 143) refuses the name itself
        target.write_bytes(b"plain")
    except OSError as exc:
        pytest.skip(f"the file system refuses a {len(os.fsencode(name))}-byte name: {exc}")
    seen = []

    def write(fh):
        seen.extend(n for n in os.listdir(tmp_path) if n != name)
        fh.write(b"atomic")

    atomic.write_atomically(target, write, suffix=suffix)
    assert target.read_bytes() == b"atomic" and os.listdir(tmp_path) == [name]
    (tmp, ) = seen  # the temporary file: ".<first ≤ 200 bytes of the name>.<12 hex><suffix>"
    kept = tmp[1:-(1 + 12 + len(suffix))]
    assert name.startswith(kept) and 198 <= len(os.fsencode(kept)) <= 200
    assert len(os.fsencode(tmp)) <= 255


def test_new_folder_removes_only_the_empty_folders_the_block_made(tmp_path):
    (tmp_path / "kept").mkdir()
    target = tmp_path / "kept" / "a" / "b" / "c"
    with pytest.raises(KeyboardInterrupt), atomic.new_folder(target):
        target.mkdir(parents=True)
        (target.parent / "written.txt").write_text("a result")
        raise KeyboardInterrupt
    assert not target.exists()  # empty: removed
    assert (target.parent / "written.txt").is_file()  # not empty: kept, and so its parents
    with atomic.new_folder(tmp_path / "ok"):  # no exception: nothing removed
        (tmp_path / "ok").mkdir()
    assert (tmp_path / "ok").is_dir()
