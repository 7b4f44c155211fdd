"""An independent float64 implementation of the published reference values (docs/reference_values.rst).

Written with Python lists and loops, one sample and one entry at a time,
sharing no code with :mod:`ksparse`, so that agreement with the library is
evidence and not an echo. ``python tests/reference/_reference_independent.py``
rewrites ``docs/_static/reference_values.json`` from the inputs in it.
"""
import json
import pathlib

JSON_PATH = pathlib.Path(__file__).resolve().parents[2] / "docs" / "_static" / "reference_values.json"


def _top(values, k, allowed=None):
    """Indices of the k largest values (ties to the lower index), among ``allowed``."""
    order = [j for j in range(len(values)) if allowed is None or allowed[j]]
    order.sort(key=lambda j: (-values[j], j))
    return set(order[:k])


def _matvec_t(W, x):
    """Wᵀx for W given as rows (n_features lists of n_hidden)."""
    return [sum(W[f][j] * x[f] for f in range(len(x))) for j in range(len(W[0]))]


def _decode(W, h, b_prime):
    return [sum(W[f][j] * h[j] for j in range(len(h))) + b_prime[f] for f in range(len(W))]


def k_sparse(case):
    """Tied k-sparse autoencoder (paper §2.2), no pre-bias: loss, dW, db, db′."""
    X, W, b, bp, k = case["X"], case["W"], case["b"], case["b_prime"], case["k"]
    n, F, H = len(X), len(W), len(W[0])
    loss, dW = 0.0, [[0.0] * H for _ in range(F)]
    db, dbp = [0.0] * H, [0.0] * F
    for x in X:
        z = [v + b[j] for j, v in enumerate(_matvec_t(W, x))]
        keep = _top(z, k)
        zs = [z[j] if j in keep else 0.0 for j in range(H)]
        e = [xh - xf for xh, xf in zip(_decode(W, zs, bp), x)]  # x̂ − x
        loss += sum(v * v for v in e) / n
        g = [2.0 * v / n for v in e]  # ∂E/∂x̂
        delta = [sum(W[f][j] * g[f] for f in range(F)) if j in keep else 0.0 for j in range(H)]
        for f in range(F):
            dbp[f] += g[f]
            for j in range(H):
                dW[f][j] += g[f] * zs[j] + x[f] * delta[j]  # decoder + encoder (tied)
        db = [a + d for a, d in zip(db, delta)]
    return {"loss": loss, "dW": dW, "db": db, "db_prime": dbp}


def topk_auxk(case):
    """TopK recipe (ReLU of the k largest, pre-bias) with AuxK on a detached residual."""
    X, W, P, b, bp = case["X"], case["W"], case["P"], case["b"], case["b_prime"]
    k, dead, aux_k, alpha = case["k"], case["dead"], case["aux_k"], case["aux_weight"]
    n, F, H = len(X), len(W), len(W[0])
    out = {"loss": 0.0, "aux_loss": 0.0, "dW": [[0.0] * H for _ in range(F)],
           "dP": [[0.0] * F for _ in range(H)], "db": [0.0] * H, "db_prime": [0.0] * F}
    n_aux = min(aux_k, sum(dead))
    for x in X:
        xin = [x[f] - bp[f] for f in range(F)]
        z = [sum(P[j][f] * xin[f] for f in range(F)) + b[j] for j in range(H)]
        keep = _top(z, k)
        h = [max(z[j], 0.0) if j in keep else 0.0 for j in range(H)]
        r = [xf - xh for xf, xh in zip(x, _decode(W, h, bp))]  # residual, a constant below
        chosen = _top(z, n_aux, dead)
        ha = [max(z[j], 0.0) if j in chosen else 0.0 for j in range(H)]
        ea = [eh - rf for eh, rf in zip(_decode(W, ha, [0.0] * F), r)]  # ê − e
        out["loss"] += sum(v * v for v in r) / n + alpha * sum(v * v for v in ea) / n
        out["aux_loss"] += sum(v * v for v in ea) / n
        g = [-2.0 * v / n for v in r]  # ∂E/∂x̂
        ga = [2.0 * alpha * v / n for v in ea]  # ∂E/∂ê; nothing flows into r
        dz = [0.0] * H
        for j in range(H):
            if h[j] > 0:
                dz[j] += sum(W[f][j] * g[f] for f in range(F))
            if ha[j] > 0:
                dz[j] += sum(W[f][j] * ga[f] for f in range(F))
        for f in range(F):
            out["db_prime"][f] += g[f] - sum(P[j][f] * dz[j] for j in range(H))
            for j in range(H):
                out["dW"][f][j] += g[f] * h[j] + ga[f] * ha[j]
                out["dP"][j][f] += dz[j] * xin[f]
        out["db"] = [a + d for a, d in zip(out["db"], dz)]
    return out


