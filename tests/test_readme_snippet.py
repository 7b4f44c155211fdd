"""The README's usage snippet runs as printed and does what the text beside it says."""
import pathlib
import re

import numpy as np

README = pathlib.Path(__file__).resolve().parents[1] / "README.rst"


def usage_snippet():
    """The Python block under the README's "Using the model" heading, dedented."""
    text = README.read_text(encoding="utf-8")
    section = text.split("Using the model\n===============\n", 1)[1]
    block = re.search(r"\.\. code-block:: python\n\n((?:    .*\n|\n)+)", section).group(1)
    return "\n".join(line[4:] for line in block.splitlines())


def test_readme_usage_snippet_trains_without_dead_units_and_reloads(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the snippet writes model.npz where it runs
    names = {}
    exec(compile(usage_snippet(), "README.rst", "exec"), names)
    model, same, X = names["model"], names["same"], names["X"]
    # The text: Adam with k falling from k_start leaves none of the 256 units dead.
    assert model.history_[-1]["dead_units"] == 0
    assert model.history_[-1]["k"] == 10
    # alpha * k = 30 units per row in the features; the reloaded model encodes the same.
    assert ((names["H"] != 0).sum(axis=1) == 30).all()
    np.testing.assert_array_equal(same.transform(X), names["H"])
