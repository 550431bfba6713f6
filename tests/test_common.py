"""scikit-learn's estimator checks, every one of them, nothing marked xfail."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skbp import BackpropClassifier

ESTIMATORS = [
    BackpropClassifier(),  # the defaults: the seed's sigmoid network, quadratic cost
    BackpropClassifier(solver="sgd", learning_rate_init=0.1),
    BackpropClassifier(solver="lbfgs"),
    BackpropClassifier(loss="log_loss"),
    BackpropClassifier(
        loss="log_loss", solver="sgd", activation="relu", learning_rate="adaptive"
    ),
    BackpropClassifier(activation="tanh", class_weight="balanced", alpha=0.01),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
