"""Sphinx configuration for the ksparse documentation.

Build it as CI does, with every warning an error::

    python -m sphinx -W --keep-going docs docs/_build

The gallery runs every ``examples/plot_*.py`` at the size named by
``KSPARSE_EXAMPLE_SIZE`` (``small`` unless it is set), and an example that
raises fails the build. The MNIST examples read MNIST where
``KSPARSE_DATA`` points (``.ci/run`` points it at CI's copy) and say so when
they fall back to glyph digits. The API reference documents every public
module of ksparse; ``api.rst`` must list each one once (the build warns
about any missing or repeated). A reference to a ksparse object links to its
one description by any name the object can be imported by
(``ksparse_refs.py``). For every example that holds exercises the
build also writes its student version (``student_<name>.ipynb`` and ``.py``,
solutions cut out) and offers it on the example's page. Nothing is fetched
from the network, at build time or when a page is read: MathJax is served
from the site itself (``sphinx-mathjax-offline``).
"""
import importlib
import os
import pkgutil
import re
import sys
from pathlib import Path

# Before anything imports matplotlib or runs an example.
os.environ.setdefault("KSPARSE_EXAMPLE_SIZE", "small")
os.environ["MPLBACKEND"] = "Agg"  # never open a window, whatever the shell says

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))  # document the source tree, not an installed copy
sys.path.insert(1, str(DOCS))  # gallery_order (named below by its qualified name), ksparse_refs

from ksparse_refs import home_of, resolve_ksparse_aliases  # noqa: E402

project = "ksparse"
author = "the ksparse developers"
copyright = "the ksparse developers"
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax 3 copied into _static/mathjax: math renders offline
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
templates_path = ["_templates"]
exclude_patterns = ["_build"]
html_theme = "pydata_sphinx_theme"
html_title = "ksparse"
html_static_path = ["_static"]
html_favicon = "_static/favicon.svg"  # declared, so browsers do not ask for /favicon.ico
html_css_files = ["ksparse.css"]  # code blocks wrap instead of running off the page
html_theme_options = {
    "navigation_with_keys": False,
    "header_links_before_dropdown": 3,  # the rest under "More": one row at 1280 px
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
    "footer_start": ["copyright"],
    "footer_end": ["theme-version"],
}
html_context = {"default_mode": "light"}

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


def _data_doc(module_name, name):
    """The ``#:`` comment (or docstring) of the data ``name``, from the module that assigns it.

    autodoc reads such comments only in the module a name is documented
    under, so data a package re-exports from a submodule would be documented
    with its type's docstring (``str``'s, ``dict``'s). The comment is looked
    for in ``module_name``, then in every module of ksparse that holds the
    same object under that name; None when there is none.
    """
    from sphinx.pycode import ModuleAnalyzer

    obj = getattr(importlib.import_module(module_name), name)
    root = importlib.import_module("ksparse")
    names = [module_name]
    names += [info.name for info in pkgutil.walk_packages(root.__path__, "ksparse.")]
    for candidate in names:
        if candidate.endswith("__main__"):  # importing it would run the command line
            continue
        if getattr(importlib.import_module(candidate), name, None) is not obj:
            continue  # another value of the same name (ksparse has two ENV_VARs)
        try:
            docs = ModuleAnalyzer.for_module(candidate).find_attr_docs()
        except Exception:  # a module without source; nothing to read there
            continue
        if ("", name) in docs:
            return [line for line in docs[("", name)] if line is not None]
    return None


def _entry(name, obj, module_name):
    """How the module template documents one object: its directive and options."""
    if isinstance(obj, type) and issubclass(obj, BaseException):
        kind = "exception"
    elif isinstance(obj, type):
        kind = "class"
    elif callable(obj):
        kind = "function"
    else:
        kind = "data"
    entry = {"name": name, "kind": kind}
    # A NamedTuple's fields are described in its docstring's Attributes section.
    entry["exclude"] = list(getattr(obj, "_fields", ()))
    if kind == "data":
        entry["doc"] = _data_doc(module_name, name)
        value = repr(obj)
        entry["value"] = value if len(value) <= 60 and "\n" not in value else None
    return entry


