"""Tests for ksparse.datasets._fetch: folder search order and verified downloads.

Downloads come from an HTTP server on 127.0.0.1 started by the tests.
"""
import gzip
import hashlib
import http.server
import struct
import threading

import numpy as np
import pytest

from ksparse.datasets import (
    ChecksumMismatchError,
    DataNotFoundError,
    DownloadError,
    candidate_dirs,
    download_file,
    load_fashion_mnist,
    load_mnist,
)
from ksparse.datasets import _fetch

PAYLOAD = bytes(range(256)) * 64  # 16 KiB


def _handler(routes):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            body, mode = routes.get(self.path, (None, None))
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            # "cut" promises the whole body but sends half, then hangs up.
            self.wfile.write(body[: len(body) // 2] if mode == "cut" else body)
            self.close_connection = True

        def log_message(self, *args):  # keep the test output quiet
            pass

    return Handler


@pytest.fixture
def server():
    """A local HTTP server; add routes as routes[path] = (bytes, mode)."""
    routes = {}
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(routes))
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield base, routes
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("algorithm", ["md5", "sha256"])
def test_download_succeeds_with_matching_checksum(tmp_path, server, algorithm):
    base, routes = server
    routes["/f.bin"] = (PAYLOAD, None)
    checksum = f"{algorithm}:{hashlib.new(algorithm, PAYLOAD).hexdigest().upper()}"
    dest = tmp_path / "sub" / "f.bin"
    assert download_file(base + "/f.bin", dest, checksum, progress=False) == dest
    assert dest.read_bytes() == PAYLOAD
    assert sorted(p.name for p in dest.parent.iterdir()) == ["f.bin"]  # no temp file left


def test_download_with_wrong_checksum_leaves_no_file(tmp_path, server):
    base, routes = server
    routes["/f.bin"] = (PAYLOAD, None)
    wrong = sha256(PAYLOAD + b"x")
    with pytest.raises(ChecksumMismatchError, match="partial file was deleted"):
        download_file(base + "/f.bin", tmp_path / "f.bin", wrong, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_download_cut_off_halfway_leaves_no_file(tmp_path, server):
    base, routes = server
    routes["/f.bin"] = (PAYLOAD, "cut")
    with pytest.raises(DownloadError, match="deleted"):
        download_file(base + "/f.bin", tmp_path / "f.bin", sha256(PAYLOAD), progress=False)
    assert list(tmp_path.iterdir()) == []


def test_download_http_error_leaves_no_file(tmp_path, server):
    base, _ = server
    with pytest.raises(DownloadError, match="404"):
        download_file(base + "/missing", tmp_path / "f.bin", sha256(b""), progress=False)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "checksum", ["abc", "md5:xyz", "sha256:" + "0" * 10, "crc:00", None, "md5:" + "0" * 64]
)
def test_download_rejects_malformed_checksum_before_any_work(tmp_path, checksum):
    with pytest.raises(ValueError, match="checksum"):
        download_file("http://127.0.0.1:9/x", tmp_path / "x", checksum, progress=False)
    assert list(tmp_path.iterdir()) == []


def _idx(array):
    header = bytes([0, 0, 8, array.ndim]) + b"".join(struct.pack(">I", d) for d in array.shape)
    return gzip.compress(header + array.tobytes())


def _fake_mnist_blobs(seed):
    rng = np.random.default_rng(seed)
    return {
        "train_images": _idx(rng.integers(0, 256, (6, 28, 28), dtype=np.uint8)),
        "train_labels": _idx(np.full(6, seed, dtype=np.uint8)),
        "test_images": _idx(rng.integers(0, 256, (2, 28, 28), dtype=np.uint8)),
        "test_labels": _idx(np.full(2, seed, dtype=np.uint8)),
    }


def _write_mnist(folder, seed):
    folder.mkdir(parents=True, exist_ok=True)
    names = {"train_images": "train-images-idx3-ubyte.gz", "train_labels":
             "train-labels-idx1-ubyte.gz", "test_images": "t10k-images-idx3-ubyte.gz",
             "test_labels": "t10k-labels-idx1-ubyte.gz"}
    for key, blob in _fake_mnist_blobs(seed).items():
        (folder / names[key]).write_bytes(blob)


@pytest.fixture
def places(tmp_path, monkeypatch):
    """Separate explicit / env / cache / system folders for the search-order tests."""
    dirs = {k: tmp_path / k for k in ("explicit", "env", "xdg", "system")}
    monkeypatch.setenv("KSPARSE_DATA", str(dirs["env"]))
    monkeypatch.setenv("XDG_CACHE_HOME", str(dirs["xdg"]))
    monkeypatch.setattr(_fetch, "SYSTEM_DATA_DIR", dirs["system"])
    return dirs


def _label(**kwargs):
    return int(load_mnist(download=False, n_train=4, progress=False, **kwargs).train[1][0])


def test_search_order(places):
    cache = places["xdg"] / "ksparse" / "mnist"
    _write_mnist(places["system"] / "mnist", seed=4)
    assert _label() == 4
    _write_mnist(cache, seed=3)
    assert _label() == 3
    _write_mnist(places["env"] / "mnist", seed=2)  # KSPARSE_DATA/<name>
    assert _label() == 2
    _write_mnist(places["env"], seed=5)  # KSPARSE_DATA itself comes before its <name>
    assert _label() == 5
    _write_mnist(places["explicit"], seed=1)
    assert _label(data_dir=places["explicit"]) == 1
    assert candidate_dirs("mnist", places["explicit"]) == [
        places["explicit"], places["explicit"] / "mnist", places["env"],
        places["env"] / "mnist", cache, places["system"] / "mnist"]


def _fashion_label(**kwargs):
    return int(load_fashion_mnist(download=False, n_train=4, progress=False, **kwargs).train[1][0])


@pytest.mark.parametrize("given", ["data_dir", "KSPARSE_DATA"])
def test_fashion_mnist_is_never_read_from_a_folder_of_mnist_files(places, given):
    # The two datasets' files have the same names: a data folder itself holds MNIST only.
    root = places["explicit"] if given == "data_dir" else places["env"]
    kwargs = {"data_dir": root} if given == "data_dir" else {}
    _write_mnist(root, seed=1)
    assert _label(**kwargs) == 1
    with pytest.raises(DataNotFoundError, match="never DIR itself") as error:
        _fashion_label(**kwargs)
    assert f"  {root / 'fashion-mnist'}\n" in str(error.value)
    assert f"  {root}\n" not in str(error.value)
    _write_mnist(root / "fashion-mnist", seed=6)
    assert _fashion_label(**kwargs) == 6
    assert _label(**kwargs) == 1


def test_fashion_mnist_search_order_skips_the_folders_themselves(places):
    cache = places["xdg"] / "ksparse" / "fashion-mnist"
    assert candidate_dirs("fashion-mnist", places["explicit"]) == [
        places["explicit"] / "fashion-mnist", places["env"] / "fashion-mnist", cache,
        places["system"] / "fashion-mnist"]


@pytest.mark.parametrize("name, fix", [
    ("mnist", ", pass data_dir=... (--data-dir DIR on the command line), or set "
              "KSPARSE_DATA=/path/to/folder."),
    ("fashion-mnist", "; with data_dir=DIR (--data-dir DIR on the command line) or "
                      "KSPARSE_DATA=DIR that is DIR/fashion-mnist, never DIR itself, since "
                      "mnist's files have the same names."),
])
def test_the_not_found_message_ends_with_where_to_put_the_files(places, name, fix):
    files = {"images": ("a-images", "a-images.gz"), "labels": ("b-labels",)}
    error = _fetch.not_found_error(name, files, None, "not here")
    assert isinstance(error, DataNotFoundError)
    assert str(error).startswith(f"Dataset {name!r} was not found (not here). Searched")
    assert str(error).endswith("\nPut the files (a-images, b-labels; .gz versions are accepted "
                               "too) in one of these folders" + fix)


def test_incomplete_folder_is_skipped(places):
    _write_mnist(places["env"], seed=2)
    (places["env"] / "t10k-labels-idx1-ubyte.gz").unlink()
    _write_mnist(places["system"] / "mnist", seed=4)
    assert _label() == 4


def test_cache_honours_home_without_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert _fetch.user_cache_dir("mnist") == tmp_path / ".cache" / "ksparse" / "mnist"


def test_load_mnist_downloads_into_cache_then_reads_locally(places, server):
    base, routes = server
    blobs = _fake_mnist_blobs(seed=7)
    urls = {}
    for key, blob in blobs.items():
        routes[f"/{key}.gz"] = (blob, None)
        urls[key] = (f"{base}/{key}.gz", sha256(blob))
    data = load_mnist(n_train=4, urls=urls, progress=False)
    assert data.train[1].tolist() == [7] * 4
    cache = places["xdg"] / "ksparse" / "mnist"
    # Saved under the standard names, whatever the URLs were called.
    assert sorted(p.name for p in cache.iterdir()) == sorted(
        ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"])
    routes.clear()  # a second load must not need the server
    assert load_mnist(n_train=4, download=False).test[1].tolist() == [7, 7]


def test_load_mnist_bad_download_raises_and_cleans_up(places, server):
    base, routes = server
    blobs = _fake_mnist_blobs(seed=1)
    urls = {key: (f"{base}/{key}.gz", sha256(blob)) for key, blob in blobs.items()}
    for key, blob in blobs.items():
        routes[f"/{key}.gz"] = (blob, "cut" if key == "test_images" else None)
    with pytest.raises(DownloadError):
        load_mnist(n_train=4, urls=urls, progress=False)
    cache = places["xdg"] / "ksparse" / "mnist"
    assert not any(p.name.endswith(".part") or p.name.startswith("t10k-images")
                   for p in cache.iterdir())


def test_fashion_mnist_downloads_into_its_own_folder_beside_mnist(places, server):
    base, routes = server
    _write_mnist(places["explicit"], seed=1)  # MNIST already downloaded into data_dir
    urls = {}
    for key, blob in _fake_mnist_blobs(seed=7).items():
        routes[f"/{key}.gz"] = (blob, None)
        urls[key] = (f"{base}/{key}.gz", sha256(blob))
    data = load_fashion_mnist(places["explicit"], n_train=4, urls=urls, progress=False)
    assert data.train[1].tolist() == [7] * 4
    assert len(list((places["explicit"] / "fashion-mnist").iterdir())) == 4
    routes.clear()
    assert _fashion_label(data_dir=places["explicit"]) == 7
    assert _label(data_dir=places["explicit"]) == 1


def test_missing_checksum_refuses_download(places):
    urls = {k: ("http://127.0.0.1:9/x.gz", None) for k in _fake_mnist_blobs(0)}
    with pytest.raises(DataNotFoundError, match="no checksum"):
        load_mnist(urls=urls, progress=False)


def test_package_exports_and_lazy_attribute():
    import ksparse.datasets as datasets

    assert "make_sparse_signals" in datasets.__all__
    assert "make_sparse_signals" in dir(datasets)
    with pytest.raises(AttributeError, match="no_such_name"):
        datasets.no_such_name  # noqa: B018 (the attribute access is the test)
