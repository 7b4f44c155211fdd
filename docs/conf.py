"""Sphinx configuration for the ksparse documentation.

Build it as CI does, with every warning an error::

    python -m sphinx -W --keep-going docs docs/_build

The gallery runs every ``examples/plot_*.py`` at the size named by
``KSPARSE_EXAMPLE_SIZE`` (``small`` unless it is set), and an example that
raises fails the build. The API reference documents every public module of
ksparse; ``api.rst`` must list each one once (the build warns about any
missing or repeated).
"""
import importlib
import os
import pkgutil
import sys
from pathlib import Path

# Before anything imports matplotlib or runs an example.
os.environ.setdefault("KSPARSE_EXAMPLE_SIZE", "small")
os.environ["MPLBACKEND"] = "Agg"  # never open a window, whatever the shell says

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))  # document the source tree, not an installed copy

project = "ksparse"
author = "the ksparse developers"
copyright = "the ksparse developers"
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
templates_path = ["_templates"]
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_title = "ksparse"

# -- API reference: numpydoc docstrings through autodoc and autosummary ------
autosummary_generate = True
autodoc_member_order = "bysource"
numpydoc_show_class_members = False  # autodoc documents the members itself
numpydoc_class_members_toctree = False


def public_modules(package="ksparse"):
    """Names of every public module of ``package`` (no part starts with ``_``).

    Only packages are imported while walking, so ``ksparse.__main__`` (which
    would run the command line) is never touched.
    """
    root = importlib.import_module(package)
    names = [package]
    for info in pkgutil.walk_packages(root.__path__, package + "."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return sorted(names)


def _home(module_name, name, obj):
    """Where ``obj`` is documented: the deepest package above its module exporting it.

    Each object is documented once (Sphinx refuses two descriptions of one
    class), under the name users import it by: ``ksparse.KSparseAutoencoder``,
    ``ksparse.datasets.load_mnist``. Objects no package re-exports stay with
    their own module. Classes and functions know their module; data (a
    tuple, a dict) is taken to come from ``module_name``, where it is listed.
    """
    defined_in = getattr(obj, "__module__", None)
    if not (isinstance(defined_in, str) and defined_in.startswith("ksparse")):
        defined_in = module_name
    parts = defined_in.split(".")
    for depth in range(len(parts) - 1, 0, -1):
        package = importlib.import_module(".".join(parts[:depth]))
        if name in getattr(package, "__all__", ()) and getattr(package, name, None) is obj:
            return package.__name__
    return defined_in


def _entry(name, obj):
    """How the module template documents one object: its directive and options."""
    if isinstance(obj, type) and issubclass(obj, BaseException):
        kind = "exception"
    elif isinstance(obj, type):
        kind = "class"
    elif callable(obj):
        kind = "function"
    else:
        kind = "data"
    # A NamedTuple's fields are described in its docstring's Attributes section.
    return {"name": name, "kind": kind, "exclude": list(getattr(obj, "_fields", ()))}


def api_members():
    """For each public module, what its page documents and what it links to."""
    members = {}
    for module_name in public_modules():
        module = importlib.import_module(module_name)
        names = [n for n in getattr(module, "__all__", ()) if hasattr(module, n)]
        here, elsewhere = [], []
        for name in names:
            obj = getattr(module, name)
            home = _home(module_name, name, obj)
            if home == module_name:
                here.append(_entry(name, obj))
            else:
                elsewhere.append(f"{home}.{name}")
        parent, _, short = module_name.rpartition(".")
        # ksparse.theory.iti is a module and, in its package, a function:
        # the module's page must then not claim the name.
        shadowed = bool(parent) and getattr(importlib.import_module(parent), short) is not module
        members[module_name] = {"here": here, "elsewhere": elsewhere, "shadowed": shadowed}
    return members


autosummary_context = {"api_members": api_members()}


def check_api_lists_every_module(app):
    """Warn (an error under -W) when api.rst leaves out a public module or lists one twice."""
    from collections import Counter

    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    lines = [line.strip() for line in (DOCS / "api.rst").read_text().splitlines()]
    for name in sorted(set(autosummary_context["api_members"]) - set(lines)):
        logger.warning("api.rst does not list the public module %s", name, location="api")
    modules = Counter(line for line in lines if line.startswith("ksparse"))
    for name in sorted(name for name, count in modules.items() if count > 1):
        logger.warning("api.rst lists the module %s twice", name, location="api")


def setup(app):
    app.connect("builder-inited", check_api_lists_every_module)


# -- Gallery: examples/plot_*.py, executed, with notebooks to download -------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",  # execute every plot_*.py
    "download_all_examples": True,  # zips of all scripts and all notebooks
    # Run every example, then fail the build listing each one that raised.
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
    "doc_module": ("ksparse",),
    "reference_url": {"ksparse": None},  # link names in the code to this API reference
    "show_memory": False,
}
