"""The exercise checks pass right answers, fail wrong ones with a useful message,
and the student version of an example keeps no solution."""
import json
import math
import os
import re
import stat
import textwrap

import numpy as np
import pytest

import ksparse
from ksparse import exercises as ex
from ksparse.exercises import _reference as ref
from ksparse.exercises.gradients import gradient_cases
from ksparse.exercises.theorem import theorem_dictionaries


# ------------------------------------------------------------------ answers
def topk_right(z, k):
    order = np.argsort(-z, axis=1, kind="stable")[:, :k]
    mask = np.zeros(z.shape, dtype=bool)
    np.put_along_axis(mask, order, True, axis=1)
    return mask


def topk_threshold(z, k):  # keeps every tie at the k-th value
    return z >= np.sort(z, axis=1)[:, -k][:, None]


def topk_smallest(z, k):
    return topk_right(-z, k)


def topk_sorts_in_place(z, k):
    mask = topk_right(z, k)
    z.sort(axis=1)
    return mask


def alpha_right(X, W, b, k, alpha):
    z = X @ W + b
    return z * topk_right(z, int(round(alpha * k)))


def alpha_trunc(X, W, b, k, alpha):
    z = X @ W + b
    return z * topk_right(z, int(alpha * k))


def alpha_ceil(X, W, b, k, alpha):
    z = X @ W + b
    return z * topk_right(z, math.ceil(alpha * k))


def grad_right(X, W, b, b_prime, k):
    z = X @ W + b
    z_k = z * topk_right(z, k)
    return 2.0 * (z_k @ W.T + b_prime - X).mean(axis=0)


def grad_pre_bias_right(X, W, b, b_prime, k):
    z = (X - b_prime) @ W + b
    mask = topk_right(z, k)
    r = (z * mask) @ W.T + b_prime - X  # (n, d), x̂ − x
    delta = (r @ W) * mask  # (n, h), the error reaching the kept units
    return 2.0 * (r - delta @ W.T).mean(axis=0)


def schedule_right(step, total_steps, k, k_start):
    half = total_steps // 2
    if k_start is None or step >= half:
        return k
    return int(round(k_start + (k - k_start) * step / half))


def theorem_right(W):
    W = W / np.linalg.norm(W, axis=0)
    gram = np.abs(W.T @ W)
    np.fill_diagonal(gram, 0)
    return int(np.floor(0.5 / gram.max() + 1e-9))


def theorem_unnormalized(W):
    gram = np.abs(W.T @ W)
    np.fill_diagonal(gram, 0)
    return int(np.floor(0.5 / gram.max() + 1e-9))


def theorem_with_diagonal(W):
    W = W / np.linalg.norm(W, axis=0)
    return int(np.floor(0.5 / np.abs(W.T @ W).max() + 1e-9))


def theorem_signed(W):  # μ without the absolute value: negative pairs are missed
    W = W / np.linalg.norm(W, axis=0)
    gram = W.T @ W
    np.fill_diagonal(gram, 0)
    return int(np.floor(0.5 / gram.max() + 1e-9))


def stub(*args, **kwargs):
    raise NotImplementedError


# ------------------------------------------------------------------ references
def test_reference_gradient_matches_finite_differences():
    """The checks' analytic reference is itself checked against central differences."""
    for pre_bias in (False, True):
        for X, W, b, b_prime, k in gradient_cases(7, n_cases=3, pre_bias=pre_bias):
            eps, fd = 1e-6, np.zeros_like(b_prime)
            for j in range(b_prime.size):
                e = np.zeros_like(b_prime)
                e[j] = eps
                fd[j] = (ref.loss(X, W, b, b_prime + e, k, pre_bias)
                         - ref.loss(X, W, b, b_prime - e, k, pre_bias)) / (2 * eps)
            np.testing.assert_allclose(ref.b_prime_gradient(X, W, b, b_prime, k, pre_bias), fd,
                                       rtol=1e-6, atol=1e-8)


def test_reference_topk_against_hand_case():
    z = np.array([[0.5, -1.0, 2.0, 0.7]])
    assert ref.topk_support(z, 2).tolist() == [[2, 3]]
    assert ref.valid_topk(z, np.array([[False, False, True, True]]), 2)
    assert not ref.valid_topk(z, np.array([[True, False, True, False]]), 2)


