"""
Is top-k differentiable? The masked backward pass
=================================================

A k-sparse autoencoder keeps the k largest hidden activities and zeroes the
rest. That selection is not a smooth function, yet the model trains by
plain backpropagation (§3.2). This example writes the forward and backward
pass out by hand on a model with 3 hidden units, checks every gradient
against finite differences, and then looks at where the selection changes.

You will learn that the selection acts as a fixed 0/1 mask almost
everywhere — so the gradient flows through the k selected units and
nowhere else — and what happens on the rare inputs where two units tie.
Three exercises follow: the top-k mask, the gradient of the decoder bias
b′, and (bonus) the same gradient when b′ is also subtracted before
encoding.
"""

# %%
# A model small enough to follow by hand
# --------------------------------------
# Two inputs, three hidden units, k = 2: z = Wᵀx + b, Γ = the two largest
# entries of z, x̂ = W z_Γ + b′, and the loss E = ‖x − x̂‖².
import matplotlib.pyplot as plt
import numpy as np

from ksparse.classroom import example_size

print(f"size: {example_size()} (this example is the same at every size)")
x = np.array([1.0, 0.5])  # (2,)
W = np.array([[0.8, -0.3, 0.5],
              [0.2, 0.9, -0.4]])  # (2, 3), one atom per column
b = np.array([0.1, 0.2, -0.3])  # (3,)
b_prime = np.array([0.05, -0.05])  # (2,)
k = 2


def forward(x, W, b, b_prime, k):
    """Everything the backward pass needs, for one example."""
    z = W.T @ x + b  # (3,)
    mask = np.zeros(z.shape, dtype=bool)
    mask[np.argsort(-z)[:k]] = True  # Γ, the k largest
    z_sparse = np.where(mask, z, 0.0)  # (3,), z_Γ
    x_hat = W @ z_sparse + b_prime  # (2,)
    return z, mask, z_sparse, x_hat, float(((x - x_hat) ** 2).sum())


z, mask, z_sparse, x_hat, E = forward(x, W, b, b_prime, k)
print(f"z = {z}, selected units Γ = {np.flatnonzero(mask).tolist()}")
print(f"x̂ = {x_hat}, E = {E:.6f}")

# %%
# The backward pass, line by line
# -------------------------------
# Chain rule from the loss back to every parameter. The only new step is
# the selection: z_Γ = mask · z, so ∂E/∂z = mask · ∂E/∂z_Γ — the mask
# computed in the forward pass is reused as a constant, and the unselected
# unit gets exactly zero gradient.
d_x_hat = 2.0 * (x_hat - x)  # (2,)   ∂E/∂x̂
d_b_prime = d_x_hat  # (2,)            x̂ = W z_Γ + b′
d_z_sparse = W.T @ d_x_hat  # (3,)     ∂E/∂z_Γ
d_z = d_z_sparse * mask + 0.0  # (3,)  the masked step: only Γ passes it on (+0.0: no −0)
d_b = d_z  # (3,)                      z = Wᵀx + b
d_W = np.outer(d_x_hat, z_sparse) + np.outer(x, d_z)  # (2, 3), decoder + encoder use of W
analytic = {"W": d_W, "b": d_b, "b_prime": d_b_prime}
print(f"∂E/∂z_Γ = {d_z_sparse}\n∂E/∂z   = {d_z}   <- unit {np.flatnonzero(~mask)[0]} gets 0")

# %%
# Checked against finite differences
# ----------------------------------
# Nudge each parameter by ±ε and watch E: (E(θ + ε) − E(θ − ε)) / 2ε. In
# float64 with ε = 10⁻⁶ the two agree to 10⁻¹⁰ or better — as long as the nudge
# does not change which units are selected, which is true here (and almost
# everywhere).
params = {"W": W, "b": b, "b_prime": b_prime}


def loss_with(name, value):
    trial = dict(params, **{name: value})
    return forward(x, trial["W"], trial["b"], trial["b_prime"], k)[-1]


eps = 1e-6
print(f"{'parameter':>12s} {'backprop':>12s} {'finite diff.':>12s} {'|difference|':>12s}")
for name, value in params.items():
    for index in np.ndindex(value.shape):
        step = np.zeros_like(value)
        step[index] = eps
        numeric = (loss_with(name, value + step) - loss_with(name, value - step)) / (2 * eps)
        exact = analytic[name][index]
        print(f"{name + str(list(index)):>12s} {exact:12.8f} {numeric:12.8f} "
              f"{abs(exact - numeric):12.1e}")

