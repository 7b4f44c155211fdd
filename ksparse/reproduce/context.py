"""Shared machinery of ``ksparse reproduce``: data, cached models, resumable results.

Everything an experiment produces is kept under the output folder:
``models/NAME.npz`` for trained models (with ``models/NAME.DIGEST.ckpt``
while training, so an interrupted run resumes mid-training; DIGEST names
the settings, so a run of other settings starts afresh) and ``results.json``
for finished table rows and training times (summed over the sessions of a
resumed training), so running the same command again skips what is done
and continues where it stopped. Rows written under an earlier
``PROTOCOL`` are not read back: they are computed again. Rows record the
mode that made them (``quick`` or ``full``): a run reads back only its own
mode's rows and keeps the other mode's aside in ``results.json``, so a
report never mixes the two, and switching back reuses them. With several
seeds, the models and rows of seed s > 0 get their own names (see
:mod:`ksparse.reproduce.seeds`); seed 0's are those of a single run.
"""
__all__ = ["Context", "check_out", "check_seeds"]

import contextlib
import hashlib
import json
import os
import re
import time

import numpy as np
from tqdm.auto import tqdm

from ..io.atomic import write_atomically
from ..io.model_files import load
from ..models.k_sparse import KSparseAutoencoder
from ..training.checkpoint import read_progress, run_identity

# Raised whenever a change makes earlier rows incomparable with new ones
# (2: classifiers refit on train + validation, Table 3 on 60,000 images;
# 3: rows record their mode, which rows of 2 leave unknown). Rows of another
# protocol are recomputed; trained models are kept, since
# ``Context.autoencoder`` checks their settings itself.
PROTOCOL = 3

#: The settings a run uses: ``quick`` or ``full``.
MODES = ("quick", "full")

# Keys about the files in models/, which runs of both modes share (a model
# is reused only with the same settings); every other key (a row, its
# curve, seeds and machines) belongs to the mode that computed it.
_MODEL_KEYS = ("seconds/", "training/")


