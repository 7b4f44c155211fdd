"""docs/supervised.rst links only to public names (a module, or a name in its module's ``__all__``).

Sphinx renders a link to a name it does not document as plain text, without
a warning, so a link to a helper that a module merely imports goes dead
silently; this test finds it instead.
"""
import importlib
import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "supervised.rst"
ROLE = re.compile(r":(func|class|meth|mod):`~?([\w.]+)`")


def page_links(text):
    """(kind, target) of every cross-reference role and of every autosummary entry."""
    links = ROLE.findall(text)
    current, in_summary = "", False
    for line in text.splitlines():
        if line.startswith(".. currentmodule::"):
            current = line.split("::")[1].strip() + "."
        elif line.startswith(".. autosummary::"):
            in_summary = True
        elif in_summary and line.startswith("   ") and not line.strip().startswith(":"):
            links.append(("any", current + line.strip()))
        elif in_summary and line.strip():
            in_summary = False
    return links


def is_public_module(target):
    if any(part.startswith("_") for part in target.split(".")):
        return False
    try:
        importlib.import_module(target)
    except ImportError:
        return False
    return True


def exported(target):
    """The object ``module.name`` when the module lists ``name`` in ``__all__``, else None."""
    module_name, _, name = target.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    return getattr(module, name, None) if name in getattr(module, "__all__", ()) else None


def is_public(kind, target):
    """Whether a link of this kind names a public module, an exported name or its method."""
    if kind == "mod":
        return is_public_module(target)
    if kind == "any":
        return is_public_module(target) or exported(target) is not None
    if kind == "meth":
        owner, _, method = target.rpartition(".")
        return not method.startswith("_") and hasattr(exported(owner), method)
    return exported(target) is not None


LINKS = page_links(PAGE.read_text(encoding="utf-8"))


def test_the_page_has_links_to_check():
    kinds = {kind for kind, _ in LINKS}
    assert len(LINKS) >= 15 and kinds == {"func", "class", "meth", "mod", "any"}


@pytest.mark.parametrize("kind, target", LINKS, ids=[f"{kind}-{target}" for kind, target in LINKS])
def test_every_link_names_a_public_object(kind, target):
    assert is_public(kind, target), f":{kind}:`{target}` is not a public name"


@pytest.mark.parametrize(
    "kind, target, public",
    [
        ("func", "ksparse.nn.log_softmax", True),
        ("func", "ksparse.classify.loss.log_softmax", False),  # imported there, not exported
        ("meth", "ksparse.finetune.SparseMLPClassifier.from_autoencoders", True),
        ("meth", "ksparse.finetune.SparseMLPClassifier._n_active", False),
        ("class", "ksparse.finetune.classifier.TRAINABLE", False),
        ("mod", "ksparse.finetune.network", True),
        ("mod", "ksparse.classify._inputs", False),
        ("any", "ksparse.classify.loss", True),
        ("any", "ksparse.classify.select_l2", True),
        ("any", "ksparse.classify.no_such_thing", False),
    ],
)
def test_the_check_tells_public_names_from_others(kind, target, public):
    assert is_public(kind, target) is public