def api_members():
    """For each public module, what its page documents and what it links to."""
    members = {}
    for module_name in public_modules():
        module = importlib.import_module(module_name)
        names = [n for n in getattr(module, "__all__", ()) if hasattr(module, n)]
        here, elsewhere = [], []
        for name in names:
            obj = getattr(module, name)
            home = home_of(module_name, name, obj)
            if home == module_name:
                here.append(_entry(name, obj, module_name))
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


def check_data_is_described(app):
    """Warn (an error under -W) about public data without a ``#:`` comment saying what it is."""
    from sphinx.util import logging

    for module_name, names in autosummary_context["api_members"].items():
        for entry in names["here"]:
            if entry["kind"] == "data" and not entry["doc"]:
                logging.getLogger(__name__).warning(
                    "%s.%s has no '#:' comment to document it", module_name, entry["name"],
                    location="api")


_BACKLINK = re.compile(r'(<a class="viewcode-back" href=")([^"#]+)#([^"]+)(")')


def fix_viewcode_backlinks(app, exception):
    """Point every ``[docs]`` link of the ``_modules`` pages at an anchor that exists.

    viewcode builds each link of a module's source page from one prefix per
    module, the module name under which it first met one of its objects; an
    object of ``ksparse.backend`` documented on the root page as
    ``ksparse.set_backend`` makes every other link of that page point at
    ``#ksparse.<name>`` although the object's anchor is
    ``ksparse.backend.<name>``. The page each link names is right, so the
    anchor is looked up there by the object's own name; a link that cannot
    be mended is a warning (an error under -W).
    """
    from sphinx.util import logging

    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    anchors = {}

    def ids_of(page):
        if page not in anchors:
            anchors[page] = set(re.findall(r'id="([^"]+)"', page.read_text(encoding="utf-8")))
        return anchors[page]

    def mend(match, source):
        page = (source.parent / match.group(2)).resolve()
        anchor = match.group(3)
        if not page.is_file() or anchor in ids_of(page):
            return match.group(0)
        parts = anchor.split(".")
        for start in range(1, len(parts)):  # the shortest prefix dropped first
            tail = "." + ".".join(parts[start:])
            found = sorted(i for i in ids_of(page) if i.endswith(tail) and i.startswith("ksparse"))
            if len(found) == 1:
                return f"{match.group(1)}{match.group(2)}#{found[0]}{match.group(4)}"
        logging.getLogger(__name__).warning("no anchor for the [docs] link %s#%s of %s",
                                            match.group(2), anchor, source.relative_to(out))
        return match.group(0)

    for source in (out / "_modules").rglob("*.html"):
        text = source.read_text(encoding="utf-8")
        mended = _BACKLINK.sub(lambda m: mend(m, source), text)
        if mended != text:
            source.write_text(mended, encoding="utf-8")


def check_gallery_order(app):
    """Warn (an error under -W) when an example is missing from the gallery's reading order."""
    from sphinx.util import logging

    from gallery_order import READING_ORDER

    for path in sorted((DOCS.parent / "examples").glob("plot_*.py")):
        if path.name not in READING_ORDER:
            logging.getLogger(__name__).warning(
                "%s is not in docs/gallery_order.py's READING_ORDER", path.name,
                location="auto_examples/index")


# -- Student versions of the exercise examples -------------------------------
GALLERY = DOCS / "auto_examples"


def exercise_examples():
    """Names (``plot_x``) of the examples that hold at least one exercise."""
    from ksparse.exercises import solution_regions

    return sorted(path.stem for path in (DOCS.parent / "examples").glob("plot_*.py")
                  if solution_regions(path.read_text(encoding="utf-8")))


def write_student_versions(app):
    """Write student_<name>.ipynb and .py beside each exercise example sphinx-gallery made.

    Runs after sphinx-gallery (a later priority on builder-inited), from the
    notebook and script it wrote, so the student's notebook is the one
    offered for download with its solutions cut out and its outputs cleared.
    """
    from ksparse.exercises import write_student_version

    for name in exercise_examples():
        for suffix in (".ipynb", ".py"):
            write_student_version(GALLERY / (name + suffix), GALLERY / f"student_{name}{suffix}")


