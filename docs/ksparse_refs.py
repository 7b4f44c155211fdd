"""Where each ksparse object is documented, and the links to it by any of its names.

Each object is documented once (Sphinx refuses two descriptions of one
class), under the deepest package that exports it (``home_of``). Docstrings
and pages name it by other names too: as users import it
(``ksparse.KSparseAutoencoder``), by the module that defines it
(``ksparse.nn.supp_k.topk_mask``) or by its short name.
``resolve_ksparse_aliases``, connected to Sphinx's ``missing-reference``
event by ``docs/conf.py``, links those to the one description.
"""
import importlib
import re


def home_of(module_name, name, obj):
    """Where ``obj`` is documented: the deepest package above its module exporting it.

    Each object is documented once, under the name users import it by:
    ``ksparse.KSparseAutoencoder``, ``ksparse.datasets.load_mnist``.
    Objects no package re-exports stay with their own module. Classes and
    functions know their module; data (a tuple, a dict) is taken to come
    from ``module_name``, where it is listed.
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


def object_at(dotted):
    """(object, module name, attribute names) that the ksparse name ``dotted`` denotes, or None."""
    parts = dotted.split(".")
    if parts[0] != "ksparse" or "__main__" in parts:  # importing it would run the command line
        return None
    for depth in range(len(parts), 0, -1):
        module_name = ".".join(parts[:depth])
        try:
            obj = importlib.import_module(module_name)
        except ImportError:
            continue
        for part in parts[depth:]:
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        return obj, module_name, parts[depth:]
    return None


def documented_as(dotted):
    """The name under which the object ``dotted`` names is documented (``home_of``), or None."""
    found = object_at(dotted)
    if found is None or not found[2]:
        return None  # not a ksparse object, or a module (documented under its own name)
    _, module_name, attributes = found
    top = getattr(importlib.import_module(module_name), attributes[0])
    return ".".join([home_of(module_name, attributes[0], top), *attributes])


def resolve_ksparse_aliases(app, env, node, contnode):
    """Link a reference to a ksparse object by any name it can be imported by.

    Each object is documented once, under the deepest package that exports it
    (``ksparse.models.KSparseAutoencoder``, ``ksparse.nn.topk_mask``), but
    docstrings and pages name it as users import it (``ksparse.KSparseAutoencoder``),
    by the module that defines it (``ksparse.nn.supp_k.topk_mask``) or, in a
    module's own docstring, by its short name. Sphinx would leave those as
    plain text without a warning; here the name is followed to the object,
    and the reference to where that object is documented.
    """
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"].lstrip(".~")
    candidates = [target]
    if not target.startswith("ksparse."):
        # A short name is relative to where the reference is rendered, or, in a
        # docstring, to the class and module that define the documented object.
        module, cls = node.get("py:module"), node.get("py:class")
        scopes = [f"{module}.{cls}" if cls else None, module]
        source = re.search(r"docstring of (ksparse[\w.]*)", node.source or "")
        if source:
            parts = source.group(1).split(".")
            scopes += [".".join(parts[:depth]) for depth in range(len(parts), 0, -1)]
        candidates = [f"{scope}.{target}" for scope in scopes if scope]
    domain = env.get_domain("py")
    for candidate in candidates:
        documented = documented_as(candidate)
        if documented and documented != target and documented in domain.objects:
            return domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"],
                                       documented, node, contnode)
    return None
