"""Stochastic optimizers over the flat parameter vector, with their state.

The update rules are MLPClassifier's, so the same hyperparameters mean the
same thing; the state (velocities, Adam's moments and step count, the current
learning rate) lives on the optimizer, which the estimator keeps between
``fit`` (warm_start) and ``partial_fit`` calls.  Every update is a few
in-place vector operations on the whole network at once.
"""

import math

from . import _inplace
from ._array_api import namespace_of, to_namespace

# Vector updates are elementwise operations into the caller's scratch vector
# (``_inplace``: NumPy's out=, assignment elsewhere) rather than BLAS level-1
# calls: they are memory-bound either way, and threaded BLAS axpy is very slow
# whenever the cores are shared.  State lives beside the parameters: in their
# namespace and on their device.


class SGD:
    """Mini-batch gradient descent with (Nesterov) momentum.

    v ← μ v − η g;  θ ← θ + v  (Nesterov: θ ← θ + μ v − η g).

    Parameters
    ----------
    n_params : int
    dtype : dtype
    learning_rate_init : float
        η at the start.
    lr_schedule : {'constant', 'invscaling', 'adaptive'}
        'invscaling': η = η₀ / (t + 1)^power_t with t the samples seen;
        'adaptive': η /= 5 each time training stalls (see ``stalled``).
    momentum : float
        μ in [0, 1].
    nesterov : bool
    power_t : float
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
    ):
        xp, device = (xp, device) if xp is not None else namespace_of()
        self.learning_rate_init = learning_rate_init
        self.learning_rate = learning_rate_init
        self.lr_schedule = lr_schedule
        self.momentum = momentum
        self.nesterov = nesterov
        self.power_t = power_t
        self.velocity = xp.zeros(n_params, dtype=dtype, device=device)

    def step(self, params, grad, scratch):
        """Update ``params`` in place from ``grad``; ``scratch`` is overwritten."""
        mu, v, step = self.momentum, self.velocity, scratch
        _inplace.multiply(grad, self.learning_rate, step)  # η g
        if mu == 0:  # plain gradient descent: θ ← θ − η g
            params -= step
            return
        v *= mu
        v -= step  # v ← μ v − η g
        if self.nesterov:
            params -= step
            _inplace.multiply(v, mu, step)
            params += step  # θ ← θ + μ v − η g
        else:
            params += v

    def epoch_ends(self, samples_seen):
        """Decay η at an epoch's end when the schedule is 'invscaling'."""
        if self.lr_schedule == "invscaling":
            self.learning_rate = self.learning_rate_init / (
                (samples_seen + 1) ** self.power_t
            )

    def stalled(self):
        """Training stalled: shrink η ('adaptive') and say whether to stop."""
        if self.lr_schedule != "adaptive" or self.learning_rate <= 1e-6:
            return True
        self.learning_rate /= 5.0
        return False


class Adam:
    """Adam (Kingma & Ba, 2014, arXiv:1412.6980), with MLPClassifier's form.

    m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²;
    θ ← θ − η √(1 − β₂ᵗ) / (1 − β₁ᵗ) · m / (√v + ε).

    Parameters
    ----------
    n_params : int
    dtype : numpy dtype
    learning_rate_init : float
    beta_1, beta_2 : float
        Decay rates of the first and second moments, in [0, 1).
    epsilon : float
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
    ):
        xp, device = (xp, device) if xp is not None else namespace_of()
        self.learning_rate_init = learning_rate_init
        self.learning_rate = learning_rate_init
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.t = 0
        self.m = xp.zeros(n_params, dtype=dtype, device=device)
        self.v = xp.zeros(n_params, dtype=dtype, device=device)

    def step(self, params, grad, scratch):
        """Update ``params`` in place from ``grad``; ``scratch`` is overwritten."""
        b1, b2, m, v, work = self.beta_1, self.beta_2, self.m, self.v, scratch
        self.t += 1
        m *= b1
        _inplace.multiply(grad, 1 - b1, work)
        m += work
        _inplace.square(grad, work)
        work *= 1 - b2
        v *= b2
        v += work
        self.learning_rate = (
            self.learning_rate_init * math.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        )
        _inplace.sqrt(v, work)
        work += self.epsilon
        _inplace.divide(m, work, work)
        work *= self.learning_rate
        params -= work

    def epoch_ends(self, samples_seen):
        """Adam keeps its own step size: nothing to do."""

    def stalled(self):
        """Training stalled: Adam always stops."""
        return True


#: The estimator parameters that configure the optimizers (MLPClassifier's names).
SETTINGS = (
    "learning_rate_init",
    "learning_rate",
    "momentum",
    "nesterovs_momentum",
    "power_t",
    "beta_1",
    "beta_2",
    "epsilon",
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
    partial_fit continue one optimisation even if settings changed.  The step
    size restarts at ``learning_rate_init`` (as MLPClassifier's warm starts
    do) unless ``keep_schedule`` — partial_fit continuing one stream — and the
    schedule and ``learning_rate_init`` are unchanged.
    """
    if solver == "sgd":
        new = SGD(
            n_params,
            dtype,
            settings["learning_rate_init"],
            settings["learning_rate"],
            settings["momentum"],
            settings["nesterovs_momentum"],
            settings["power_t"],
            xp=xp,
            device=device,
        )
        state = ("velocity",)
    else:
        new = Adam(
            n_params,
            dtype,
            settings["learning_rate_init"],
            settings["beta_1"],
            settings["beta_2"],
            settings["epsilon"],
            xp=xp,
            device=device,
        )
        state = ("m", "v", "t")
    same_kind = type(previous) is type(new)
    if (
        keep_schedule
        and same_kind
        and previous.learning_rate_init == new.learning_rate_init
        and getattr(previous, "lr_schedule", None) == getattr(new, "lr_schedule", None)
    ):
        new.learning_rate = previous.learning_rate
    if same_kind and getattr(previous, state[0]).shape == (n_params,):
        for name in state:
            value = getattr(previous, name)
            if name != "t":
                value = _as_state(value, dtype, getattr(new, name))
            setattr(new, name, value)
    return new


def _as_state(value, dtype, like):
    """A carried-over state vector (a copy) in the dtype, namespace and device
    of ``like``."""
    xp, device = namespace_of(like)
    return xp.astype(to_namespace(value, xp=xp, device=device), dtype, copy=True)