class Context:
    """Paths, data and caches for one ``reproduce`` run.

    Parameters
    ----------
    out : str
        Output folder (created when missing).
    data_dir : str or None
        Where the datasets are (see :mod:`ksparse.datasets`).
    quick : bool
        Smaller settings that finish in minutes.
    verbose : bool
        Progress bars and progress lines.
    seeds : int, default=1
        Seeds 0 … seeds−1 of every row trained from a random initialisation.
    """

    def __init__(self, out, data_dir=None, quick=False, verbose=True, seeds=1):
        check_seeds(seeds)
        self.out, self.data_dir, self.quick, self.verbose = out, data_dir, quick, verbose
        self.mode = MODES[0] if quick else MODES[1]
        self.seeds = int(seeds)
        stored = check_out(out)
        # What this run creates, for discard_if_unused: results.json is new when none was read.
        self._new = {"results.json": stored is None,
                     "models": not os.path.isdir(self.path("models"))}
        os.makedirs(self.path("models"), exist_ok=True)
        self._mnist = None
        self._results_path = os.path.join(out, "results.json")
        # This mode's results, and the other mode's rows kept aside (by mode).
        self.results, self._aside = _current(stored, self.mode) if stored else ({}, {})

    def log(self, message):
        """A progress line, through tqdm so it does not break a running bar; off unless verbose."""
        if self.verbose:
            tqdm.write(message)

    def mnist(self):
        """MNIST with the paper's split, loaded once."""
        if self._mnist is None:
            from ..datasets import load_mnist

            self._mnist = load_mnist(self.data_dir, progress=self.verbose)
        return self._mnist

    def path(self, *parts):
        return os.path.join(self.out, *parts)

    def autoencoder(self, name, X, X_val=None, estimator=KSparseAutoencoder, **settings):
        """Train ``estimator(**settings)`` under ``name``, or load it when already trained.

        A saved model is reused only when it is of the same class and has the
        same settings (``verbose`` aside); otherwise it is trained again,
        resuming the checkpoint of an interrupted run with these very
        settings and data shape (see ``_checkpoint``).

        Returns
        -------
        model : fitted estimator (a KSparseAutoencoder by default)
        seconds : float
            Training time, across every session of a resumed training (that
            of the earlier run when loaded).
        """
        path = self.path("models", f"{name}.npz")
        settings.setdefault("verbose", self.verbose)
        model = estimator(**settings)
        saved = self._saved_model(name, path)
        if saved is not None:
            wanted = model.get_params()
            wanted.pop("verbose")
            have = {k: v for k, v in saved.get_params().items() if k in wanted}
            if type(saved) is estimator and have == wanted:
                self.log(f"{name}: loaded {path}")
                return saved, self.results.get(f"seconds/{name}", 0.0)
        self.log(f"{name}: training {estimator.__name__} {settings}")
        checkpoint = self._checkpoint(name, model, X, X_val)
        seconds = self._fit(name, model, checkpoint, X, X_val)
        model.save(path)
        self.results.pop(f"training/{name}", None)  # written out with the time just below
        self.remember(f"seconds/{name}", seconds)
        os.unlink(checkpoint)
        return model, seconds

    def _saved_model(self, name, path):
        """The model saved at ``path``, or None when there is none or it cannot be read.

        A damaged file, or one of a model format this ksparse does not read,
        is only the cache's copy: the model is trained again and replaces it.
        """
        if not os.path.exists(path):
            return None
        try:
            return load(path)
        except ValueError as exc:
            self.log(f"{name}: training again, {path} cannot be read: {exc}")
            return None

    def _checkpoint(self, name, model, X, X_val):
        """The checkpoint path of training ``model`` on ``X``, the folder cleared of stale ones.

        The file is named by a digest of the run (class, settings, data shapes
        and dtypes), so it is resumed only by the run that wrote it. Any other
        checkpoint of ``name`` (of other settings, e.g. an interrupted
        ``--quick`` run, or of an older ksparse) is the cache's own leftover
        and deleted, as is one that cannot be read; that model starts afresh.
        """
        path = self.path("models", f"{name}.{_run_digest(model, X, X_val)}.ckpt")
        stale = re.compile(re.escape(name) + r"(\.[0-9a-f]{16})?\.ckpt")
        for file in sorted(os.listdir(self.path("models"))):
            if stale.fullmatch(file) and self.path("models", file) != path:
                self.log(f"{name}: removing {file}, the checkpoint of other settings")
                os.unlink(self.path("models", file))
        if os.path.exists(path):
            try:
                read_progress(path)
            except ValueError as exc:  # damaged or of an unknown format
                self.log(f"{name}: removing {path}, which cannot be resumed: {exc}")
                os.unlink(path)
        return path

    def _fit(self, name, model, checkpoint, X, X_val):
        """Fit ``model`` resuming ``checkpoint``; returns the seconds of all its sessions.

        The time spent so far is recorded under ``training/NAME`` whenever the
        checkpoint is written (after each epoch, and on Ctrl-C), so a later
        session adds its time to that which produced the checkpoint it resumes.
        """
        done = self.results.get(f"training/{name}")
        resumed = (isinstance(done, dict) and os.path.exists(checkpoint)
                   and done.get("checkpoint") == os.path.basename(checkpoint))
        before = float(done["seconds"]) if resumed else 0.0
        start = time.perf_counter()

        def note(*_):
            self.remember(f"training/{name}", {"checkpoint": os.path.basename(checkpoint),
                                               "seconds": before + time.perf_counter() - start})
        try:
            model.fit(X, X_val=X_val, checkpoint=checkpoint, resume=True, callbacks=[note])
        except KeyboardInterrupt:
            note()  # fit wrote the checkpoint as it stopped
            raise
        return before + time.perf_counter() - start

    def note_machine(self, context):
        """Record the machine context of this run (kept with those of earlier runs).

        Returns
        -------
        machines : list of dict
            The distinct contexts under which this folder's rows were computed,
            this run's last.
        """
        machines = [m for m in self.results.get("machines", []) if m != context]
        self.remember("machines", machines + [context])
        return self.results["machines"]

    def discard_if_unused(self):
        """Remove the ``results.json`` and ``models/`` this run created if it stored nothing.

        For a run that failed before its first result: its ``results.json``
        then holds only the machine note of :meth:`note_machine`, and its
        ``models/`` nothing. A row, a training time or a file keeps them;
        those of an earlier run are never removed.
        """
        if self._new["results.json"] and set(self.results) <= {"machines", "protocol", "mode"}:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._results_path)
        if self._new["models"]:
            with contextlib.suppress(OSError):  # kept when not empty
                os.rmdir(self.path("models"))

    def remember(self, key, value):
        """Store a finished result (JSON-serialisable) so later runs skip it."""
        self.results[key] = value
        self.results["protocol"], self.results["mode"] = PROTOCOL, self.mode
        stored = dict(self.results, other_modes=self._aside) if self._aside else self.results
        text = json.dumps(stored, indent=1)
        write_atomically(self._results_path, lambda fh: fh.write(text.encode("utf-8")))