def test_a_theorem_dictionary_has_its_most_coherent_pair_negative():
    # I_16 and a = (−1/2, −1/2, −1/2, 1/4, 1/4, 1/4, 1/4, 0, ...), ‖a‖ = 1: |⟨eᵢ, a⟩| is
    # 1/2 at most (μ = 1/2, k = 1), the largest signed one 1/4 (k = 2 if the sign is kept).
    name, W, k = next(c for c in theorem_dictionaries() if "negative" in c[0])
    atom = np.r_[[-0.5] * 3, [0.25] * 4, [0.0] * 9]
    np.testing.assert_array_equal(W, np.hstack([np.eye(16), atom[:, None]]))
    assert k == 1 and theorem_signed(W) == 2


# ------------------------------------------------------------------ checks
RIGHT = [
    (ex.check_topk_mask, topk_right),
    (ex.check_alpha_k_encoding, alpha_right),
    (ex.check_b_prime_gradient, grad_right),
    (ex.check_pre_bias_gradient, grad_pre_bias_right),
    (ex.check_sparsity_schedule, schedule_right),
    (ex.check_theorem_k, theorem_right),
    (ex.check_dead_units_cause, "b"),
]


NAMES = {ex.check_topk_mask: "top-k mask", ex.check_alpha_k_encoding: "alpha-k encoding",
         ex.check_b_prime_gradient: "gradient of b′",
         ex.check_pre_bias_gradient: "gradient of b′ with pre-bias",
         ex.check_sparsity_schedule: "sparsity schedule",
         ex.check_theorem_k: "largest k for Theorem 3.1", ex.check_dead_units_cause: "why units die",
         ex.check_dead_units_fix: "fix the dead units"}


@pytest.mark.parametrize("check, answer", RIGHT, ids=lambda v: getattr(v, "__name__", v))
def test_check_passes_the_right_answer(check, answer):
    result = check(answer)
    assert isinstance(result, ex.CheckResult)
    assert result.passed, result.message
    assert result.message.endswith(".") and len(result.message) > 20
    assert bool(result) and str(result) == f"[correct] {NAMES[check]}: {result.message}"


def test_the_cause_of_dead_units_is_explained_when_right():
    assert str(ex.check_dead_units_cause(" B ")) == (
        "[correct] why units die: (b): the shared mean moves a unit on every image at once. "
        "Centring the input, or a pre-encoder bias b′, removes it.")


