"""Every cross-reference to ksparse in the rendered docstrings and pages names an object that exists.

Sphinx renders a reference it cannot resolve as plain code, without a
warning (the docs build is not nitpicky), so a function that moved or a
misspelt name goes unnoticed. ``docs/conf.py`` links a reference by any name
its object can be imported by (``resolve_ksparse_aliases``); this test checks
that the name exists, and that no reference points at a private helper,
which has no page. Only what the API pages show is read: the docstrings of
public modules, classes, functions and methods, and ``docs/*.rst`` (not the
changelog, whose entries may name what has since been removed).
"""
import ast
import importlib
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROLE = re.compile(r":(?:py:)?(func|class|meth|attr|data|exc|obj):`([^`]+)`")


def target_of(content):
    """The target of a role's content: ``name``, ``~name``, ``.name`` or ``title <name>``."""
    if content.endswith(">") and "<" in content:
        content = content[content.rindex("<") + 1:-1]
    return content.lstrip("~.").removesuffix("()")


def object_at(dotted):
    """The object that the ksparse name ``dotted`` denotes, or None."""
    parts = dotted.split(".")
    for depth in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:depth]))
        except ImportError:
            continue
        for part in parts[depth:]:
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        return obj
    return None


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

    A short name is looked up, as docs/conf.py does, in the scopes (the
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
    if all(object_at(name) is None for name in names):
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


# Names a docstring may use, and where docs/conf.py's resolver sends them:
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


@pytest.fixture(scope="module")
def documented_as():
    """docs/conf.py's answers for ALIASES, from a child process (conf.py sets environment variables)."""
    code = ("import json, runpy, sys; ns = runpy.run_path(sys.argv[1]); "
            "print(json.dumps({n: ns['_documented_as'](n) for n in sys.argv[2:]}))")
    proc = subprocess.run([sys.executable, "-c", code, str(ROOT / "docs" / "conf.py"), *ALIASES],
                          cwd=ROOT / "docs", capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.splitlines()[-1])


@pytest.mark.parametrize("name", ALIASES)
def test_the_docs_resolver_sends_a_name_to_where_its_object_is_documented(name, documented_as):
    assert documented_as[name] == ALIASES[name]
