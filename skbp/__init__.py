"""skbp: scikit-learn neural networks trained by hand-derived
back-propagation, in NumPy."""

from ._activations import Activation
from ._classifier import BackpropClassifier
from ._gradient import gradient_check, loss_and_gradients
from ._loss import Loss
from ._params import InvalidParameterError
from ._regressor import BackpropRegressor
from ._training import DivergenceError

#: The types a saved skbp estimator holds beyond NumPy's and scikit-learn's:
#: ``skops.io.load(path, trusted=TRUSTED_SKOPS_TYPES)`` loads one safely.
TRUSTED_SKOPS_TYPES = [
    "skbp._activations.Activation",
    "skbp._classifier.BackpropClassifier",
    "skbp._regressor.BackpropRegressor",
    "skbp._optimizers.Adam",
    "skbp._optimizers.SGD",
    "skbp._schedules.Adaptive",
    "skbp._schedules.Constant",
    "skbp._schedules.Cosine",
    "skbp._schedules.InvScaling",
]

__all__ = [
    "TRUSTED_SKOPS_TYPES",
    "Activation",
    "BackpropClassifier",
    "BackpropRegressor",
    "DivergenceError",
    "InvalidParameterError",
    "Loss",
    "gradient_check",
    "loss_and_gradients",
]
__version__ = "0.1.0"
