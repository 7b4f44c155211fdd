"""Tests for ksparse.datasets.cifar: binary batches, archive download, whitened patches."""
import hashlib
import http.server
import io
import tarfile
import threading

import numpy as np
import pytest

from ksparse.datasets import DataFormatError, DataNotFoundError, ZCAWhitener
from ksparse.datasets import load_cifar10, load_cifar10_patches, read_cifar_binary
from ksparse.datasets import local_contrast_normalize
from ksparse.datasets import patches as P

BATCHES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]


def cifar_bytes(images, labels):
    """Binary CIFAR-10 records: label byte, then the R, G and B planes (row-major)."""
    planes = images.transpose(0, 3, 1, 2).reshape(len(labels), -1)  # (n, 3072)
    return np.concatenate([labels[:, None].astype(np.uint8), planes], axis=1).tobytes()


def make_batch(n, seed):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8),
            rng.integers(0, 10, n).astype(np.int64))


def write_cifar(folder, n=4):
    folder.mkdir(parents=True, exist_ok=True)
    data = {b: make_batch(n, seed) for seed, b in enumerate(BATCHES)}
    for b, (x, y) in data.items():
        (folder / f"{b}.bin").write_bytes(cifar_bytes(x, y))
    return data


@pytest.mark.parametrize("mmap_mode", [None, "r"])
def test_read_cifar_binary_hand_record(tmp_path, mmap_mode):
    # One record: label 7, red plane all 1, green plane 0..255 repeated, blue plane 9.
    green = np.arange(1024) % 256
    record = bytes([7]) + bytes([1] * 1024) + bytes(green.tolist()) + bytes([9] * 1024)
    (tmp_path / "b.bin").write_bytes(record * 2)
    images, labels = read_cifar_binary(tmp_path / "b.bin", mmap_mode=mmap_mode)
    assert images.shape == (2, 32, 32, 3) and images.dtype == np.uint8
    assert labels.tolist() == [7, 7]
    np.testing.assert_array_equal(images[1, :, :, 0], 1)
    np.testing.assert_array_equal(images[0, :, :, 1], green.reshape(32, 32))
    np.testing.assert_array_equal(images[0, 5, 6, 2], 9)


@pytest.mark.parametrize(
    "data, match",
    [(b"", "empty"), (bytes(3073 * 2 - 1), "truncated"), (bytes([10]) + bytes(3072), "label")],
)
def test_read_cifar_binary_rejects_bad_files(tmp_path, data, match):
    (tmp_path / "b.bin").write_bytes(data)
    with pytest.raises(DataFormatError, match=match):
        read_cifar_binary(tmp_path / "b.bin")


@pytest.mark.parametrize("subfolder", ["", "cifar-10-batches-bin"])
def test_load_cifar10_values(tmp_path, subfolder):
    data = write_cifar(tmp_path / subfolder)
    splits = load_cifar10(tmp_path, download=False)
    x_train, y_train = splits.train
    assert x_train.shape == (20, 32, 32, 3) and splits.val is None
    np.testing.assert_array_equal(x_train, np.concatenate([data[b][0] for b in BATCHES[:5]]))
    np.testing.assert_array_equal(y_train, np.concatenate([data[b][1] for b in BATCHES[:5]]))
    np.testing.assert_array_equal(splits.test[0], data["test_batch"][0])
    np.testing.assert_array_equal(splits.test[1], data["test_batch"][1])


def test_load_cifar10_offline_error(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("KSPARSE_DATA", raising=False)
    with pytest.raises(DataNotFoundError, match="data_batch_1.bin"):
        load_cifar10(tmp_path / "none", download=False)


def _archive(n=3):
    buffer = io.BytesIO()
    data = {b: make_batch(n, 10 + i) for i, b in enumerate(BATCHES)}
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for b, (x, y) in data.items():
            blob = cifar_bytes(x, y)
            info = tarfile.TarInfo(f"cifar-10-batches-bin/{b}.bin")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return buffer.getvalue(), data


@pytest.fixture
def archive_server():
    blob, data = _archive()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            self.send_response(200)
            self.send_header("Content-Length", str(len(blob)))
            self.end_headers()
            self.wfile.write(blob)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/c.tar.gz", blob, data
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def test_load_cifar10_downloads_and_unpacks(tmp_path, monkeypatch, archive_server):
    monkeypatch.delenv("KSPARSE_DATA", raising=False)
    url, blob, data = archive_server
    md5 = "md5:" + hashlib.md5(blob).hexdigest()
    splits = load_cifar10(tmp_path, url=(url, md5), progress=False)
    np.testing.assert_array_equal(splits.test[1], data["test_batch"][1])
    np.testing.assert_array_equal(splits.train[0][:3], data["data_batch_1"][0])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cifar-10-batches-bin"]  # archive gone
    assert len(list((tmp_path / "cifar-10-batches-bin").iterdir())) == 6


def test_load_cifar10_bad_archive_checksum(tmp_path, monkeypatch, archive_server):
    monkeypatch.delenv("KSPARSE_DATA", raising=False)
    url, _, _ = archive_server
    with pytest.raises(OSError, match="Checksum mismatch"):
        load_cifar10(tmp_path, url=(url, "md5:" + "0" * 32), progress=False)
    assert list(tmp_path.iterdir()) == []


def test_load_cifar10_patches_pipeline(tmp_path, monkeypatch):
    write_cifar(tmp_path, n=6)
    monkeypatch.setattr(P, "_CHUNK", 256)
    white, whitener = load_cifar10_patches(tmp_path, download=False, n_patches=1000,
                                           random_state=0)
    assert white.shape == (1000, 192) and white.dtype == np.float32
    assert isinstance(whitener, ZCAWhitener)
    # The same pipeline by hand: patches in [0, 1], LCN, ZCA fitted on them.
    x_train = load_cifar10(tmp_path, download=False).train[0]
    raw = P.extract_patches(x_train, 8, 1000, random_state=0, dtype=np.float64) / 255.0
    lcn = local_contrast_normalize(raw)
    np.testing.assert_allclose(white, ZCAWhitener().fit_transform(lcn), atol=1e-4)
    lam = whitener.eigenvalues_
    np.testing.assert_allclose(np.linalg.eigvalsh(np.cov(white.T.astype(np.float64))),
                               lam / (lam + whitener.eps), atol=1e-3)
