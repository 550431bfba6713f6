"""Stochastic optimizers over the flat parameter vector, with their state.

The update rules are MLPClassifier's, so the same hyperparameters mean the
same thing; the state (velocities, Adam's moments and step count, the step
size's schedule) lives on the optimizer, which the estimator keeps between
``fit`` (warm_start) and ``partial_fit`` calls.  Every update is a few
in-place vector operations on the whole network at once.  Each optimizer asks
its schedule (``_schedules``) for the step size η, and clips the gradient
(``_clipping``) first when ``max_grad_norm`` is set.
"""

import math

from . import _inplace
from ._array_api import namespace_of, to_namespace
from ._clipping import clip_grad_norm
from ._schedules import make_schedule

# Each pass over the parameter vector is memory-bound, so a step makes as few
# as NumPy allows: y += a x is one BLAS axpy during a fit (``_inplace.axpy``;
# ``_blas`` says when), in-place scalings are one pass each, and the rest are
# elementwise operations into the caller's scratch vector (NumPy's out=,
# assignment elsewhere).  Constants are computed once, in __init__.  State
# lives beside the parameters: in their namespace and on their device.


class SGD:
    """Mini-batch gradient descent with (Nesterov) momentum.

    v ← μ v − η g;  θ ← θ + v  (Nesterov: θ ← θ + μ v − η g).

    Parameters
    ----------
    n_params : int
    dtype : dtype
    learning_rate_init : float
        η at the start.
    lr_schedule : {'constant', 'invscaling', 'adaptive', 'cosine'}
        'invscaling': η = η₀ / (t + 1)^power_t with t the samples seen;
        'adaptive': η /= 5 each time training stalls (see ``stalled``);
        'cosine': η = η₀ · ½(1 + cos(π k / max_iter)) in epoch k.
    momentum : float
        μ in [0, 1].
    nesterov : bool
    power_t : float
    max_iter : int, default=200
        The cosine schedule's horizon, in epochs.
    max_grad_norm : float or None, default=None
        Clip each gradient to this global L2 norm before the update.
    """

    def __init__(
        self,
        n_params,
        dtype,
        learning_rate_init,
        lr_schedule="constant",
        momentum=0.9,
        nesterov=True,
        power_t=0.5,
        xp=None,
        device=None,
        *,
        max_iter=200,
        max_grad_norm=None,
    ):
        xp, device = (xp, device) if xp is not None else namespace_of()
        self.learning_rate_init = learning_rate_init
        self.lr_schedule = lr_schedule
        self.schedule = make_schedule(
            lr_schedule, learning_rate_init, power_t=power_t, max_iter=max_iter
        )
        self.momentum = momentum
        self.nesterov = nesterov
        self.power_t = power_t
        self.max_grad_norm = max_grad_norm
        self.velocity = xp.zeros(n_params, dtype=dtype, device=device)

    @property
    def learning_rate(self):
        """η of the current epoch (MLPClassifier's ``learning_rate``)."""
        return self.schedule.eta

    def step(self, params, grad, scratch):
        """Update ``params`` in place from ``grad``; both ``grad`` (clipped,
        when ``max_grad_norm``) and ``scratch`` are overwritten."""
        if self.max_grad_norm is not None:
            clip_grad_norm(grad, self.max_grad_norm)
        mu, v, eta = self.momentum, self.velocity, self.schedule.eta
        axpy = _inplace.axpy
        if mu == 0:  # plain gradient descent: θ ← θ − η g
            axpy(-eta, grad, params, scratch)
            return
        v *= mu
        axpy(-eta, grad, v, scratch)  # v ← μ v − η g
        if self.nesterov:
            axpy(mu, v, params, scratch)
            axpy(-eta, grad, params, scratch)  # θ ← θ + μ v − η g
        else:
            params += v

    def epoch_ends(self, samples_seen):
        """An epoch ended, ``samples_seen`` samples so far: the schedule steps."""
        self.schedule.epoch_ends(samples_seen)

    def stalled(self):
        """Training stalled: shrink η ('adaptive') and say whether to stop."""
        return self.schedule.stalled()


