"""Several seeds of every trained row: cache names, result keys and their mean ± sd.

One run of a table row trains a model from one random initialisation and
one minibatch order, so its test error carries the luck of that draw. With
``seeds = N`` every autoencoder row is computed for ``random_state`` = 0 …
N−1 and reported as the mean ± sample standard deviation (ddof = 1: the
seeds are a sample of the possible runs) with the lowest and highest value.
Seed 0 is exactly the single run: its models and rows keep their names, so
a folder filled by a single-seed run is reused as it is.
"""
__all__ = ["DDOF", "seeded", "seed_key", "spread", "run_rows", "seeds_note"]

import numpy as np

#: Sample standard deviation: the seeds are draws from the runs one could make.
DDOF = 1


def seeded(name, seed):
    """Cache name of the model trained with ``random_state = seed`` (seed 0 keeps ``name``)."""
    return name if seed == 0 else f"{name}-seed{seed}"


def seed_key(key, seed):
    """Key in ``results.json`` of the row of one seed (seed 0 keeps ``key``)."""
    return key if seed == 0 else f"{key}/seed{seed}"


def spread(values):
    """Mean, sample standard deviation (ddof = 1), min and max of per-seed values.

    Parameters
    ----------
    values : sequence of float, length n_seeds >= 1

    Returns
    -------
    dict
        ``n``, ``mean``, ``sd`` (None for a single value), ``min``, ``max``, ``ddof``.
    """
    x = np.asarray(values, dtype=np.float64)  # (n_seeds,)
    sd = float(np.std(x, ddof=DDOF)) if x.size > DDOF else None
    return {"n": int(x.size), "mean": float(np.mean(x)), "sd": sd,
            "min": float(np.min(x)), "max": float(np.max(x)), "ddof": DDOF}


def _summary_row(rows):
    """The table row of several seeds: seed 0's fields, the spread of the test errors."""
    stats = spread([r["ours"] for r in rows])
    seconds = [r.get("seconds") for r in rows]
    dead = [r.get("dead_units") for r in rows]
    return dict(
        rows[0], ours=stats["mean"], sd=stats["sd"], low=stats["min"], high=stats["max"],
        n_seeds=stats["n"], settings=f"seed 0: {rows[0].get('settings', '')}",
        seconds=None if None in seconds else float(sum(seconds)),
        dead_units=None if None in dead else float(np.mean(dead)),
    )


def run_rows(ctx, jobs):
    """Compute (or read back) the rows of a table, every seed of one row before the next row.

    Finished rows are cached in ``ctx.results`` under :func:`seed_key`, so
    an interrupted run resumes; with more than one seed the per-seed test
    errors and their :func:`spread` are kept under ``seeds/KEY`` as soon as
    a row has all its seeds.

    Parameters
    ----------
    ctx : Context
        ``ctx.seeds`` gives the number of seeds.
    jobs : list of (key, job, is_seeded)
        ``job(seed)`` returns the row as a dict of :class:`~.report.Row` fields;
        an unseeded job (no randomness) runs once, with seed 0.

    Returns
    -------
    rows : list of dict
        One row per job, in order: the single row, or the summary of the seeds.
    """
    rows = []
    for key, job, is_seeded in jobs:
        seeds = range(ctx.seeds if is_seeded else 1)
        for seed in seeds:
            name = seed_key(key, seed)
            if name not in ctx.results:
                ctx.remember(name, job(seed))
                ctx.log(f"{name}: {ctx.results[name]['ours']:.2f} % "
                        f"(paper {ctx.results[name]['paper']})")
        per_seed = [ctx.results[seed_key(key, s)] for s in seeds]
        if len(per_seed) == 1:
            rows.append(per_seed[0])
            continue
        ctx.remember(f"seeds/{key}", dict(
            spread([r["ours"] for r in per_seed]), seeds=list(seeds),
            test_error=[r["ours"] for r in per_seed],
            dead_units=[r.get("dead_units") for r in per_seed],
            seconds=[r.get("seconds") for r in per_seed]))
        rows.append(_summary_row(per_seed))
        ctx.log(f"{key}: {rows[-1]['ours']:.2f} ± {rows[-1]['sd']:.2f} % over "
                f"{len(per_seed)} seeds")
    return rows


def seeds_note(ctx, jobs, detail=None, also=""):
    """A paragraph for the report: how the seeds were summarised and every seed's value.

    Parameters
    ----------
    ctx : Context
    jobs : list of (key, job, is_seeded)
        As given to :func:`run_rows` (which must have run).
    detail : callable, optional
        ``detail(row)`` adds a few words to each seed's value (e.g. its α);
        an empty string adds nothing.
    also : str, optional
        A sentence to add before the list of values.

    Returns
    -------
    str
        Empty for a single seed.
    """
    if ctx.seeds == 1:
        return ""
    lines = []
    for key, _, is_seeded in jobs:
        if not is_seeded:
            continue
        rows = [ctx.results[seed_key(key, s)] for s in range(ctx.seeds)]
        words = [detail(r) if detail else "" for r in rows]
        values = ", ".join(f"{r['ours']:.2f}" + (f" ({w})" if w else "")
                           for r, w in zip(rows, words))
        lines.append(f"- {rows[0]['name']}: {values}")
    return (f"Rows trained from a random start show mean ± sd over seeds 0–{ctx.seeds - 1} "
            f"({ctx.seeds} seeds: the random_state of the model's initialisation and "
            f"minibatch order), sd being the sample standard deviation (ddof = {DDOF}), "
            "lowest–highest in brackets; their wall time is that of all seeds together, "
            f"their dead units the mean. {also + ' ' if also else ''}Test error (%) of each "
            "seed, seed 0 first:\n\n" + "\n".join(lines))