def fvu(case):
    """FVU around the column means, and the mistaken one around zero, for contrast."""
    X, Xh = case["X"], case["X_hat"]
    n, F = len(X), len(X[0])
    mean = [sum(x[f] for x in X) / n for f in range(F)]
    err = sum((xh[f] - x[f]) ** 2 for x, xh in zip(X, Xh) for f in range(F))
    around_mean = sum((x[f] - mean[f]) ** 2 for x in X for f in range(F))
    around_zero = sum(x[f] ** 2 for x in X for f in range(F))
    return {"fvu": err / around_mean, "fvu_around_zero": err / around_zero}


def batch_topk_threshold(case):
    """BatchTopK: the B·k largest of ReLU(Z) over the batch, the smallest kept, θ's update."""
    Z, k, theta, rate = case["Z"], case["k"], case["theta"], case["rate"]
    flat = [max(v, 0.0) for row in Z for v in row]
    kept = _top(flat, min(len(Z) * k, len(flat)))
    positive = [flat[i] for i in sorted(kept) if flat[i] > 0]
    smallest = min(positive)
    H = len(Z[0])
    mask = [[(i * H + j) in kept and flat[i * H + j] > 0 for j in range(H)] for i in range(len(Z))]
    return {"kept_per_row": [sum(row) for row in mask], "smallest": smallest,
            "theta_next": theta + rate * (smallest - theta)}


def _encode(P, b, x, bp):
    """What the encoder sees, x − b′, and z = P(x − b′) + b, for one row."""
    xin = [x[f] - bp[f] for f in range(len(x))]
    return xin, [sum(P[j][f] * xin[f] for f in range(len(x))) + b[j] for j in range(len(P))]


def _new_grads(F, H):
    return {"dW": [[0.0] * H for _ in range(F)], "dP": [[0.0] * F for _ in range(H)],
            "db": [0.0] * H, "db_prime": [0.0] * F}


def _encoder_backward(out, P, xin, dz):
    """Add one row's ∂E/∂z to ∂E/∂P, ∂E/∂b, and to ∂E/∂b′ through the encoder's input x − b′."""
    for f in range(len(xin)):
        out["db_prime"][f] -= sum(P[j][f] * dz[j] for j in range(len(dz)))
        for j in range(len(dz)):
            out["dP"][j][f] += dz[j] * xin[f]
    out["db"] = [a + d for a, d in zip(out["db"], dz)]


def jumprelu(case):
    """JumpReLU with pre-bias: the code, loss (reconstruction + λ·L0), pseudo-gradients."""
    X, W, P, b, bp, theta = (case[key] for key in ("X", "W", "P", "b", "b_prime", "theta"))
    lam, eps = case["l0_weight"], case["bandwidth"]
    kernels = {"rectangle": lambda u: 1.0 if abs(u) < 0.5 else 0.0,
               "triangle": lambda u: max(1.0 - abs(u), 0.0)}
    n, F, H = len(X), len(W), len(W[0])
    out = {"f": [], "l0": 0.0, "loss": 0.0, **_new_grads(F, H),
           "dtheta_rectangle": [0.0] * H, "dtheta_triangle": [0.0] * H}
    for x in X:
        xin, z = _encode(P, b, x, bp)
        on = [z[j] > theta[j] for j in range(H)]  # H(z − θ)
        f = [z[j] if on[j] else 0.0 for j in range(H)]
        e = [xh - xf for xh, xf in zip(_decode(W, f, bp), x)]  # x̂ − x
        out["f"].append(f)
        out["l0"] += sum(on) / n
        out["loss"] += sum(v * v for v in e) / n + lam * sum(on) / n
        g = [2.0 * v / n for v in e]  # ∂E/∂x̂
        gf = [sum(W[r][j] * g[r] for r in range(F)) for j in range(H)]  # ∂E/∂f, kept or not
        for name, K in kernels.items():
            for j in range(H):
                u = (z[j] - theta[j]) / eps
                out["dtheta_" + name][j] -= (gf[j] * theta[j] + lam / n) * K(u) / eps
        for r in range(F):
            out["db_prime"][r] += g[r]
            for j in range(H):
                out["dW"][r][j] += g[r] * f[j]
        _encoder_backward(out, P, xin, [gf[j] if on[j] else 0.0 for j in range(H)])
    return out


