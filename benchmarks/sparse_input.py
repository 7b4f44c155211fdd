"""Training on SciPy sparse rows: CSR minibatches through the sparse step vs densified ones.

A random CSR matrix (default 20,000 rows × 5000 features at 1 % density, like
a bag-of-words corpus) is fitted by a KSparseAutoencoder (500 units, k = 20,
one epoch, batch 128) twice per round: once as the model takes it (each
minibatch reaches the sparse step as CSR: X W is sparse × dense), once with
every minibatch densified first (what a model that does not declare
``_accepts_sparse_rows`` gets). Both fits are timed in alternating rounds;
the table gives medians, their spread and the ratio. The two fits' weights
agree to float rounding (printed as the largest difference).

Usage::

    python benchmarks/sparse_input.py [--rows 20000] [--features 5000] [--density 0.01]
                                      [--rounds 3] [--threads 2]
"""
import argparse

from _bench import (blas_description, limit_threads, machine_line, percentile, print_table,
                    spread, time_interleaved)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--features", type=int, default=5000)
    parser.add_argument("--density", type=float, default=0.01)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    limit = limit_threads(args.threads)  # noqa: F841 (keeps the limit)

    import numpy as np
    import scipy.sparse

    import ksparse

    X = scipy.sparse.random(args.rows, args.features, density=args.density, format="csr",
                            random_state=0, dtype=np.float32)

    class Densified(ksparse.KSparseAutoencoder):
        _accepts_sparse_rows = False  # every minibatch densified before the step

    models = {}
    def fit(cls):
        def run():
            models[cls] = cls(n_hidden=500, k=20, epochs=1, batch_size=128, random_state=0,
                              verbose=False).fit(X)
        return run

    times = time_interleaved({"CSR minibatches": fit(ksparse.KSparseAutoencoder),
                              "densified minibatches": fit(Densified)},
                             rounds=args.rounds, warmup=0)
    print(f"{args.rows} × {args.features} CSR, density {args.density:g}; 500 units, k = 20, "
          f"1 epoch, batch 128; {blas_description()}; {machine_line()}")
    floor = percentile(times["CSR minibatches"], 50)
    print_table(["fit", "median s", "spread", "ratio"],
                [[name, f"{percentile(t, 50):.2f}", spread(t),
                  f"{percentile(t, 50) / floor:.2f}"] for name, t in times.items()])
    difference = np.abs(models[ksparse.KSparseAutoencoder].W_ - models[Densified].W_).max()
    print(f"largest |W difference| between the two fits: {difference:.2e}")


if __name__ == "__main__":
    main()