def check_out(out):
    """Refuse an output folder whose files cannot be used, before any work starts.

    ``models`` must be a folder, and neither ``report.md`` nor a model
    (``models/*.npz``) or checkpoint (``models/*.ckpt``) one; ``results.json``
    must hold a JSON object.

    Returns
    -------
    stored : dict or None
        ``results.json`` as read, None when there is none yet.

    Raises
    ------
    ValueError
        Naming the path at fault.
    """
    models, report = os.path.join(out, "models"), os.path.join(out, "report.md")
    if os.path.exists(models) and not os.path.isdir(models):
        raise ValueError(f"{models} is not a folder; move it aside (the run keeps its "
                         "trained models there).")
    if os.path.isdir(report):
        raise ValueError(f"{report} is a folder; move it aside (the run writes its report "
                         "there).")
    for name in sorted(os.listdir(models)) if os.path.isdir(models) else ():
        if name.endswith((".npz", ".ckpt")) and os.path.isdir(os.path.join(models, name)):
            raise ValueError(f"{os.path.join(models, name)} is a folder; move it aside (the "
                             "run saves a trained model or its checkpoint there).")
    path = os.path.join(out, "results.json")
    if not os.path.lexists(path):
        return None
    try:
        with open(path, encoding="utf-8") as fh:
            stored = json.load(fh)
    except (OSError, ValueError) as exc:  # a folder, not UTF-8, not JSON
        raise ValueError(f"{path} cannot be read ({exc}); move it aside to start the "
                         "results afresh.") from exc
    if not isinstance(stored, dict):
        raise ValueError(f"{path} does not hold a JSON object; move it aside to start the "
                         "results afresh.")
    return stored


def check_seeds(seeds):
    """Refuse a number of seeds that is not an integer >= 1 (naming ``seeds``)."""
    if isinstance(seeds, bool) or not isinstance(seeds, (int, np.integer)) or seeds < 1:
        raise ValueError(f"seeds must be an integer >= 1, got {seeds!r}.")


def _current(stored, mode):
    """Split ``results.json`` as read back into this mode's results and the rows set aside.

    Rows of an earlier protocol, or of no known mode, are dropped (model
    times stay); rows of the other mode are set aside, and this mode's rows
    set aside by an earlier run come back.

    Returns
    -------
    results : dict
    aside : dict
        The other mode's rows, ``{mode: {key: value}}``.
    """
    models = {key: value for key, value in stored.items() if key.startswith(_MODEL_KEYS)}
    if stored.get("protocol") != PROTOCOL:
        return models, {}
    other = stored.get("other_modes")
    aside = {m: rows for m, rows in (other.items() if isinstance(other, dict) else ())
             if m in MODES and isinstance(rows, dict)}
    rows = {key: value for key, value in stored.items()
            if key not in models and key != "other_modes"}
    if stored.get("mode") == mode:
        return dict(models, **rows), aside
    if stored.get("mode") in MODES:
        aside[stored["mode"]] = {k: v for k, v in rows.items() if k not in ("protocol", "mode")}
    return dict(models, **aside.pop(mode, {})), aside


def _run_digest(model, X, X_val):
    """16 hex digits naming a training run: a checkpoint's run identity and the data's shapes."""
    data = [None if A is None else [list(A.shape), str(A.dtype)] for A in (X, X_val)]
    run = {**run_identity(model, X.shape[0]), "data": data}
    text = json.dumps(run, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