class Adam:
    """Adam (Kingma & Ba, 2014, arXiv:1412.6980), with MLPClassifier's form.

    m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²;
    θ ← θ − η √(1 − β₂ᵗ) / (1 − β₁ᵗ) · m / (√v + ε).

    η is the schedule's (MLPClassifier's adam has η = η₀ only); the step
    actually taken, η with the bias correction, is ``learning_rate``.

    Parameters
    ----------
    n_params : int
    dtype : numpy dtype
    learning_rate_init : float
    beta_1, beta_2 : float
        Decay rates of the first and second moments, in [0, 1).
    epsilon : float
    lr_schedule : {'constant', 'invscaling', 'adaptive', 'cosine'}
        As for ``SGD``.
    power_t : float, default=0.5
    max_iter : int, default=200
    max_grad_norm : float or None, default=None
        Clip each gradient to this global L2 norm before the update.
    """

    def __init__(
        self,
        n_params,
        dtype,
        learning_rate_init,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        xp=None,
        device=None,
        *,
        lr_schedule="constant",
        power_t=0.5,
        max_iter=200,
        max_grad_norm=None,
    ):
        xp, device = (xp, device) if xp is not None else namespace_of()
        self.learning_rate_init = learning_rate_init
        self.learning_rate = learning_rate_init
        self.lr_schedule = lr_schedule
        self.schedule = make_schedule(
            lr_schedule, learning_rate_init, power_t=power_t, max_iter=max_iter
        )
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self._weights = (1 - beta_1, 1 - beta_2)  # of g and g² in the moments
        self.max_grad_norm = max_grad_norm
        self.t = 0
        self.m = xp.zeros(n_params, dtype=dtype, device=device)
        self.v = xp.zeros(n_params, dtype=dtype, device=device)

    def step(self, params, grad, scratch):
        """Update ``params`` in place from ``grad``; both ``grad`` (clipped,
        when ``max_grad_norm``) and ``scratch`` are overwritten."""
        if self.max_grad_norm is not None:
            clip_grad_norm(grad, self.max_grad_norm)
        b1, b2, m, v, work = self.beta_1, self.beta_2, self.m, self.v, scratch
        (w1, w2), axpy = self._weights, _inplace.axpy
        self.t += 1
        m *= b1
        axpy(w1, grad, m, work)  # m ← β₁ m + (1 − β₁) g
        v *= b2
        axpy(w2, _inplace.square(grad, work), v, work)  # v ← β₂ v + (1 − β₂) g²
        self.learning_rate = (
            self.schedule.eta * math.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        )
        _inplace.sqrt(v, work)
        work += self.epsilon
        _inplace.divide(m, work, work)
        axpy(-self.learning_rate, work, params, work)  # θ ← θ − η̂ m / (√v + ε)

    def epoch_ends(self, samples_seen):
        """An epoch ended, ``samples_seen`` samples so far: the schedule steps."""
        self.schedule.epoch_ends(samples_seen)

    def stalled(self):
        """Training stalled: shrink η ('adaptive') and say whether to stop."""
        return self.schedule.stalled()


#: The estimator parameters that configure the optimizers (MLPClassifier's
#: names; ``max_iter`` is the cosine schedule's horizon).
SETTINGS = (
    "learning_rate_init",
    "learning_rate",
    "momentum",
    "nesterovs_momentum",
    "power_t",
    "beta_1",
    "beta_2",
    "epsilon",
    "max_iter",
    "max_grad_norm",
)


def make_optimizer(
    solver,
    n_params,
    dtype,
    settings,
    *,
    previous=None,
    keep_schedule=False,
    xp=None,
    device=None,
):
    """The optimizer ``solver`` names, configured by ``settings``.

    ``settings`` maps the names in ``SETTINGS`` to their values.  The state
    of ``previous`` (velocities, or Adam's moments and step count) carries
    over when it is of the same kind and size, so that warm starts and
    partial_fit continue one optimisation even if settings changed.  The
    schedule restarts at ``learning_rate_init`` (as MLPClassifier's warm
    starts do) unless ``keep_schedule`` — partial_fit continuing one stream —
    and the schedule and ``learning_rate_init`` are unchanged: then it goes
    on where it stood (η, the cosine's epoch count).
    """
    new, state = _new_optimizer(solver, n_params, dtype, settings, xp, device)
    same_kind = type(previous) is type(new)
    if (
        keep_schedule
        and same_kind
        and previous.learning_rate_init == new.learning_rate_init
        and previous.lr_schedule == new.lr_schedule
    ):
        new.schedule.resume(previous.schedule)
    if same_kind and getattr(previous, state[0]).shape == (n_params,):
        for name in state:
            value = getattr(previous, name)
            if name != "t":
                value = _as_state(value, dtype, getattr(new, name))
            setattr(new, name, value)
    return new


def _new_optimizer(solver, n_params, dtype, settings, xp, device):
    """A fresh optimizer and the names of its state."""
    common = dict(
        xp=xp,
        device=device,
        max_iter=settings["max_iter"],
        max_grad_norm=settings["max_grad_norm"],
    )
    if solver == "sgd":
        new = SGD(
            n_params,
            dtype,
            settings["learning_rate_init"],
            settings["learning_rate"],
            settings["momentum"],
            settings["nesterovs_momentum"],
            settings["power_t"],
            **common,
        )
        return new, ("velocity",)
    new = Adam(
        n_params,
        dtype,
        settings["learning_rate_init"],
        settings["beta_1"],
        settings["beta_2"],
        settings["epsilon"],
        lr_schedule=settings["learning_rate"],
        power_t=settings["power_t"],
        **common,
    )
    return new, ("m", "v", "t")


def _as_state(value, dtype, like):
    """A carried-over state vector (a copy) in the dtype, namespace and device
    of ``like``."""
    xp, device = namespace_of(like)
    return xp.astype(to_namespace(value, xp=xp, device=device), dtype, copy=True)
