"""The package's layout: who may import whom, and how large a module or a function may grow.

The import graph is read from the source with ``ast``: every ``import`` and
``from ... import``, at module level or inside a function (the imports done on
first use count as much as the others), relative ones resolved. Importing
``a.b.c`` also runs the package ``a.b``'s ``__init__``, so that counts as an
import too, except for the packages that hold the importing module itself
(those are already being imported when it runs).

A *room* is a sub-package (a folder of ksparse/) or a module at the package
root. The rooms stand on floors, lowest first, in ``FLOORS``: a module may
import from its own room, from a lower floor, or from another room of its own
floor when that makes no circle; never from a higher floor.
"""
import ast
import json
import os
import pathlib
import subprocess
import sys

import pytest

import ksparse

PACKAGE = pathlib.Path(ksparse.__file__).parent

FLOORS = (
    ("_version", "backend", "validation"),  # the array module; argument checks
    ("nn",),  # the math: each forward next to its backward
    ("fast",),  # the k-sparse step and top-k made faster
    ("hyperparameters", "io"),  # hyper-parameter declarations; model files
    ("training",),  # the training loop, checkpoints, random streams
    ("inputs",),  # data of every kind fed to the loop
    ("base",),  # the estimator base
    ("models", "classify"),  # the estimators
    ("finetune", "theory", "datasets", "plotting"),
    ("exercises", "classroom", "reproduce", "lab"),
    ("cli",),
    ("__init__", "__main__"),  # the package's own face
)

MAX_ROOT_MODULES = 10
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 40


def modules(root):
    """``{dotted name: path}`` of every module of the package at ``root``."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = (root.name,) + path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _named(node, name, is_package):
    """The dotted names a node of ``name``'s source imports (``from a import b``: ``a.b``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    source = node.module or ""
    if node.level:
        here = name.split(".") if is_package else name.split(".")[:-1]
        base = ".".join(here[: len(here) - node.level + 1])
        source = f"{base}.{source}" if node.module else base
    return [f"{source}.{alias.name}" for alias in node.names]


def imports(name, path, known):
    """The modules of ``known`` that module ``name`` imports (see the module docstring)."""
    named = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        for target in _named(node, name, path.name == "__init__.py"):
            while target and target not in known:  # ``a.b.f``, f a function: module ``a.b``
                target = target.rpartition(".")[0]
            named.add(target)
    named &= set(known)
    holders = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
    parents = {".".join(t.split(".")[:i]) for t in named for i in range(2, t.count(".") + 1)}
    return (named | (parents - holders)) - {name}


def import_graph(root):
    known = modules(root)
    return {name: imports(name, path, known) for name, path in known.items()}


