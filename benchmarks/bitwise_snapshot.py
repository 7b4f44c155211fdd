"""Fitted arrays of every model family on fixed data, saved or compared bit for bit.

A refactoring that moves code must not change a single bit of what the
models learn. Run ``save`` before the change and ``compare`` after it, on
the same machine (same NumPy, same BLAS, same thread count)::

    python benchmarks/bitwise_snapshot.py save before.npz
    # ... move code ...
    python benchmarks/bitwise_snapshot.py compare before.npz

Every option family is trained: the k-sparse model tied and untied, with
centring, the pre-encoder bias, both steps, both optimizers, the sparsity
and learning-rate schedules, denoising and partial_fit; the ReLU,
denoising, dropout and KL autoencoders; the RBM (CD-1, CD-2 persistent,
weight decay); the TopK recipe (with and without the pre-encoder bias,
both steps, centring, the k and learning-rate schedules, Multi-TopK and
Matryoshka prefixes, on their own and together); BatchTopK (both steps,
prefixes, the k schedule) and JumpReLU (both kernels, both steps); softmax regression
and the fine-tuned network. Besides the fitted arrays,
each model's codes of the data are compared. ``compare`` exits 1 when any
array differs in shape, dtype or any bit.
"""
import sys

import numpy as np

import ksparse

KS = ksparse.KSparseAutoencoder
COMMON = dict(n_hidden=24, epochs=3, batch_size=16, random_state=0, verbose=False)


def _data():
    rng = np.random.default_rng(7)
    X = (rng.random((96, 12)) ** 2).astype(np.float32)  # (96, 12) in [0, 1]
    y = (X[:, 0] + X[:, 1] > 0.6).astype(np.int64)  # (96,)
    return X, y


def _autoencoders():
    return {
        "ks_tied": KS(k=4, **COMMON),
        "ks_untied": KS(k=4, tied=False, **COMMON),
        "ks_dense_step": KS(k=4, step="dense", **COMMON),
        "ks_dense_untied": KS(k=4, step="dense", tied=False, **COMMON),
        "ks_center": KS(k=4, center=True, **COMMON),
        "ks_pre_bias": KS(k=4, pre_bias=True, **COMMON),
        "ks_pre_bias_dense": KS(k=4, pre_bias=True, step="dense", **COMMON),
        "ks_adam": KS(k=4, optimizer="adam", learning_rate=0.003, **COMMON),
        "ks_schedules": KS(k=3, k_start=12, lr_end=0.001, alpha=2.0, **COMMON),
        "ks_denoising": KS(k=4, input_dropout=0.2, **COMMON),
        "ks_denoising_dense": KS(k=4, input_dropout=0.2, step="dense", pre_bias=True, **COMMON),
        "relu": ksparse.ReLUAutoencoder(**COMMON),
        "relu_untied_sigmoid": ksparse.ReLUAutoencoder(tied=False, activation="sigmoid",
                                                       decoder="sigmoid", **COMMON),
        "denoising": ksparse.DenoisingAutoencoder(**COMMON),
        "dropout": ksparse.DropoutAutoencoder(input_dropout=0.2, pre_bias=True, **COMMON),
        "kl": ksparse.KLSparseAutoencoder(**COMMON),
        "rbm": ksparse.RBM(**COMMON),
        "rbm_pcd": ksparse.RBM(cd_steps=2, persistent=True, weight_decay=0.01, **COMMON),
        "topk": ksparse.TopKAutoencoder(k=4, dead_steps=3, **COMMON),
        "topk_mean_no_pre_bias": ksparse.TopKAutoencoder(k=4, pre_bias=False,
                                                         pre_bias_init="mean", **COMMON),
        **_topk_family(),
    }


