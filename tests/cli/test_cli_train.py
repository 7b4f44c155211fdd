"""``ksparse train``: the lines it prints, and its own messages, word for word.

Written against the surviving mutants of ``ksparse/cli/_train.py`` (issue 26):
the summary line, the progress bar that ``--quiet`` turns off, the warning of
the adam recipe, a diverged run, a failed save and the checkpoint options.
"""
import numpy as np
import pytest
from _cli_helpers import user_error
from _cli_helpers import files, offline  # noqa: F401 (fixtures: tiny files; no network)

import ksparse
from ksparse.cli import main
from ksparse.cli._train import dead_units_warning


def train(files, tmp_path, *options):
    out = tmp_path / "m.npz"
    argv = ["train", files["X"], "--hidden", "8", "--k", "2", "--seed", "0", *options,
            "--out", out]
    return main([str(a) for a in argv]), out


@pytest.mark.parametrize("epochs, word", [(1, "epoch"), (2, "epochs")])
def test_train_prints_the_model_file_then_the_final_loss_and_dead_units(
        files, tmp_path, capsys, epochs, word):
    status, out = train(files, tmp_path, "--epochs", str(epochs), "--quiet")
    assert status == 0
    last = ksparse.load(out).history_[-1]
    assert capsys.readouterr().out == (
        f"model: {out}\nfinal loss {last['loss']:.6g} (squared error per example) after "
        f"{epochs} {word}, {last['dead_units']} dead units\n")


@pytest.mark.parametrize("quiet", [True, False])
def test_quiet_turns_the_progress_bar_off(files, tmp_path, quiet):
    # tests/conftest.py hides every bar, so the flag is read back from the model file.
    status, out = train(files, tmp_path, "--epochs", "1", *(["--quiet"] if quiet else []))
    assert status == 0
    assert ksparse.load(out).verbose is (not quiet)


def test_the_adam_recipe_warns_to_train_longer(tmp_path, capsys):
    # 64 rows keep at most 4 units each (k falls from 4k = 4 to 1), so at
    # least 400 - 256 units of 400 are never chosen: more than a fifth.
    np.save(tmp_path / "x.npy", np.random.default_rng(0).random((64, 6)).astype(np.float32))
    out = tmp_path / "m.npz"
    assert main(["train", str(tmp_path / "x.npy"), "--hidden", "400", "--k", "1", "--epochs",
                 "1", "--seed", "0", "--quiet", "--recipe", "adam", "--out", str(out)]) == 0
    dead = ksparse.load(out).history_[-1]["dead_units"]
    assert dead >= 144
    assert capsys.readouterr().err == (
        f"ksparse: warning: {dead} of 400 hidden units are dead (never among the k largest "
        "in the last epoch); train longer (--epochs) or with fewer units (--hidden).\n")


@pytest.mark.parametrize("recipe, fix", [
    ("paper", "train with --recipe adam (centred inputs, Adam, k falling from 4k as in "
              "§4.2.1), which keeps most of them alive"),
    ("centred", "train with --recipe adam (centred inputs, Adam, k falling from 4k as in "
                "§4.2.1), which keeps most of them alive"),
    ("adam", "train longer (--epochs) or with fewer units (--hidden)"),
])
def test_dead_units_warning_word_for_word(recipe, fix):
    assert dead_units_warning(21, 100, recipe) == (
        f"21 of 100 hidden units are dead (never among the k largest in the last epoch); "
        f"{fix}.")


def test_a_diverged_run_exits_1_and_suggests_a_smaller_learning_rate(tmp_path, capsys):
    np.save(tmp_path / "x.npy", np.random.default_rng(0).random((64, 6)).astype(np.float32))
    out = tmp_path / "m.npz"
    assert main(["train", str(tmp_path / "x.npy"), "--hidden", "8", "--k", "2", "--epochs", "2",
                 "--seed", "0", "--quiet", "--recipe", "paper", "--learning-rate", "1e30",
                 "--out", str(out)]) == 1
    assert not out.exists()
    err = capsys.readouterr().err
    assert err.startswith("ksparse: error: training diverged (Non-finite loss or gradient at "
                          "epoch 1, step 1")
    assert err.endswith("); try a smaller --learning-rate.\n") and err.count("\n") == 1


def test_a_failed_save_names_the_out_option(files, tmp_path, capsys, monkeypatch):
    def disk_full(self, path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ksparse.KSparseAutoencoder, "save", disk_full)
    out = tmp_path / "m.npz"
    line = user_error(capsys, ["train", files["X"], "--hidden", "8", "--k", "2", "--epochs",
                               "1", "--quiet", "--out", out], "No space left")
    assert line == f"ksparse: error: --out {out}: [Errno 28] No space left on device"