WRONG = [
    (ex.check_topk_mask, topk_threshold, "expected exactly"),
    (ex.check_topk_mask, topk_smallest, r"row \d+ keeps units \[.*\], but the \d+ largest are"),
    (ex.check_topk_mask, lambda z, k: topk_right(z, k).astype(int), "boolean"),
    (ex.check_topk_mask, lambda z, k: topk_right(z, k)[:, :-1], "shape"),
    (ex.check_topk_mask, topk_sorts_in_place, "changed its input"),
    (ex.check_topk_mask, lambda z, k: None, "returned None"),
    (ex.check_topk_mask, 3, "expected a function"),
    (ex.check_alpha_k_encoding, lambda X, W, b, k, a: alpha_right(X, W, b, k, 1.0),
     "keeps k units"),
    # Near misses: α·k truncated, or rounded up, instead of rounded (settings with
    # a fractional α·k below and above one half catch each).
    (ex.check_alpha_k_encoding, lambda X, W, b, k, a: alpha_trunc(X, W, b, k, a),
     "do not truncate or round up"),
    (ex.check_alpha_k_encoding, lambda X, W, b, k, a: alpha_ceil(X, W, b, k, a),
     "do not truncate or round up"),
    (ex.check_alpha_k_encoding, lambda X, W, b, k, a: alpha_right(X, W, 0 * b, k, a),
     "without the bias"),
    (ex.check_alpha_k_encoding, lambda X, W, b, k, a: alpha_right(X, W, b, k, a) != 0,
     "the mask"),
    (ex.check_alpha_k_encoding, lambda X, W, b, k, a: np.maximum(alpha_right(X, W, b, k, a), 0),
     "negative"),
    (ex.check_b_prime_gradient, lambda *a: -grad_right(*a), "sign"),
    (ex.check_b_prime_gradient, lambda *a: grad_right(*a) / 2, "factor 2"),
    (ex.check_b_prime_gradient, lambda X, *a: grad_right(X, *a) * X.shape[0], "batch size"),
    (ex.check_b_prime_gradient, lambda X, W, b, bp, k: 2 * ((X @ W + b) @ W.T + bp - X),
     "shape"),
    (ex.check_b_prime_gradient, lambda X, W, b, bp, k: 0 * bp + 1, "differs"),
    (ex.check_pre_bias_gradient, grad_right, "the encoder must see x − b′"),
    (ex.check_sparsity_schedule, lambda s, t, k, ks: k, "expected"),
    (ex.check_sparsity_schedule, lambda s, t, k, ks: float(k), "must be an int"),
    (ex.check_sparsity_schedule,
     lambda s, t, k, ks: k if ks is None or s >= t else round(ks + (k - ks) * s / t), "expected"),
    (ex.check_theorem_k, lambda W: theorem_right(W) + 1, "> 1/2"),
    (ex.check_theorem_k, lambda W: max(theorem_right(W) - 1, 0), "still satisfies"),
    (ex.check_theorem_k, lambda W: 0.5 / np.abs(W.T @ W - np.eye(W.shape[1])).max(), "integer"),
    (ex.check_theorem_k, theorem_unnormalized, "normalize"),
    (ex.check_theorem_k, theorem_with_diagonal, "leave out"),
    (ex.check_theorem_k, theorem_signed, "got k = 2, expected 1; μ uses \\|⟨wᵢ, wⱼ⟩\\|"),
    (ex.check_dead_units_cause, "a", "not \\(a\\)"),
    (ex.check_dead_units_cause, "d", "not \\(d\\)"),
    (ex.check_dead_units_cause, None, "one of"),
]


@pytest.mark.parametrize("check, answer, message", WRONG)
def test_check_fails_a_wrong_answer_and_says_why(check, answer, message):
    result = check(answer)
    assert not result.passed
    assert str(result) == f"[not yet] {NAMES[check]}: {result.message}"
    assert re.search(message, result.message), result.message


@pytest.mark.parametrize("check", [c for c, _ in RIGHT if c is not ex.check_dead_units_cause]
                         + [ex.check_dead_units_fix])
def test_check_reports_the_unfinished_stub(check):
    result = check(stub)
    assert not result.passed
    assert str(result) == (f"[not yet] {NAMES[check]}: your function still raises "
                           "NotImplementedError; replace the `raise` with your code.")


@pytest.mark.parametrize("rounding", [round, lambda v: int(np.floor(v + 0.5))],
                         ids=["half to even", "half up"])
def test_schedule_check_accepts_either_rounding_of_a_half(rounding):
    def schedule(step, total_steps, k, k_start):
        half = total_steps // 2
        if k_start is None or step >= half:
            return k
        return int(rounding(k_start + (k - k_start) * step / half))

    def one_too_many_at_step_1(step, total_steps, k, k_start):
        return schedule(step, total_steps, k, k_start) + (step == 1)

    assert ex.check_sparsity_schedule(schedule).passed
    assert not ex.check_sparsity_schedule(one_too_many_at_step_1).passed


def test_check_reports_a_crash_instead_of_raising():
    result = ex.check_topk_mask(lambda z, k: z[10**6])
    assert not result.passed and "IndexError" in result.message


# ------------------------------------------------------------------ dead units
def recording(**params):
    """A make_model that keeps the model it returns, so a test can read what was trained."""
    models = []

    def make(n_hidden, k):
        models.append(ksparse.KSparseAutoencoder(n_hidden=n_hidden, k=k, **params))
        return models[-1]
    return make, models


def fvu_on_the_checks_images(model):
    from ksparse.classroom.digits import make_glyph_digits
    from ksparse.nn.squared_error import fraction_of_variance_unexplained

    X, _ = make_glyph_digits(1000, random_state=4)  # random_state + 1, as the check draws
    return float(fraction_of_variance_unexplained(model.reconstruct(X), X))