def room(name):
    """``ksparse.models.k_sparse`` -> ``models``; the package's own ``__init__`` -> ``__init__``."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def rooms(graph):
    """The import graph between rooms (a room's imports of itself left out)."""
    between = {room(name): set() for name in graph}
    for name, targets in graph.items():
        between[room(name)].update(room(t) for t in targets if room(t) != room(name))
    return between


def circle(graph):
    """One import circle of ``graph`` as a list ``[a, b, ..., a]``, or None when there is none."""
    done, path = set(), []

    def visit(node):
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if target in path:
                return path[path.index(target):] + [target]
            if target not in done:
                found = visit(target)
                if found:
                    return found
        done.add(path.pop())
        return None

    for start in sorted(graph):
        found = None if start in done else visit(start)
        if found:
            return found
    return None


def upward_imports(graph, floors):
    """``importer -> imported`` for each import of a room on a higher floor than the importer's."""
    level = {name: i for i, floor in enumerate(floors) for name in floor}
    return sorted(f"{name} (floor {level[room(name)]}) -> {t} (floor {level[room(t)]})"
                  for name, targets in graph.items() for t in targets
                  if level[room(t)] > level[room(name)])


def long_functions(path, limit):
    """``path:line name (n lines)`` for each function over ``limit`` lines of code.

    Its code runs from the first statement after its docstring to its end;
    blank lines and comment lines do not count.
    """
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        body = node.body
        if ast.get_docstring(node, clean=False) is not None:
            body = body[1:]
        if not body:
            continue
        code = [line.strip() for line in lines[body[0].lineno - 1: node.end_lineno]]
        n = sum(1 for line in code if line and not line.startswith("#"))
        if n > limit:
            found.append(f"{path}:{node.lineno} {node.name} ({n} lines)")
    return found


# --- the package itself -------------------------------------------------------------------------

def test_every_room_stands_on_one_floor():
    placed = [name for floor in FLOORS for name in floor]
    assert len(placed) == len(set(placed)), "a room stands on two floors"
    present = set(rooms(import_graph(PACKAGE)))
    assert present - set(placed) == set(), "rooms on no floor: add them to FLOORS"
    assert set(placed) - present == set(), "FLOORS names rooms the package does not have"


@pytest.mark.parametrize("level", ["modules", "rooms"])
def test_no_import_circle(level):
    graph = import_graph(PACKAGE)
    found = circle(graph if level == "modules" else rooms(graph))
    assert found is None, "import circle: " + " -> ".join(found or ())


def test_no_import_from_a_higher_floor():
    found = upward_imports(import_graph(PACKAGE), FLOORS)
    assert found == [], "imports from a higher floor:\n" + "\n".join(found)


def test_package_root_holds_few_modules():
    root_modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(root_modules) <= MAX_ROOT_MODULES, root_modules


def test_no_module_is_too_long():
    found = [f"{p} ({n} lines)" for p in sorted(PACKAGE.rglob("*.py"))
             if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES]
    assert found == [], f"modules over {MAX_MODULE_LINES} lines:\n" + "\n".join(found)


def test_no_function_is_too_long():
    found = [f for p in sorted(PACKAGE.rglob("*.py")) for f in long_functions(p, MAX_FUNCTION_LINES)]
    assert found == [], f"functions over {MAX_FUNCTION_LINES} lines of code:\n" + "\n".join(found)


def test_every_subpackage_is_an_attribute_after_a_bare_import():
    folders = sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py")
                     if not p.parent.name.startswith("_"))
    script = (
        "import json, sys\n"
        "import ksparse\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('ksparse', 'dask', 'matplotlib'))\n"
        f"folders = {folders!r}\n"
        "listed = [name in dir(ksparse) for name in folders]\n"
        "same = [getattr(ksparse, name) is sys.modules['ksparse.' + name] for name in folders]\n"
        "# one sub-package may load another first: ask the hook itself for each\n"
        "hook = [ksparse.__getattr__(name) is sys.modules['ksparse.' + name] for name in folders]\n"
        "print(json.dumps({'loaded': loaded, 'listed': listed, 'same': same, 'hook': hook}))\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(PACKAGE.parent)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, cwd=PACKAGE.parent)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert len(folders) >= 15 and all(seen["listed"] + seen["same"] + seen["hook"]), (
        folders, seen)
    # import ksparse stays light: what needs dask or matplotlib loads when asked for
    heavy = ("dask", "matplotlib", "ksparse.datasets", "ksparse.plotting", "ksparse.cli")
    assert [m for m in seen["loaded"] if m in heavy] == []


def test_other_attributes_still_raise():
    with pytest.raises(AttributeError, match="module 'ksparse' has no attribute 'nothing'"):
        ksparse.nothing  # noqa: B018


# --- the checks themselves, on made-up packages ---------------------------------------------------

def _package(tmp_path, files):
    root = tmp_path / "pkg"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_a_circle_through_a_function_level_import_is_found(tmp_path):
    root = _package(tmp_path, {
        "__init__.py": "",
        "low/__init__.py": "",
        "low/a.py": "from .b import f\n",
        "low/b.py": "def f():\n    from . import c\n",
        "low/c.py": "import pkg.low.a\n",
    })
    assert circle(import_graph(root)) == ["pkg.low.a", "pkg.low.b", "pkg.low.c", "pkg.low.a"]


def test_an_import_of_a_higher_floor_is_found(tmp_path):
    root = _package(tmp_path, {
        "__init__.py": "from .high import x\n",
        "low.py": "def f():\n    from .high.x import g\n",
        "high/__init__.py": "",
        "base.py": "",
        "high/x.py": "from .. import base\n",
    })
    floors = (("low", "base"), ("high",), ("__init__",))
    assert circle(import_graph(root)) is None
    assert upward_imports(import_graph(root), floors) == [
        "pkg.low (floor 0) -> pkg.high (floor 1)", "pkg.low (floor 0) -> pkg.high.x (floor 1)"]


def test_a_long_function_is_found_and_its_docstring_and_comments_are_not_counted(tmp_path):
    body = "".join(f"    x{i} = {i}\n    # why\n\n" for i in range(40))
    path = tmp_path / "m.py"
    path.write_text(f'def f():\n    """Doc.\n\n    More.\n    """\n{body}\ndef g():\n{body}    return 1\n')
    assert long_functions(path, 40) == [f"{path}:127 g (41 lines)"]