# %%
# Where the selection changes
# ---------------------------
# Now move the bias of the unit left out, b[2], until unit 2 overtakes a
# selected one. On the left unit 2 is not selected and E does not depend on
# b[2] at all; on the right it is, and E is a smooth parabola. On each side
# the backward pass gives the exact slope (the short tangents). At the crossing, where two units
# tie, E *jumps*: a different atom enters the reconstruction with the same
# activity. So top-k is differentiable everywhere except on ties, a set of
# measure zero that training essentially never lands on — which is why
# plain backpropagation works, even though E is not a continuous function
# of the parameters.
unselected = int(np.flatnonzero(~mask)[0])
ts = np.linspace(-1.0, 1.0, 801)
curve, selections = [], []
for t in ts:
    b_t = b.copy()
    b_t[unselected] = t
    _, mask_t, _, _, E_t = forward(x, W, b_t, b_prime, k)
    curve.append(E_t)
    selections.append(tuple(np.flatnonzero(mask_t)))
curve = np.array(curve)
changed = (np.array(selections[1:]) != np.array(selections[:-1])).any(axis=1)  # (800,)
curve[1:][changed] = np.nan  # a gap, not a vertical line, where the selection changes
fig, ax = plt.subplots(figsize=(6, 3.8))
ax.plot(ts, curve, label=f"E as a function of b[{unselected}]")
for t in (-0.8, -0.2, 0.4, 0.9):
    b_t = b.copy()
    b_t[unselected] = t
    z_t, mask_t, zs_t, xh_t, E_t = forward(x, W, b_t, b_prime, k)
    slope = (W.T @ (2 * (xh_t - x)) * mask_t)[unselected]  # ∂E/∂b[2] by the backward pass
    ax.plot([t - 0.12, t + 0.12], [E_t - 0.12 * slope, E_t + 0.12 * slope], color="tab:red",
            linewidth=3, alpha=0.7)
ax.plot([], [], color="tab:red", linewidth=3, alpha=0.7, label="slope from backprop")
ax.set(xlabel=f"b[{unselected}], bias of the unit left out at first", ylabel="E")
ax.legend()
fig.tight_layout()

# %%
# Exercise 1: the top-k mask
# --------------------------
# Write ``my_topk_mask(z, k)``: for ``z`` of shape (n, n_hidden), a boolean
# array of the same shape with exactly k True entries per row, at the k
# largest values. Watch out for ties (a row of zeros, say): exactly k, not
# "every entry ≥ the k-th value".
from ksparse.exercises import check_b_prime_gradient, check_pre_bias_gradient, check_topk_mask


def my_topk_mask(z, k):
    # BEGIN SOLUTION
    order = np.argsort(-z, axis=1, kind="stable")[:, :k]  # (n, k), the k largest per row
    chosen = np.zeros(z.shape, dtype=bool)
    np.put_along_axis(chosen, order, True, axis=1)
    return chosen
    # END SOLUTION


print(check_topk_mask(my_topk_mask))

# %%
# Exercise 2: the gradient of b′
# ------------------------------
# For a batch X of n examples (one per row), E = (1/n) Σᵢ ‖xᵢ − x̂ᵢ‖² with
# x̂ᵢ = W z_Γ,ᵢ + b′. Derive ∂E/∂b′ on paper first — does b′ enter z, and so
# the selection? — then write ``my_grad_b_prime(X, W, b, b_prime, k)``,
# returning an array of shape (n_features,).


def my_grad_b_prime(X, W, b, b_prime, k):
    # BEGIN SOLUTION
    z = X @ W + b  # (n, n_hidden)
    order = np.argsort(-z, axis=1)[:, :k]
    z_sparse = np.zeros_like(z)
    np.put_along_axis(z_sparse, order, np.take_along_axis(z, order, axis=1), axis=1)
    residual = z_sparse @ W.T + b_prime - X  # (n, n_features), x̂ − x
    return 2.0 * residual.sum(axis=0) / X.shape[0]
    # END SOLUTION


print(check_b_prime_gradient(my_grad_b_prime))

# %%
# Bonus: with a pre-encoder bias
# ------------------------------
# With ``pre_bias=True`` ksparse encodes x − b′: z = Wᵀ(x − b′) + b. Now b′
# also moves z_Γ. Write ``my_grad_b_prime_pre_bias(X, W, b, b_prime, k)``.
# Hint: ∂x̂/∂b′ = I − W_Γ W_Γᵀ for each example.


def my_grad_b_prime_pre_bias(X, W, b, b_prime, k):
    # BEGIN SOLUTION
    z = (X - b_prime) @ W + b  # (n, n_hidden)
    order = np.argsort(-z, axis=1)[:, :k]
    keep = np.zeros(z.shape, dtype=bool)
    np.put_along_axis(keep, order, True, axis=1)
    residual = (z * keep) @ W.T + b_prime - X  # (n, n_features)
    through_encoder = ((residual @ W) * keep) @ W.T  # (n, n_features), W_Γ W_Γᵀ (x̂ − x)
    return 2.0 * (residual - through_encoder).mean(axis=0)
    # END SOLUTION


print(check_pre_bias_gradient(my_grad_b_prime_pre_bias))
plt.show()
