"""Warnings that point at the user's line, however deep inside skbp they start.

Between the user's call and the line that warns sit skbp's own frames and
scikit-learn's: the callback wrapper around every fit, a Pipeline's or a
meta-estimator's fit, and joblib's, through which scikit-learn's searches
run their fits.  A warning attributed to any of them would defeat
``module=`` filters and the once-per-location de-duplication, so it is
attributed to the first frame outside these packages.
"""

import os
import sys
import warnings

import joblib  # scikit-learn's own dependency: its searches fit through it
import sklearn

#: Frames from files under these folders are not the user's.
_INTERNAL = tuple(
    os.path.dirname(os.path.abspath(path)) + os.sep
    for path in (__file__, sklearn.__file__, joblib.__file__)
)


def warn(message, category=UserWarning):
    """``warnings.warn`` attributed to the first caller outside skbp,
    scikit-learn and joblib.

    Examples
    --------
    >>> import warnings
    >>> from skbp._warnings import warn
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn("look here")
    >>> caught[0].filename.startswith("<doctest")  # the caller, not skbp
    True
    """
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_code.co_filename.startswith(_INTERNAL):
        frame, level = frame.f_back, level + 1
    if frame is None:  # called from skbp or scikit-learn alone: the outermost
        level -= 1
    warnings.warn(message, category, stacklevel=level)