def _several_codes(case, codes):
    """TopK recipe with pre-bias, no AuxK, several codes of one z each reconstructing x.

    ``codes(z)`` lists (weight, kept units) pairs; a code is ReLU(z) on its units.
    Returns the weighted loss, each code's own (unweighted) loss, and the gradients.
    """
    X, W, P, b, bp = case["X"], case["W"], case["P"], case["b"], case["b_prime"]
    n, F, H = len(X), len(W), len(W[0])
    out = {"loss": 0.0, "losses": [], **_new_grads(F, H)}
    for x in X:
        xin, z = _encode(P, b, x, bp)
        dz = [0.0] * H
        for c, (weight, units) in enumerate(codes(z)):
            h = [max(z[j], 0.0) if j in units else 0.0 for j in range(H)]
            e = [xh - xf for xh, xf in zip(_decode(W, h, bp), x)]  # x̂ − x of this code
            if c == len(out["losses"]):
                out["losses"].append(0.0)
            out["losses"][c] += sum(v * v for v in e) / n
            out["loss"] += weight * sum(v * v for v in e) / n
            g = [2.0 * weight * v / n for v in e]  # ∂E/∂x̂ of this code
            for j in range(H):
                if h[j] > 0:  # ReLU passes, on the code's units only
                    dz[j] += sum(W[r][j] * g[r] for r in range(F))
            for r in range(F):
                out["db_prime"][r] += g[r]
                for j in range(H):
                    out["dW"][r][j] += g[r] * h[j]
        _encoder_backward(out, P, xin, dz)
    return out


def matryoshka(case):
    """TopK code and each prefix m < n_hidden of it (the support cut to units j < m), weight 1."""
    H, k = len(case["W"][0]), case["k"]

    def codes(z):
        top = _top(z, k)
        return [(1.0, top)] + [(1.0, {j for j in top if j < m}) for m in case["prefixes"] if m < H]

    out = _several_codes(case, codes)
    losses = out.pop("losses")
    return {"loss": out.pop("loss"), "main_loss": losses[0], "prefix_losses": losses[1:], **out}


def multi_topk(case):
    """Multi-TopK: L(k) + β·L(k′), the two codes ReLU of the k and the k′ largest of z."""
    k, k2, beta = case["k"], case["multi_k"], case["multi_k_weight"]
    out = _several_codes(case, lambda z: [(1.0, _top(z, k)), (beta, _top(z, k2))])
    (loss_k, loss_k2) = out.pop("losses")
    return {"loss": out.pop("loss"), "loss_k": loss_k, "loss_multi_k": loss_k2, **out}


FUNCTIONS = {"k_sparse": k_sparse, "topk_auxk": topk_auxk, "fvu": fvu,
             "batch_topk_threshold": batch_topk_threshold, "jumprelu": jumprelu,
             "matryoshka": matryoshka, "multi_topk": multi_topk}


def _rounded(value):
    """Ten significant digits: what the page prints and the tests compare to."""
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return float(f"{value:.10g}") if isinstance(value, float) else value


def write():
    """Recompute every case's expected outputs from its inputs, and save the file."""
    data = json.loads(JSON_PATH.read_text())
    for name, case in data["cases"].items():
        case["expected"] = {key: _rounded(v) for key, v in FUNCTIONS[name](case["inputs"]).items()}
    JSON_PATH.write_text(json.dumps(data, indent=1) + "\n")


if __name__ == "__main__":
    write()
