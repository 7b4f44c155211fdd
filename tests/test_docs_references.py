"""Every cross-reference to ksparse in the rendered docstrings and pages names an object that exists.

Sphinx renders a reference it cannot resolve as plain code, without a
warning (the docs build is not nitpicky), so a function that moved or a
misspelt name goes unnoticed. The docs link a reference by any name its
object can be imported by (``resolve_ksparse_aliases`` in
``docs/ksparse_refs.py``); this test checks that the name exists, and that no
reference points at a private helper, which has no page. Only what the API
pages show is read: the docstrings of public modules, classes, functions and
methods, and ``docs/*.rst`` (not the changelog, whose entries may name what
has since been removed).
"""
import ast
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROLE = re.compile(r":(?:py:)?(func|class|meth|attr|data|exc|obj):`([^`]+)`")


def _docs_module(name):
    """The module ``docs/<name>.py`` (docs/ is not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "docs" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REFS = _docs_module("ksparse_refs")  # the resolver docs/conf.py connects


def target_of(content):
    """The target of a role's content: ``name``, ``~name``, ``.name`` or ``title <name>``."""
    if content.endswith(">") and "<" in content:
        content = content[content.rindex("<") + 1:-1]
    return content.lstrip("~.").removesuffix("()")


def public_docstrings(path):
    """(scopes, line, docstring) for the module and each public class, function and method."""
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = [([module], 1, ast.get_docstring(tree))]
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
            scopes = [f"{module}.{node.name}", module]
            found.append((scopes, node.lineno, ast.get_docstring(node)))
            for member in getattr(node, "body", []) if isinstance(node, ast.ClassDef) else []:
                if isinstance(member, ast.FunctionDef) and not member.name.startswith("_"):
                    found.append((scopes, member.lineno, ast.get_docstring(member)))
    return [(scopes, line, doc) for scopes, line, doc in found if doc]


def problem(target, scopes):
    """Why the reference ``target`` (read in ``scopes``) is dead, or None.

    A short name is looked up, as docs/ksparse_refs.py does, in the scopes (the
    class, the module) and then in every package above the module.
    """
    top = target.split(".")[0]
    if top != "ksparse" and importlib.util.find_spec(top) is not None:
        return None  # another package's object (numpy, matplotlib, ...)
    if any(part.startswith("_") for part in target.split(".")):
        return "a private name, which has no page"
    names = [target]
    if top != "ksparse" and scopes:
        parts = scopes[-1].split(".")
        above = [".".join(parts[:depth]) for depth in range(len(parts) - 1, 0, -1)]
        names = [f"{scope}.{target}" for scope in scopes + above]
    if all(REFS.object_at(name) is None for name in names):
        return f"no such object ({' or '.join(names)})"
    return None


PUBLIC_MODULES = sorted(p for p in (ROOT / "ksparse").rglob("*.py")
                        if not any(part.startswith("_") and part != "__init__.py"
                                   for part in p.relative_to(ROOT).parts))
PAGES = sorted(p for p in (ROOT / "docs").glob("*.rst") if p.name != "changelog.rst")


@pytest.mark.parametrize("path", PUBLIC_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_docstring_references_name_existing_public_objects(path):
    dead = []
    for scopes, line, doc in public_docstrings(path):
        for match in ROLE.finditer(doc):
            why = problem(target_of(match.group(2)), scopes)
            if why:
                dead.append(f"line {line}: {match.group(0)}: {why}")
    assert not dead, "\n".join(dead)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_page_references_name_existing_public_objects(path):
    text = path.read_text(encoding="utf-8")
    dead = [f"{match.group(0)}: {why}" for match in ROLE.finditer(text)
            if (why := problem(target_of(match.group(2)), []))]
    assert not dead, "\n".join(dead)


@pytest.mark.parametrize("content, scopes, expected", [
    ("ksparse.KSparseAutoencoder", [], None),
    ("~ksparse.nn.supp_k.topk_mask", [], None),
    ("omp", ["ksparse.theory.pursuit"], None),
    ("transform", ["ksparse.models.k_sparse.KSparseAutoencoder", "ksparse.models.k_sparse"], None),
    ("ksparse.training.step_generator", [], "no such object"),
    ("recipe_loss_and_grads", ["ksparse.models.matryoshka"], "no such object"),
    ("_kth_largest_among_candidates", ["ksparse.nn.supp_k"], "private"),
    ("the loop <ksparse.training.loop._check_finite>", [], "private"),
    ("numpy.ndarray", [], None),
])
def test_the_check_tells_dead_references_from_live_ones(content, scopes, expected):
    why = problem(target_of(content), scopes)
    assert (why is None) if expected is None else (expected in why), why


# Names a docstring may use, and where the docs' resolver (docs/ksparse_refs.py) sends them:
# the object's page under the deepest package that exports it.
ALIASES = {
    "ksparse.KSparseAutoencoder": "ksparse.models.KSparseAutoencoder",
    "ksparse.KSparseAutoencoder.transform": "ksparse.models.KSparseAutoencoder.transform",
    "ksparse.nn.supp_k.topk_mask": "ksparse.nn.topk_mask",
    "ksparse.load": "ksparse.io.load",
    "ksparse.theory.pursuit.omp": "ksparse.theory.omp",
    "ksparse.training.random_streams.step_generator":
        "ksparse.training.random_streams.step_generator",
    "ksparse.training.step_generator": None,
    "ksparse.nn": None,
}


@pytest.mark.parametrize("name", ALIASES)
def test_the_docs_resolver_sends_a_name_to_where_its_object_is_documented(name):
    assert REFS.documented_as(name) == ALIASES[name]
