"""skbp: a scikit-learn neural-network classifier trained by hand-derived
back-propagation, in NumPy."""

from ._classifier import BackpropClassifier
from ._gradient import gradient_check, loss_and_gradients
from ._params import InvalidParameterError

__all__ = [
    "BackpropClassifier",
    "InvalidParameterError",
    "gradient_check",
    "loss_and_gradients",
]
__version__ = "0.1.0"
