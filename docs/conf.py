"""Sphinx configuration for the ksparse documentation."""
import os
import sys

sys.path.insert(0, os.path.abspath(".."))

project = "ksparse"
author = "the ksparse developers"
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
numpydoc_show_class_members = False
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
}
html_theme = "alabaster"
exclude_patterns = ["_build"]
