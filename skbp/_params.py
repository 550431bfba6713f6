"""Validation of hyperparameters and keyword arguments, with clear errors.

Every error names the parameter, what it got and what is allowed.
"""

import math
import numbers

import numpy as np


class InvalidParameterError(ValueError, TypeError):
    """A hyperparameter or argument outside its allowed values.

    Subclasses both ValueError and TypeError, as scikit-learn's own
    parameter errors do, so callers may catch either.  The message names the
    parameter, what was given and what is allowed.

    Examples
    --------
    >>> from skbp import BackpropClassifier, InvalidParameterError
    >>> try:
    ...     BackpropClassifier(alpha=-1.0).fit([[0.0], [1.0]], [0, 1])
    ... except InvalidParameterError as error:
    ...     print(error)
    The 'alpha' parameter of BackpropClassifier must be a float in [0, inf); got -1.0.
    """


class Options:
    """One of a fixed set of values (strings, booleans, floats or None).

    NumPy scalars count as the Python values they equal (``np.str_('sgd')``,
    ``np.bool_(False)``, ``np.float64(np.inf)``), as in scikit-learn's own
    validation, so a grid built from a NumPy array works; but a bool is never
    taken for a number, nor a number for a bool.
    """

    def __init__(self, *options):
        self.options = options

    def accepts(self, value):
        return any(_same_option(value, o) for o in self.options)

    def __str__(self):
        return " or ".join(repr(o) for o in self.options)


def _same_option(value, option):
    if option is None:
        return value is None
    if isinstance(option, bool):
        return isinstance(value, (bool, np.bool_)) and bool(value) is option
    if isinstance(option, str):
        return isinstance(value, str) and value == option
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, (bool, np.bool_))
        and value == option
    )


class Number:
    """A real (or integral) number in an interval.

    A missing bound (None) is an open end at infinity, as in scikit-learn's
    ``Interval``: ``Number(0, None)`` is [0, inf), which takes no ``inf``.
    A parameter that means something at infinity (``n_iter_no_change``)
    says so with ``Options(np.inf)``.
    """

    def __init__(
        self, low=None, high=None, *, integral=False, low_open=False, high_open=False
    ):
        self.low, self.high, self.integral = low, high, integral
        self.low_open, self.high_open = low_open, high_open

    def accepts(self, value):
        kind = numbers.Integral if self.integral else numbers.Real
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, kind):
            return False
        if not _finite(value):
            return False
        if self.low is not None and (
            value < self.low or (self.low_open and value == self.low)
        ):
            return False
        return self.high is None or not (
            value > self.high or (self.high_open and value == self.high)
        )

    def __str__(self):
        kind = "an int" if self.integral else "a float"
        left = "(" if self.low_open or self.low is None else "["
        right = ")" if self.high_open or self.high is None else "]"
        low = "-inf" if self.low is None else self.low
        high = "inf" if self.high is None else self.high
        return f"{kind} in {left}{low}, {high}{right}"


def _finite(value):
    """Not nan nor ±inf; an int of any size is finite (no float conversion)."""
    return isinstance(value, numbers.Integral) or math.isfinite(value)


class Predicate:
    """Anything a function accepts, described in words.

    ``explain(value)``, when given, says what is wrong with a value that
    nearly fits (a Loss with an unknown output), for the error message.
    """

    def __init__(self, test, description, explain=None):
        self.test, self.description, self.explain = test, description, explain

    def accepts(self, value):
        try:
            return bool(self.test(value))
        except Exception:
            return False

    def __str__(self):
        return self.description


def check_param(owner, name, value, *constraints):
    """Raise InvalidParameterError unless one of ``constraints`` accepts ``value``."""
    if not any(c.accepts(value) for c in constraints):
        allowed = " or ".join(str(c) for c in constraints)
        why = [c.explain(value) for c in constraints if getattr(c, "explain", None)]
        why = "".join(f" ({reason})" for reason in why if reason)
        raise InvalidParameterError(
            f"The {name!r} parameter of {owner} must be {allowed}; got {value!r}{why}."
        )
    return value


def _is_layer_sizes(value):
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return value >= 1
    sizes = list(value)
    return all(
        isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 1
        for s in sizes
    )


LAYER_SIZES = Predicate(
    _is_layer_sizes, "a positive int or a sequence of positive ints (may be empty)"
)


def _is_random_state(value):
    return (
        value is None
        or isinstance(value, np.random.RandomState)
        or (
            isinstance(value, numbers.Integral)
            and not isinstance(value, bool)
            and 0 <= value < 2**32
        )
    )


RANDOM_STATE = Predicate(
    _is_random_state, "None, an int in [0, 2**32 - 1] or a numpy RandomState"
)


def _is_class_weight(value):
    return (
        value is None
        or value == "balanced"
        or (
            isinstance(value, dict)
            and all(
                isinstance(v, numbers.Real)
                and not isinstance(v, bool)
                and np.isfinite(v)
                and v >= 0
                for v in value.values()
            )
        )
    )


CLASS_WEIGHT = Predicate(
    _is_class_weight, "None, 'balanced' or a dict {class: weight >= 0}"
)

BOOL = Options(True, False)
VERBOSE = Predicate(
    lambda v: isinstance(v, (bool, np.bool_, numbers.Integral)) and v >= 0,
    "a bool or an int >= 0",
)
#: A finite float > 0 (``huber_delta``).
POSITIVE_FINITE = Predicate(
    lambda v: Number(0, None, low_open=True).accepts(v) and bool(np.isfinite(v)),
    "a finite float > 0",
)
#: A float strictly between 0 and 1 (``quantile``).
OPEN_UNIT = Number(0, 1, low_open=True, high_open=True)
