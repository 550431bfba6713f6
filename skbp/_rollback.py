"""All-or-nothing training calls: a failed fit or partial_fit changes nothing."""

import copy
import functools

import numpy as np


def atomic(method):
    """Undo a training call that fails: the model stays as it was before it.

    Divergence, bad validation data, an impossible split, Ctrl-C before a
    first epoch of the call completed (``KeyboardInterrupt``, which is why
    every exception is caught, not only ``Exception``): a first fit that
    fails leaves the model unfitted, and a warm-start or partial_fit call
    leaves the weights and optimizer state of the last successful call.
    Training never changes arrays in place across calls (it packs the weights
    into a fresh vector and builds a fresh optimizer each call), so the
    snapshot only needs copies of what is appended to or drawn from.
    """

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        params = self.get_params(deep=False)
        saved = {k: _snapshot(v) for k, v in vars(self).items() if k not in params}
        try:
            return method(self, *args, **kwargs)
        except BaseException:
            for name in [k for k in vars(self) if k not in params]:
                delattr(self, name)
            vars(self).update(saved)
            raise

    return wrapper


def _snapshot(value):
    """A copy of ``value`` safe from what training mutates in place."""
    if isinstance(value, list):
        return list(value)
    if isinstance(value, np.random.RandomState):
        return copy.deepcopy(value)
    return value
