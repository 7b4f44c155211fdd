"""``ksparse info``: versions, the array backend, the GPU, and where the datasets are.

The dataset folders are listed in the search order of :mod:`ksparse.datasets`
(``--data-dir``, then ``KSPARSE_DATA``, the user cache, ``/usr/share/datasets``),
each with the files of that dataset found there, so a user can see at once
why a dataset is (or is not) found.
"""
__all__ = ["add_parsers", "dataset_files", "dataset_folder"]

import json
import os
import platform
import sys

from ._common import check_data_dir


def dataset_files(name):
    """For each file of dataset ``name``, the names a local copy may have."""
    # The loaders' own name tables, so this listing cannot drift from what they accept.
    if name in ("mnist", "fashion-mnist"):
        from ..datasets.idx import _MNIST_NAMES, _local_names

        return {key: _local_names(base) for key, base in _MNIST_NAMES.items()}
    if name == "cifar10":
        from ..datasets.cifar import _local_files

        return _local_files()
    from ..datasets.norb import _PREFIX

    return {f"{split}_{kind}": (f"{_PREFIX[split]}-{kind}.mat", f"{_PREFIX[split]}-{kind}.mat.gz")
            for split in ("train", "test") for kind in ("dat", "cat")}


_DATASETS = ("mnist", "fashion-mnist", "cifar10", "smallnorb")


def dataset_folder(name, data_dir=None):
    """The folders searched for ``name``, each with the dataset files found in it.

    Returns
    -------
    folders : list of (str, list of str)
        In search order.
    complete : str or None
        The first folder holding every file (the one the loader would use).
    """
    from ..datasets import candidate_dirs

    files = dataset_files(name)
    folders, complete = [], None
    for folder in candidate_dirs(name, data_dir):
        found = [n for names in files.values() for n in names if os.path.isfile(folder / n)]
        folders.append((str(folder), found))
        has_all = all(any(os.path.isfile(folder / n) for n in names) for names in files.values())
        if has_all and complete is None:
            complete = str(folder)
    return folders, complete


def add_parsers(sub):
    p = sub.add_parser("info", help="versions, backend, GPU and dataset folders",
                       description="Show the ksparse and NumPy versions, the array backend in "
                       "use, whether a GPU is usable, and which dataset files are found in "
                       "each folder searched.")
    p.add_argument("--data-dir", default=None, help="also search this folder first")
    p.add_argument("--json", action="store_true", help="print the information as JSON")
    p.set_defaults(run=run)


def _backend():
    from ..backend import cupy_available, get_backend

    try:
        backend = get_backend()
    except (ValueError, RuntimeError) as exc:  # a bad or unusable KSPARSE_BACKEND
        backend = f"unusable ({exc})"
    return backend, cupy_available()


def collect(data_dir=None):
    """Everything ``info`` shows, as a JSON-ready dict."""
    import numpy

    from .._version import __version__

    backend, gpu = _backend()
    datasets = {}
    for name in _DATASETS:
        folders, complete = dataset_folder(name, data_dir)
        datasets[name] = {"found_in": complete,
                          "searched": [{"folder": f, "files": found} for f, found in folders]}
    return {"ksparse": __version__, "numpy": numpy.__version__,
            "python": platform.python_version(), "platform": sys.platform,
            "backend": backend, "KSPARSE_BACKEND": os.environ.get("KSPARSE_BACKEND", "auto"),
            "gpu_usable": gpu, "KSPARSE_DATA": os.environ.get("KSPARSE_DATA", ""),
            "datasets": datasets}


def run(args):
    check_data_dir(args.data_dir)
    info = collect(args.data_dir)
    if args.json:
        print(json.dumps(info, indent=1))
        return 0
    print(f"ksparse      {info['ksparse']}")
    print(f"numpy        {info['numpy']}  (python {info['python']}, {info['platform']})")
    print(f"backend      {info['backend']}  (KSPARSE_BACKEND={info['KSPARSE_BACKEND']})")
    print(f"GPU usable   {'yes' if info['gpu_usable'] else 'no'}")
    print("datasets     searched in this order: --data-dir, KSPARSE_DATA, the user cache, "
          "/usr/share/datasets")
    for name, entry in info["datasets"].items():
        status = f"found in {entry['found_in']}" if entry["found_in"] else "not found"
        print(f"  {name}: {status}")
        for folder in entry["searched"]:
            files = ", ".join(folder["files"]) if folder["files"] else "-"
            print(f"    {folder['folder']}: {files}")
    return 0