def _topk_family():
    """TopK's options beyond the recipe, and the BatchTopK and JumpReLU models."""
    TK, BT = ksparse.TopKAutoencoder, ksparse.BatchTopKAutoencoder
    return {
        "topk_dense": TK(k=4, step="dense", dead_steps=3, **COMMON),
        "topk_k_start_center": TK(k=3, k_start=12, center=True, lr_end=1e-4, **COMMON),
        "topk_multi_k": TK(k=4, multi_k=8, dead_steps=3, **COMMON),
        "topk_multi_k_dense": TK(k=4, multi_k=8, step="dense", **COMMON),
        "topk_prefixes": TK(k=4, prefixes=(6, 12, 24), prefix_weight=0.5, **COMMON),
        "topk_prefixes_dense": TK(k=4, prefixes=(6, 12), step="dense", **COMMON),
        "topk_multi_k_prefixes": TK(k=4, multi_k=8, prefixes=(12,), **COMMON),
        "batch_topk": BT(k=4, dead_steps=3, **COMMON),
        "batch_topk_dense_prefixes": BT(k=4, step="dense", prefixes=(6, 12), center=True,
                                        **COMMON),
        "batch_topk_k_start": BT(k=3, k_start=12, pre_bias=False, **COMMON),
        "jumprelu": ksparse.JumpReLUAutoencoder(l0_weight=1e-2, threshold_init=0.05, **COMMON),
        "jumprelu_dense": ksparse.JumpReLUAutoencoder(l0_weight=1e-2, threshold_init=0.05,
                                                      step="dense", **COMMON),
        "jumprelu_triangle": ksparse.JumpReLUAutoencoder(kernel="triangle", bandwidth=0.05,
                                                         center=True, dead_steps=3, **COMMON),
    }


def _arrays_of(model):
    names = [n for n in vars(model) if n.endswith("_") and not n.startswith("_")]
    out = {}
    for name in sorted(names):
        value = getattr(model, name)
        if isinstance(value, np.ndarray):
            out[name] = value
    return out


def snapshot():
    """{model/array: array} for every model trained on the fixed data."""
    X, y = _data()
    out = {}
    for key, model in _autoencoders().items():
        model.fit(X)
        arrays = dict(_arrays_of(model), codes=model.transform(X), recon=model.reconstruct(X))
        out.update({f"{key}/{name}": a for name, a in arrays.items()})
    partial = KS(k=4, **COMMON)
    for start in range(0, 96, 32):
        partial.partial_fit(X[start : start + 32])
    out.update({f"ks_partial_fit/{n}": a for n, a in _arrays_of(partial).items()})
    softmax = ksparse.SoftmaxRegression(epochs=3, random_state=0).fit(X, y)
    out.update({f"softmax/{n}": a for n, a in _arrays_of(softmax).items()})
    out["softmax/proba"] = softmax.predict_proba(X)
    mlp = ksparse.SparseMLPClassifier(hidden_layers=(24,), k=4, epochs=3, batch_size=16,
                                      random_state=0, verbose=False).fit(X, y)
    out.update({f"mlp/{n}": a for n, a in _arrays_of(mlp).items()})
    out["mlp/proba"] = mlp.predict_proba(X)
    return out


def compare(path):
    """Print every array that differs from the saved one; returns the number that differ."""
    with np.load(path, allow_pickle=False) as saved:
        before = {name: saved[name] for name in saved.files}
    after = snapshot()
    bad = 0
    for name in sorted(set(before) | set(after)):
        a, b = before.get(name), after.get(name)
        same = (a is not None and b is not None and a.shape == b.shape and a.dtype == b.dtype
                and a.tobytes() == b.tobytes())
        if not same:
            bad += 1
            print(f"DIFFERS {name}")
    print(f"{len(before)} arrays saved, {len(after)} now, {bad} differ")
    return bad


def main(argv):
    if len(argv) != 2 or argv[0] not in ("save", "compare"):
        print("usage: bitwise_snapshot.py save|compare FILE.npz", file=sys.stderr)
        return 2
    if argv[0] == "save":
        arrays = snapshot()
        np.savez(argv[1], **arrays)
        print(f"{len(arrays)} arrays saved to {argv[1]}")
        return 0
    return 1 if compare(argv[1]) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
