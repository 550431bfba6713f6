"""
Checking the hand-derived gradients against finite differences
==============================================================

``skbp.loss_and_gradients`` returns a network's cost and its gradient with
respect to every weight and bias, computed by the four back-propagation
equations of the seed (see ``docs/derivation.md``). If those equations, or
the code, were wrong anywhere, the gradient would disagree with the slope of
the cost itself. The slope can be measured without any calculus: nudge one
parameter θ_k by ±ε and take the central difference

    (J(θ + ε e_k) − J(θ − ε e_k)) / (2ε),

whose error shrinks like ε². We do this first by hand for a few entries of a
small network (3 inputs, 4 then 5 hidden units, 3 outputs), then with
``skbp.gradient_check``, which perturbs every parameter and reports the
relative error ‖g − d‖ / (‖g‖ + ‖d‖) between the analytic gradient g and the
numeric one d. A correct gradient gives about 1e-9 or less in float64; a
single wrong sign or a missing σ'(z) gives something of order one.

We check every (loss, output activation) pair the estimator can use, each with
sample weights and an L2 term, so the shortcut ε^(L) = a − y of the log-losses,
the quadratic cost's σ'(z) factor, the softmax Jacobian, the row weights and
the decay term are all exercised. The check is cheap, so quick mode
(``SKBP_EXAMPLES_QUICK=1``) runs it all. The figure (``gradient_check.png``,
with matplotlib) shows the relative error as the step ε shrinks.
"""

import numpy as np

from skbp import gradient_check, loss_and_gradients

try:
    import matplotlib.pyplot as plt
except ImportError:  # the optional skbp[plot] extra
    plt = None

rng = np.random.RandomState(0)
sizes = [3, 4, 5, 3]
coefs = [rng.normal(0, 1, (m, k)) for m, k in zip(sizes[:-1], sizes[1:], strict=True)]
intercepts = [rng.normal(0, 1, k) for k in sizes[1:]]
X = rng.normal(0, 1, (6, sizes[0]))
Y = np.eye(sizes[-1])[rng.randint(sizes[-1], size=6)]  # one-hot targets
sample_weight = rng.uniform(0.5, 2.0, size=6)

# %%
# A few entries by hand: the seed's network (sigmoid everywhere, quadratic
# cost). ``coefs[l]`` is the seed's W^(l+1) transposed, so ``coefs[l][i, j]``
# is the weight from unit i of one layer to unit j of the next.

options = dict(
    activation="logistic",
    out_activation="logistic",
    loss="squared_error",
    alpha=0.1,
    sample_weight=sample_weight,
)
loss, coef_grads, intercept_grads = loss_and_gradients(
    coefs, intercepts, X, Y, **options
)


def numeric_slope(layer, index, kind, eps=1e-6):
    """Central difference of the loss in one weight or bias."""
    values = []
    for step in (eps, -eps):
        c = [W.copy() for W in coefs]
        b = [v.copy() for v in intercepts]
        (c if kind == "coef" else b)[layer][index] += step
        values.append(loss_and_gradients(c, b, X, Y, **options)[0])
    return (values[0] - values[1]) / (2 * eps)


print(f"seed network {sizes}, quadratic cost, alpha=0.1, weighted: J = {loss:.6f}\n")
print(
    f"{'parameter':<20} {'back-propagation':>18} {'finite difference':>18} "
    f"{'difference':>11}"
)
entries = [
    ("coef", 0, (0, 0)),
    ("coef", 0, (2, 3)),
    ("coef", 1, (1, 4)),
    ("coef", 2, (4, 2)),
    ("intercept", 0, (1,)),
    ("intercept", 2, (0,)),
]
for kind, layer, index in entries:
    analytic = (coef_grads if kind == "coef" else intercept_grads)[layer][index]
    numeric = numeric_slope(layer, index, kind)
    label = f"{kind}s[{layer}][{', '.join(map(str, index))}]"
    print(
        f"{label:<20} {analytic:>18.10f} {numeric:>18.10f} "
        f"{abs(analytic - numeric):>11.1e}"
    )