_TOP_NOTE = "        to download the full example code."
_NOTEBOOK_BUTTON = "      :download:`Download Jupyter notebook: "


def offer_student_versions(app, docname, source):
    """Put the student notebook's download link at the top and bottom of an exercise page."""
    folder, _, name = docname.rpartition("/")
    if folder != "auto_examples" or name not in exercise_examples():
        return
    text = source[0]
    top = (f"{_TOP_NOTE}\n        **Exercises:** the solutions are shown on this page; "
           f":download:`the student notebook <student_{name}.ipynb>` "
           f"(or :download:`script <student_{name}.py>`) has them cut out, and its checks "
           "print ``[not yet]`` until you fill them in.")
    bottom = ("\n\n    .. container:: sphx-glr-download sphx-glr-download-jupyter\n\n"
              f"      :download:`Download the student notebook (no solutions): "
              f"student_{name}.ipynb <student_{name}.ipynb>`\n")
    lines = text.splitlines()
    button = next((i for i, line in enumerate(lines) if line.startswith(_NOTEBOOK_BUTTON)), None)
    if _TOP_NOTE not in text or button is None:
        from sphinx.util import logging

        logging.getLogger(__name__).warning(
            "cannot place the student notebook's links on %s: sphinx-gallery's page changed",
            docname, location=docname)
        return
    lines[button] += bottom
    source[0] = "\n".join(lines).replace(_TOP_NOTE, top, 1) + "\n"


def setup(app):
    app.connect("builder-inited", check_api_lists_every_module)
    app.connect("builder-inited", check_gallery_order)
    app.connect("builder-inited", check_data_is_described)
    app.connect("builder-inited", write_student_versions, priority=900)  # after the gallery
    app.connect("source-read", offer_student_versions)
    app.connect("build-finished", fix_viewcode_backlinks)
    app.connect("missing-reference", resolve_ksparse_aliases)


# -- Gallery: examples/plot_*.py, executed, with notebooks to download -------
# The first cell of every notebook: ksparse is not on PyPI, so when it is
# missing the cell installs it from the checkout the notebook sits in (or the
# one KSPARSE_CHECKOUT names) and otherwise says how, instead of failing on
# the first import.
FIRST_NOTEBOOK_CELL = """\
# ksparse is not on PyPI. When it is missing, this cell installs it from the
# checkout of its repository that holds this notebook (or the one named by the
# KSPARSE_CHECKOUT environment variable); otherwise install it yourself, in the
# environment of this kernel:  python -m pip install "PATH/TO/CHECKOUT[notebook]"
import importlib.util
import os
import pathlib
import subprocess
import sys

if importlib.util.find_spec("ksparse") is None:
    _here = pathlib.Path.cwd().resolve()
    _roots = [pathlib.Path(os.environ.get("KSPARSE_CHECKOUT", _here)), *_here.parents]
    _checkout = next((p for p in _roots if (p / "ksparse" / "__init__.py").is_file()
                      and (p / "setup.cfg").is_file()), None)
    if _checkout is None:
        raise ImportError("ksparse is not installed and no checkout of it was found: run "
                          "python -m pip install PATH/TO/CHECKOUT in this kernel's environment")
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", str(_checkout)])
    importlib.invalidate_caches()
%matplotlib inline"""
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",  # execute every plot_*.py
    "within_subsection_order": "gallery_order.ReadingOrder",  # the quick start first
    "first_notebook_cell": FIRST_NOTEBOOK_CELL,
    # The execution-times pages load their table scripts from the network.
    "write_computation_times": False,
    # Only figures, printed text and explicit displays: no stray reprs such as
    # "<Figure size ...>" or "Text(0.0, 1.0, ...)" from a block's last line.
    "capture_repr": (),
    "download_all_examples": True,  # zips of all scripts and all notebooks
    # Run every example, then fail the build listing each one that raised.
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
    "doc_module": ("ksparse",),
    "show_memory": False,
}
