"""Helpers shared by the benchmark scripts: thread limits, interleaved timing, tables.

The scripts call :func:`limit_threads` before they import NumPy, so that the
environment variables reach BLAS even without threadpoolctl. Methods are
timed in one process, in rounds that run every method once in turn, so that
a burst of load on a shared machine hits all of them alike; medians are
reported with the 10th-90th percentile spread as the noise.
"""
import os
import time

_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def limit_threads(n_threads):
    """Cap BLAS / OpenMP threads at ``n_threads``; call before importing NumPy."""
    for var in _THREAD_VARS:
        os.environ[var] = str(n_threads)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(n_threads)  # applies now; the object keeps the limit


def blas_description():
    """One line naming the BLAS NumPy uses and its thread count."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        import numpy as np

        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        threads = os.environ.get("OPENBLAS_NUM_THREADS", "?")
        return f"{blas['name']} {blas.get('version', '')} ({threads} threads via environment)"
    infos = [i for i in threadpool_info() if i["user_api"] == "blas"]
    return "; ".join(
        f"{i['internal_api']} {i['version']} ({i['num_threads']} threads, "
        f"{i.get('threading_layer', '?')}, {i.get('architecture', '?')})"
        for i in infos
    )


# Which clock times a call: wall time, or the process's CPU time, which leaves
# out the time other programs held the cores (meaningful with one thread only:
# with several, BLAS threads that spin while waiting count too).
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def time_interleaved(funcs, rounds, warmup=3, clock="wall"):
    """Seconds per call of every function, measured in alternating rounds.

    Parameters
    ----------
    funcs : dict of str -> callable
    rounds : int
    warmup : int
        Untimed calls of each function first.
    clock : {'wall', 'cpu'}

    Returns
    -------
    times : dict of str -> list of float
    """
    now = CLOCKS[clock]
    for func in funcs.values():
        for _ in range(warmup):
            func()
    times = {name: [] for name in funcs}
    for _ in range(rounds):
        for name, func in funcs.items():
            start = now()
            func()
            times[name].append(now() - start)
    return times


def time_back_to_back(funcs, rounds, warmup=3, clock="wall"):
    """Seconds per call of every function, each called ``rounds`` times in a row (warm).

    Interleaved rounds (:func:`time_interleaved`) share the machine's noise
    fairly between methods, but every call then follows another method's,
    whose thread pool may still hold the cores (OpenMP workers spin for a
    while after a parallel region): a method is charged for its neighbour.
    Back to back, each method runs after itself, as in a training loop.
    """
    now = CLOCKS[clock]
    times = {}
    for name, func in funcs.items():
        for _ in range(warmup):
            func()
        times[name] = []
        for _ in range(rounds):
            start = now()
            func()
            times[name].append(now() - start)
    return times


def percentile(values, q):
    """The q-th percentile (0-100) of a list, by linear interpolation."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def median_ms(values):
    return 1e3 * percentile(values, 50)


def spread(values):
    """The 10th-90th percentile range relative to the median, e.g. '±12%'."""
    mid = percentile(values, 50)
    return f"{percentile(values, 10) / mid - 1:+.0%}/{percentile(values, 90) / mid - 1:+.0%}"


def print_table(header, rows):
    """A plain-text table with columns as wide as their widest cell."""
    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for n, row in enumerate(cells):
        print("  ".join(c.rjust(w) if i else c.ljust(w)
                        for i, (c, w) in enumerate(zip(row, widths))))
        if n == 0:
            print("  ".join("-" * w for w in widths))


def mnist_like(rng, n_samples, n_features=784):
    """Binary images with MNIST's share of lit pixels (about 19%), as float32."""
    import numpy as np

    return (rng.random((n_samples, n_features)) < 0.19).astype(np.float32)


def machine_line():
    """CPU count and load average, to judge the noise of a run."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs, load average {load}"


def rss_anon():
    """This process's anonymous resident memory in bytes (Linux; 0 where /proc has no such line)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024
    return 0