# %%
# Every parameter, for every valid (loss, output activation) pair and two
# hidden activations.

pairs = [
    ("squared_error", "logistic"),
    ("squared_error", "softmax"),
    ("squared_error", "identity"),
    ("log_loss", "logistic"),
    ("log_loss", "softmax"),
]
print(f"\n{'loss':<14} {'output':<9} {'hidden':<9} {'relative error':>14}")
for loss_name, out_activation in pairs:
    for activation in ("logistic", "tanh"):
        error = gradient_check(
            coefs,
            intercepts,
            X,
            Y,
            activation=activation,
            out_activation=out_activation,
            loss=loss_name,
            alpha=0.1,
            sample_weight=sample_weight,
        )
        print(f"{loss_name:<14} {out_activation:<9} {activation:<9} {error:>14.2e}")
        assert error < 1e-7, (loss_name, out_activation, activation, error)

# %%
# What a bug looks like: the output error ε^(L) = a − y, which is right for
# the log-losses, used with the seed's quadratic cost, i.e. with its factor
# σ'(z^(L)) dropped. The log-loss gradient with logistic outputs is exactly
# that wrong gradient; compared with the quadratic cost's finite differences
# it fails the check by orders of magnitude.

seed = dict(activation="logistic", out_activation="logistic")
_, wrong_coefs, wrong_intercepts = loss_and_gradients(
    coefs, intercepts, X, Y, loss="log_loss", **seed
)
options = dict(seed, loss="squared_error", alpha=0.0, sample_weight=None)
numeric = np.array(
    [
        numeric_slope(layer, index, kind)
        for kind, params in (("coef", coefs), ("intercept", intercepts))
        for layer, P in enumerate(params)
        for index in np.ndindex(P.shape)
    ]
)
wrong = np.concatenate([g.ravel() for g in wrong_coefs + wrong_intercepts])
error = np.linalg.norm(wrong - numeric) / (
    np.linalg.norm(wrong) + np.linalg.norm(numeric)
)
print(
    f"\nquadratic cost with ε^(L) = a − y (σ'(z) dropped): relative error {error:.2f}"
)

# %%
# The relative error against the step ε, for the correct gradient and for the
# wrong one. The correct gradient's error falls like ε² until rounding in the
# two losses' difference takes over (around ε = 1e-5 in float64); the wrong
# gradient stays wrong at every ε.


def relative_error(analytic, eps):
    """Relative error between ``analytic`` and central differences at ``eps``."""
    numeric = np.array(
        [
            numeric_slope(layer, index, kind, eps)
            for kind, params in (("coef", coefs), ("intercept", intercepts))
            for layer, P in enumerate(params)
            for index in np.ndindex(P.shape)
        ]
    )
    return np.linalg.norm(analytic - numeric) / (
        np.linalg.norm(analytic) + np.linalg.norm(numeric)
    )


_, right_coefs, right_intercepts = loss_and_gradients(
    coefs, intercepts, X, Y, **options
)
right = np.concatenate([g.ravel() for g in right_coefs + right_intercepts])
steps = np.logspace(-10, -1, 10)
if plt is not None:
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.loglog(
        steps,
        [relative_error(right, e) for e in steps],
        "o-",
        label="back-propagation (BP1 with σ'(z))",
    )
    ax.loglog(
        steps,
        [relative_error(wrong, e) for e in steps],
        "s--",
        label="ε^(L) = a − y (σ'(z) dropped)",
    )
    ax.set(
        xlabel="finite-difference step ε",
        ylabel="relative error",
        title="seed network, quadratic cost",
    )
    ax.legend()
    fig.tight_layout()
    fig.savefig("gradient_check.png", dpi=100)
    print("\nsaved gradient_check.png")
