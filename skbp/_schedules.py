"""Step-size schedules: the η an optimizer asks for, epoch by epoch.

A schedule is a small object holding the current step size ``eta``; the
optimizer reads it at every update and tells the schedule when an epoch ends
(``epoch_ends``) and when training stalls (``stalled``).  'constant',
'invscaling' and 'adaptive' are MLPClassifier's schedules for sgd, with its
arithmetic; 'cosine' is PyTorch's ``CosineAnnealingLR`` (η_min = 0, stepped
once per epoch, horizon ``max_iter``).  Each works for sgd and adam alike.
"""

import math


class Constant:
    """η = η₀ throughout; a stall stops training.

    Parameters
    ----------
    eta0 : float
        The initial step size, ``learning_rate_init``.

    Examples
    --------
    >>> from skbp._schedules import Constant
    >>> schedule = Constant(0.1)
    >>> schedule.epoch_ends(samples_seen=100)
    >>> schedule.eta, schedule.stalled()
    (0.1, True)
    """

    def __init__(self, eta0):
        self.eta0 = eta0
        self.eta = eta0

    def epoch_ends(self, samples_seen):
        """Called after every epoch with the samples seen so far, all calls."""

    def stalled(self):
        """Training stalled: True to stop, False to go on with a new η."""
        return True

    def resume(self, previous):
        """Continue where ``previous`` (a schedule of this kind) stood."""
        self.eta = previous.eta


class InvScaling(Constant):
    """η = η₀ / (t + 1)^power_t, t the samples seen, updated after each epoch.

    Examples
    --------
    >>> from skbp._schedules import InvScaling
    >>> schedule = InvScaling(1.0, power_t=0.5)
    >>> schedule.epoch_ends(samples_seen=99)
    >>> schedule.eta
    0.1
    """

    def __init__(self, eta0, power_t):
        super().__init__(eta0)
        self.power_t = power_t

    def epoch_ends(self, samples_seen):
        self.eta = self.eta0 / ((samples_seen + 1) ** self.power_t)


class Adaptive(Constant):
    """η /= 5 each time training stalls; stops once η ≤ 1e-6.

    Examples
    --------
    >>> from skbp._schedules import Adaptive
    >>> schedule = Adaptive(0.01)
    >>> schedule.stalled(), schedule.eta
    (False, 0.002)
    """

    def stalled(self):
        if self.eta <= 1e-6:
            return True
        self.eta /= 5.0
        return False


class Cosine(Constant):
    """η = η₀ · ½ (1 + cos(π · k / max_iter)) in epoch k = 0, 1, ...

    The epoch count carries on across ``partial_fit`` calls (resume), with
    ``max_iter`` as the horizon: η reaches 0 at epoch ``max_iter`` and, as
    PyTorch's closed form, rises again after it.  A stall stops training.

    Examples
    --------
    >>> from skbp._schedules import Cosine
    >>> schedule = Cosine(1.0, max_iter=4)
    >>> etas = []
    >>> for _ in range(4):
    ...     etas.append(round(schedule.eta, 4))
    ...     schedule.epoch_ends(samples_seen=None)
    >>> etas
    [1.0, 0.8536, 0.5, 0.1464]
    """

    def __init__(self, eta0, max_iter):
        super().__init__(eta0)
        self.max_iter = max_iter
        self.epoch = 0

    def epoch_ends(self, samples_seen):
        self.epoch += 1
        self._set_eta()

    def resume(self, previous):
        self.epoch = previous.epoch
        self._set_eta()

    def _set_eta(self):
        phase = math.pi * self.epoch / self.max_iter
        self.eta = self.eta0 * 0.5 * (1.0 + math.cos(phase))


#: ``learning_rate``'s values.
NAMES = ("constant", "invscaling", "adaptive", "cosine")


def make_schedule(name, eta0, *, power_t=0.5, max_iter=200):
    """The schedule ``learning_rate=name`` asks for, starting at ``eta0``.

    Examples
    --------
    >>> from skbp._schedules import make_schedule
    >>> type(make_schedule("cosine", 0.1, max_iter=10)).__name__
    'Cosine'
    """
    if name == "invscaling":
        return InvScaling(eta0, power_t)
    if name == "adaptive":
        return Adaptive(eta0)
    if name == "cosine":
        return Cosine(eta0, max_iter)
    return Constant(eta0)
