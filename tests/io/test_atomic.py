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
