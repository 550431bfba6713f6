"""
Tuning with GridSearchCV
========================

``BackpropClassifier`` follows scikit-learn's estimator contract
(``get_params``/``set_params``, ``clone``, no work in ``__init__``), so
:class:`~sklearn.model_selection.GridSearchCV` can tune it like any other
estimator, here inside a pipeline with a :class:`StandardScaler` and with two
worker processes (``n_jobs=2``). We search the hidden layer's size, the L2
strength ``alpha`` and Adam's ``learning_rate_init`` on the digits, print every
candidate's mean and spread of cross-validated accuracy and its mean fit time,
then score the refitted best model on held-out data; the figure
(``grid_search.png``, with matplotlib) draws the candidates' scores.

Set ``SKBP_EXAMPLES_QUICK=1`` for a smaller grid, fewer folds and epochs.
"""

import os
import time
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbp import BackpropClassifier

try:
    import matplotlib.pyplot as plt
except ImportError:  # the optional skbp[plot] extra
    plt = None

QUICK = os.environ.get("SKBP_EXAMPLES_QUICK") == "1"

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

# %%
# The grid. Parameters of a pipeline step are addressed as
# ``<step name>__<parameter>``; ``make_pipeline`` names the step after its
# class in lower case.

if QUICK:
    grid = {
        "backpropclassifier__hidden_layer_sizes": [(16,), (32,)],
        "backpropclassifier__alpha": [1e-4],
        "backpropclassifier__learning_rate_init": [1e-2],
    }
    cv, max_iter = 2, 15
else:
    grid = {
        "backpropclassifier__hidden_layer_sizes": [(32,), (100,)],
        "backpropclassifier__alpha": [1e-4, 1e-1, 1.0],
        "backpropclassifier__learning_rate_init": [1e-3, 1e-2],
    }
    cv, max_iter = 3, 200

pipe = make_pipeline(
    StandardScaler(), BackpropClassifier(max_iter=max_iter, random_state=0)
)
search = GridSearchCV(pipe, grid, cv=cv, n_jobs=2)

start = time.perf_counter()
with warnings.catch_warnings():
    # The small learning rate may need more than max_iter epochs; the
    # cross-validated score already tells us how much that costs.
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X_train, y_train)
seconds = time.perf_counter() - start

# %%
# Every candidate, best first.

results = search.cv_results_
order = sorted(
    range(len(results["params"])), key=lambda i: results["rank_test_score"][i]
)
print(f"{len(order)} candidates x {cv} folds in {seconds:.1f} s (n_jobs=2)\n")
print(
    f"{'rank':>4}  {'hidden':<8} {'alpha':>7} {'lr':>7}  "
    f"{'mean acc':>8} {'std':>7} {'fit s':>6}"
)
for i in order:
    p = results["params"][i]
    print(
        f"{results['rank_test_score'][i]:>4}  "
        f"{str(p['backpropclassifier__hidden_layer_sizes']):<8} "
        f"{p['backpropclassifier__alpha']:>7g} "
        f"{p['backpropclassifier__learning_rate_init']:>7g}  "
        f"{results['mean_test_score'][i]:>8.4f} "
        f"{results['std_test_score'][i]:>7.4f} "
        f"{results['mean_fit_time'][i]:>6.2f}"
    )

# %%
# The best candidate, refitted on the whole training split, on the test split.

best = {k.split("__", 1)[1]: v for k, v in search.best_params_.items()}
print(f"\nbest parameters: {best}")
print(f"best cross-validated accuracy: {search.best_score_:.4f}")
print(f"test accuracy of the refitted best model: {search.score(X_test, y_test):.4f}")

# %%
# Every candidate's cross-validated accuracy (mean and standard deviation
# over the folds), best first: the small learning rate and the large
# ``alpha`` are where the quadratic cost loses accuracy.

if plt is not None:
    labels = [
        "{} α={:g} lr={:g}".format(
            *(
                results["params"][i]["backpropclassifier__" + k]
                for k in ("hidden_layer_sizes", "alpha", "learning_rate_init")
            )
        )
        for i in order
    ]
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(order) + 1.2))
    ax.barh(
        range(len(order)),
        [results["mean_test_score"][i] for i in order],
        xerr=[results["std_test_score"][i] for i in order],
        color="C0",
    )
    ax.set_yticks(range(len(order)), labels)
    ax.invert_yaxis()  # best on top
    ax.set(xlabel=f"mean cross-validated accuracy ({cv} folds)", xlim=(0, 1))
    fig.tight_layout()
    fig.savefig("grid_search.png", dpi=100)
    print("\nsaved grid_search.png")