@pytest.mark.parametrize("options, message", [
    (["--resume"], "--resume needs --checkpoint PATH to resume from."),
    (["--checkpoint", "{out}"], "--checkpoint and --out must be different files."),
    (["--checkpoint", "{missing}/run.ckpt"],
     "--checkpoint {missing}/run.ckpt: the folder {missing} does not exist."),
    (["--checkpoint", "{tmp}"], "--checkpoint {tmp} is a folder; give a file name."),
])
def test_checkpoint_options_are_checked_before_training(files, tmp_path, capsys, options,
                                                        message):
    names = dict(out=tmp_path / "m.npz", missing=tmp_path / "missing", tmp=tmp_path)
    argv = ["train", files["X"], "--hidden", "8", "--k", "2", "--epochs", "1", "--quiet",
            *[o.format(**names) for o in options], "--out", names["out"]]
    line = user_error(capsys, argv, "")
    assert line == "ksparse: error: " + message.format(**names)
    assert not names["out"].exists()


def test_train_defaults_are_the_documented_ones():
    from ksparse.cli import _build_parser

    args = _build_parser().parse_args(["train", "x.npy"])
    assert {name: getattr(args, name) for name in (
        "hidden", "k", "alpha", "epochs", "batch_size", "init_std", "untied", "seed", "dtype",
        "recipe", "k_start", "learning_rate", "lr_end", "momentum", "optimizer", "center",
        "pre_bias", "out", "checkpoint", "resume", "quiet")} == dict(
        hidden=1000, k=25, alpha=1.0, epochs=20, batch_size=128, init_std=0.01, untied=False,
        seed=None, dtype=None, recipe="adam", k_start=None, learning_rate=None, lr_end=None,
        momentum=None, optimizer=None, center=None, pre_bias=None, out="model.npz",
        checkpoint=None, resume=False, quiet=False)


@pytest.mark.parametrize("option, text, value", [
    ("--optimizer", "momentum", "momentum"), ("--optimizer", "adam", "adam"),
    ("--dtype", "float32", "float32"), ("--dtype", "float64", "float64"),
    ("--lr-end", "0.001", 0.001), ("--momentum", "0.5", 0.5), ("--alpha", "1.5", 1.5),
])
def test_train_options_parse_their_values(option, text, value):
    from ksparse.cli import _build_parser

    parsed = vars(_build_parser().parse_args(["train", "x.npy", option, text]))
    got = parsed[option[2:].replace("-", "_")]
    assert got == value and type(got) is type(value)


def test_an_unknown_recipe_is_refused_by_the_parser(files, capsys):
    user_error(capsys, ["train", files["X"], "--recipe", "sgd"],
               "argument --recipe: invalid choice: 'sgd'")


def commands():
    """The sub-command action of the ``ksparse`` parser."""
    from ksparse.cli import _build_parser

    return next(a for a in _build_parser()._actions if a.dest == "command")


def test_every_train_option_says_what_it_does_and_the_default_it_names_is_the_real_one():
    parser = commands().choices["train"]
    assert "ksparse.load" in parser.description  # how to read the file back
    for action in parser._actions:
        if action.dest == "help":
            continue
        assert action.help, action.option_strings
        shown = action.help % {"default": action.default}
        # Options with a value of their own (not None, not a flag) name it, e.g. "(25)".
        if action.default not in (None, False):
            assert str(action.default) in shown, (action.option_strings, shown)
    for group in parser._action_groups:
        assert group.title
    listed = {choice.dest: choice.help for choice in commands()._choices_actions}
    assert listed["train"]  # its line in 'ksparse --help'
    checkpoint = next(a for a in parser._actions if "--checkpoint" in a.option_strings)
    assert checkpoint.metavar == "PATH"


@pytest.mark.parametrize("dtype", ["float16", "int8"])
def test_dtype_offers_the_two_float_precisions(files, tmp_path, capsys, dtype):
    user_error(capsys, ["train", files["X"], "--dtype", dtype, "--out", tmp_path / "m.npz"],
               "argument --dtype: invalid choice")
    assert not (tmp_path / "m.npz").exists()


@pytest.mark.parametrize("option, value", [("--learning-rate", "1e39"), ("--init-std", "1e39")])
def test_weights_beyond_float32_end_as_a_diverged_run_in_one_line(tmp_path, capsys, option,
                                                                   value):
    # The activities turn NaN (inf − inf) before any loss is formed; the top-k
    # selection reports it, as a diverged run, not as a traceback.
    np.save(tmp_path / "x.npy", np.random.default_rng(0).random((64, 6)).astype(np.float32))
    assert main(["train", str(tmp_path / "x.npy"), "--hidden", "8", "--k", "2", "--epochs", "2",
                 "--batch-size", "16", "--seed", "0", "--quiet", option, value,
                 "--out", str(tmp_path / "m.npz")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ksparse: error: training diverged") and err.count("\n") == 1