@pytest.mark.parametrize("fix", [{"center": True}, {"pre_bias": True}])
def test_dead_units_fix_passes_centring_and_pre_bias(fix):
    make, models = recording(**fix)
    result = ex.check_dead_units_fix(make, random_state=3)
    model, = models
    # The check trains 3 quiet epochs from the seed it is given, and reports the last one.
    assert (model.epochs, model.random_state, model.verbose) == (3, 3, False)
    dead, fvu = model.history_[-1]["dead_units"], fvu_on_the_checks_images(model)
    assert str(result) == (f"[correct] fix the dead units: {dead} of 100 units dead after 3 "
                           f"epochs (the literal recipe: about 45), FVU {fvu:.2f}.")


def test_the_dead_units_quoted_for_the_literal_recipe_are_what_it_leaves():
    # The check's messages (and the example's prose) quote "about 45" dead units
    # for the literal recipe; train it as the check does on five seeds.
    from ksparse.exercises.dead_units import _LITERAL_DEAD, _train_and_count

    dead = []
    for seed in range(5):
        make, models = recording()  # the default settings: the paper's recipe
        dead.append(_train_and_count(make(100, 20), seed)[0])
    assert abs(float(np.median(dead)) - _LITERAL_DEAD) <= 8, dead
    assert min(dead) > 10  # every seed fails the check (more than 10 dead)


def test_dead_units_fix_reports_the_last_epochs_dead_units_and_the_model():
    make, models = recording()  # the literal recipe
    result = ex.check_dead_units_fix(make, random_state=3)
    model, = models
    dead = [h["dead_units"] for h in model.history_]
    assert len(set(dead)) == 3  # the epochs differ, so the count read is the last one
    assert str(result) == (
        f"[not yet] fix the dead units: {dead[-1]} of 100 units are still dead after 3 epochs "
        f"(pass: at most 10); {textwrap.shorten(repr(model), 200)}.")
    assert repr(model) in result.message


@pytest.mark.parametrize("make", [lambda n, kk: (n, kk), lambda n_hidden, k, /: (n_hidden, k)],
                         ids=["other names", "positional-only"])
def test_dead_units_fix_calls_make_model_positionally(make):
    # make_model(n_hidden, k) as documented: any names do, and 100, 20 come in that order.
    assert str(ex.check_dead_units_fix(make)) == (
        "[not yet] fix the dead units: make_model must return a KSparseAutoencoder, "
        "got (100, 20).")


@pytest.mark.parametrize("make, message", [
    (lambda n_hidden, k: ksparse.KSparseAutoencoder(n_hidden=n_hidden, k=k, learning_rate=1e-3),
     "still dead"),
    (lambda n_hidden, k: ksparse.KSparseAutoencoder(n_hidden=n_hidden, k=k, k_start=100),
     "still dead"),
    (lambda n_hidden, k: ksparse.KSparseAutoencoder(n_hidden=n_hidden, k=k, learning_rate=1.0),
     "^training diverged \\(non-finite loss\\); lower the learning rate\\.$"),
    (lambda n_hidden, k: ksparse.KSparseAutoencoder(n_hidden=n_hidden, k=100),
     "^keep k = 20 \\(got 100\\); the fix must not change the problem\\.$"),
    (lambda n_hidden, k: "center=True",
     "^make_model must return a KSparseAutoencoder, got 'center=True'\\.$"),
])
def test_dead_units_fix_fails_what_does_not_fix(make, message):
    result = ex.check_dead_units_fix(make)
    assert not result.passed and result.exercise == "fix the dead units"
    assert re.search(message, result.message), result.message


# ------------------------------------------------------------------ student version
SOURCE = '''\
import numpy as np


def f(z):
    # BEGIN SOLUTION
    secret_line = z + 1
    return secret_line
    # END SOLUTION


# BEGIN SOLUTION
# STUB: answer = None  # your letter
answer = "b"
# END SOLUTION
print(answer)
'''


def test_student_version_cuts_solutions_and_leaves_stubs():
    student = ex.student_version(SOURCE)
    assert "secret_line" not in student and '"b"' not in student
    assert "SOLUTION" not in student and "STUB" not in student
    assert '    raise NotImplementedError("Exercise: write your solution here.")' in student
    assert "\nanswer = None  # your letter\n" in student
    compile(student, "student.py", "exec")
    namespace = {}
    exec(student, namespace)  # the script runs: the stub is only hit when f is called
    assert namespace["answer"] is None
    with pytest.raises(NotImplementedError):
        namespace["f"](1)


@pytest.mark.parametrize("source, message", [
    ("# BEGIN SOLUTION\nx = 1\n", "never closed"),
    ("x = 1\n# END SOLUTION\n", "without a # BEGIN SOLUTION"),
    ("# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION\n", "do not nest"),
])
def test_student_version_rejects_broken_markers(source, message):
    with pytest.raises(ValueError, match=message):
        ex.student_version(source)


def test_student_version_rejects_non_text():
    with pytest.raises(TypeError, match="source must be a str"):
        ex.student_version(b"x = 1")


def test_write_student_version_is_atomic_and_refuses_to_overwrite_the_source(tmp_path):
    src = tmp_path / "plot_x.py"
    src.write_text(SOURCE, encoding="utf-8")
    out = ex.write_student_version(src, tmp_path / "student_x.py")
    assert out.read_text(encoding="utf-8") == ex.student_version(SOURCE)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plot_x.py", "student_x.py"]
    with pytest.raises(ValueError, match="dst must differ from src"):
        ex.write_student_version(src, src)


def _notebook(*code_cells):
    """A notebook in nbformat 4's JSON, a markdown cell then ``code_cells`` with an output each."""
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# The lesson\n"]}]
    for code in code_cells:
        cells.append({"cell_type": "code", "execution_count": 3, "metadata": {},
                      "outputs": [{"output_type": "stream", "name": "stdout",
                                   "text": ["[correct] secret_output\n"]}],
                      "source": code.splitlines(keepends=True)})
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def test_write_student_version_of_a_script_is_readable_by_others(tmp_path):
    src = tmp_path / "plot_x.py"
    src.write_text(SOURCE, encoding="utf-8")
    umask = os.umask(0o022)
    try:
        out = ex.write_student_version(src, tmp_path / "student_x.py")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert "secret_line" not in out.read_text(encoding="utf-8")


def test_write_student_version_of_a_notebook_cuts_every_cell_and_clears_outputs(tmp_path):
    src = tmp_path / "plot_x.ipynb"
    src.write_text(_notebook("import numpy as np\n", SOURCE), encoding="utf-8")
    out = ex.write_student_version(src, tmp_path / "student_x.ipynb")
    text = out.read_text(encoding="utf-8")
    assert "secret" not in text and "SOLUTION" not in text and '"b"' not in text
    notebook = json.loads(text)
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert [c["outputs"] for c in code] == [[], []]
    assert [c["execution_count"] for c in code] == [None, None]
    assert "".join(code[1]["source"]) == ex.student_version(SOURCE)
    assert notebook["cells"][0]["source"] == ["# The lesson\n"]  # prose kept
    assert notebook["nbformat"] == 4


@pytest.mark.parametrize("name, text", [
    ("plot_plain.py", "print('no exercise here')\n"),
    ("plot_plain.ipynb", _notebook("print('no exercise here')\n")),
])
def test_write_student_version_refuses_a_file_without_exercises(tmp_path, name, text):
    src = tmp_path / name
    src.write_text(text, encoding="utf-8")
    dst = tmp_path / ("student" + src.suffix)
    with pytest.raises(ValueError, match=r"^src \(.*plot_plain.* holds no exercise"):
        ex.write_student_version(src, dst)
    assert not dst.exists()


@pytest.mark.parametrize("src_name, dst_name, message", [
    ("plot_x.txt", "student.txt", "src must be an example script"),
    ("plot_x.py", "student.ipynb", r"dst must end in \.py"),
    ("plot_x.ipynb", "student.ipynb", "is not a Jupyter notebook"),
])
def test_write_student_version_refuses_other_files(tmp_path, src_name, dst_name, message):
    src = tmp_path / src_name
    src.write_text(SOURCE, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        ex.write_student_version(src, tmp_path / dst_name)
