"""The public loss-and-gradient function and its finite-difference check."""

import dataclasses

import numpy as np
from sklearn.utils import check_array

from . import _activations, _network
from ._array_api import as_data, host, namespace_of, to_namespace, to_numpy
from ._backprop import NetSpec, Workspace, backprop
from ._costs import normalised_weights
from ._dropout import FixedMasks, check_masks, check_rates
from ._loss import LOSS_OBJECT, LOSSES, PAIRS, Loss, cost_for, default_output
from ._params import (
    OPEN_UNIT,
    POSITIVE_FINITE,
    InvalidParameterError,
    Number,
    Options,
    check_param,
)

_OWNER = "loss_and_gradients"
OUTPUTS = tuple(dict.fromkeys(out for _, out in PAIRS))


def loss_and_gradients(
    coefs,
    intercepts,
    X,
    Y,
    *,
    activation="logistic",
    out_activation=None,
    loss="squared_error",
    alpha=0.0,
    sample_weight=None,
    huber_delta=1.0,
    quantile=0.5,
    dropout=0.0,
    dropout_masks=None,
):
    """Loss of a network on (X, Y) and its exact gradient, by back-propagation.

    The gradient is derived by hand (``docs/derivation.md``): the seed's four
    equations, in batch form, in ``skbp._backprop.backprop`` — the same
    function the estimator's solvers call.

    Parameters
    ----------
    coefs : list of ndarray
        ``coefs[l]`` of shape (n_units[l], n_units[l+1]): the seed's weight
        matrix transposed (MLPClassifier's ``coefs_`` layout).
    intercepts : list of ndarray
        ``intercepts[l]`` of shape (n_units[l+1],).
    X : {array-like, sparse matrix} of shape (n_samples, n_units[0])
        Input rows.
    Y : array-like of shape (n_samples, n_units[-1])
        Encoded targets, float: one-hot (or class probabilities, rows summing
        to one) for a softmax output, 0/1 indicators for logistic outputs,
        the target values for identity and exp outputs.
    activation : str, Activation or list of them, default='logistic'
        Hidden activation σ: 'identity', 'logistic', 'tanh', 'relu',
        'leaky_relu', 'elu', 'softplus', 'silu' or 'gelu', or an
        :class:`~skbp.Activation`; or a list or tuple with one of those per
        hidden layer (``len(coefs) - 1`` entries).
    out_activation : {'logistic', 'softmax', 'identity', 'exp'}, default=None
        Output activation g.  None: 'logistic' for 'squared_error' and
        'log_loss', the one output the other losses allow ('exp' for
        'poisson', 'identity' for the robust losses), a ``Loss``'s own
        ``output_activation`` (which an explicit value must equal).
    loss : {'squared_error', 'log_loss', 'poisson', 'absolute_error', \
            'huber', 'quantile'} or skbp.Loss, default='squared_error'
        ``'squared_error'``: the seed's J = ½‖a − y‖² summed over outputs
        (any output but exp).  ``'log_loss'``: cross-entropy (a logistic or
        softmax output).  ``'poisson'``: half the Poisson deviance with an
        exp output, Y ≥ 0.  ``'absolute_error'`` Σ abs(a − y), ``'huber'`` and
        ``'quantile'`` (pinball): identity output.  A :class:`skbp.Loss`
        instance: your own cost.  Each is averaged over samples, weighted by
        ``sample_weight``; ``skbp._costs`` and ``skbp._robust_costs`` hold
        each (loss, output) pair.
    alpha : float, default=0.0
        L2 strength: adds alpha / (2 n) Σ_l ‖coefs[l]‖², biases not decayed,
        with n the number of samples or the sum of ``sample_weight``.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights of the samples.
    huber_delta : float > 0, default=1.0
        δ of ``loss='huber'``: ½ d² for abs(d) ≤ δ, δ (abs(d) − ½δ) beyond.
        Validated whatever the loss.
    quantile : float in (0, 1), default=0.5
        q of ``loss='quantile'``.  Validated whatever the loss.
    dropout : float or list of float, default=0.0
        Dropout rates p in [0, 1): one for every hidden layer, or one per
        hidden layer.  With a rate > 0 the network is the one a training
        step sees: hidden layer l's output is multiplied by
        ``dropout_masks[l] / (1 - p_l)`` before the next layer reads it.
    dropout_masks : list of array-like, default=None
        One 0/1 array of shape (n_samples, units of hidden layer l) per
        hidden layer: 1 keeps a unit's output for that row, 0 drops it.
        Unscaled; the 1/(1 − p) is applied inside.  Required when a rate is
        > 0, so that the masks are held fixed (a gradient check); a layer
        whose rate is 0 ignores its mask (it may be None).

    Returns
    -------
    loss : float
    coef_grads : list of ndarray
        ∂loss/∂coefs[l], shaped as ``coefs``.
    intercept_grads : list of ndarray
        ∂loss/∂intercepts[l], shaped as ``intercepts``.

    Examples
    --------
    >>> import numpy as np
    >>> from skbp import loss_and_gradients
    >>> coefs = [np.array([[0.5], [-0.5]])]
    >>> intercepts = [np.array([0.0])]
    >>> X = np.array([[1.0, 1.0]]); Y = np.array([[1.0]])
    >>> loss, gW, gb = loss_and_gradients(coefs, intercepts, X, Y)
    >>> round(loss, 6)   # ½ (σ(0) − 1)²
    0.125
    >>> gb[0]            # (σ(0) − 1) σ'(0) = −0.5 · 0.25
    array([-0.125])

    With dropout, the masks are given and held fixed:

    >>> coefs = [np.array([[1.0, 2.0]]), np.array([[1.0], [1.0]])]
    >>> intercepts = [np.zeros(2), np.zeros(1)]
    >>> X = np.array([[1.0], [1.0]]); Y = np.array([[4.0], [4.0]])
    >>> masks = [np.array([[1, 0], [1, 1]])]        # row 0 drops unit 1
    >>> loss, gW, gb = loss_and_gradients(
    ...     coefs, intercepts, X, Y, activation="identity",
    ...     out_activation="identity", dropout=0.5, dropout_masks=masks)
    >>> loss         # outputs 2·1 = 2 and 2·(1 + 2) = 6: ½ (2² + 2²) / 2
    2.0
    """
    coefs, intercepts, X, Y, w, n_eff, spec = _validate(
        coefs,
        intercepts,
        X,
        Y,
        activation,
        out_activation,
        loss,
        alpha,
        sample_weight,
        huber_delta,
        quantile,
    )
    spec = _with_dropout(spec, dropout, dropout_masks, coefs, X.shape[0])
    xp, device = namespace_of(X)
    params = _network.pack(coefs, intercepts, dtype=X.dtype)
    units = _network.layer_units_of(coefs)
    ws = Workspace(units, X.shape[0], X.dtype, xp, device, spec.sigmas)
    value = float(backprop(params, X, Y, w, n_eff, spec, ws))
    return (
        value,
        [xp.asarray(g, copy=True) for g in ws.coef_grads],
        [xp.asarray(g, copy=True) for g in ws.intercept_grads],
    )


def gradient_check(coefs, intercepts, X, Y, *, eps=1e-6, **kwargs):
    """Relative error of ``loss_and_gradients`` against finite differences.

    Each parameter θ_k is perturbed by ±``eps`` and the central difference
    (J(θ + eps e_k) − J(θ − eps e_k)) / (2 eps) compared with the analytic
    gradient g_k.  The relative error is ‖g − d‖ / (‖g‖ + ‖d‖) over all
    parameters (UFLDL's and CS231n's measure): elementwise ratios would be
    dominated by finite-difference noise on gradients that are nearly zero.

    The check runs in float64 whatever the inputs' dtype: in float32 the
    rounding of each loss (about 1e-7 relative) divided by 2 eps would swamp
    the differences, and a correct gradient would score 0.3 or worse.

    Parameters
    ----------
    coefs, intercepts, X :
        As for :func:`loss_and_gradients`.
    Y : array-like of shape (n_samples, n_outputs)
        The encoded target matrix, as for :func:`loss_and_gradients`: one-hot
        rows (or class probabilities) for a softmax output, 0/1 indicators
        for logistic outputs, one column per output — not a vector of labels.
    eps : float, default=1e-6
        The step of the central differences.
    **kwargs :
        activation, out_activation, loss, alpha, sample_weight, huber_delta,
        quantile, dropout, dropout_masks: as for :func:`loss_and_gradients`.
        A :class:`skbp.Loss` sees float64 NumPy arrays here.  With dropout
        the masks are held fixed, so the loss is a smooth function of the
        weights and the check applies as it does without.

    Returns
    -------
    relative_error : float
        About 1e-9 or smaller for a correct gradient in float64.

    Examples
    --------
    >>> import numpy as np
    >>> from skbp import gradient_check
    >>> rng = np.random.RandomState(0)
    >>> coefs = [rng.randn(3, 4), rng.randn(4, 2)]
    >>> intercepts = [rng.randn(4), rng.randn(2)]
    >>> X, Y = rng.randn(5, 3), np.eye(2)[rng.randint(2, size=5)]
    >>> gradient_check(coefs, intercepts, X, Y, alpha=0.1) < 1e-7
    True
    """
    check_param("gradient_check", "eps", eps, Number(0, None, low_open=True))
    coefs = [np.asarray(host(c), np.float64) for c in coefs]
    intercepts = [np.asarray(host(b), np.float64) for b in intercepts]
    X = check_array(
        host(X), accept_sparse=["csr", "csc"], dtype=np.float64, input_name="X"
    )
    Y = check_array(host(Y), dtype=np.float64, ensure_2d=False, input_name="Y")
    kwargs = dict(kwargs, sample_weight=host(kwargs.get("sample_weight")))
    _, coef_grads, intercept_grads = loss_and_gradients(
        coefs, intercepts, X, Y, **kwargs
    )
    analytic = _network.pack(coef_grads, intercept_grads)
    theta = _network.pack(coefs, intercepts, dtype=analytic.dtype)
    units = _network.layer_units_of(coefs)
    numeric = np.empty_like(theta)
    for k in range(theta.size):
        numeric[k] = _central_difference(theta, k, eps, units, X, Y, kwargs)
    scale = np.linalg.norm(analytic) + np.linalg.norm(numeric)
    return float(np.linalg.norm(analytic - numeric) / max(scale, np.finfo(float).tiny))


def _central_difference(theta, k, eps, units, X, Y, kwargs):
    """(J(θ + eps e_k) − J(θ − eps e_k)) / (2 eps)."""
    values = []
    for step in (eps, -eps):
        shifted = theta.copy()
        shifted[k] += step
        c, b = _network.unpack(shifted, units)
        values.append(loss_and_gradients(c, b, X, Y, **kwargs)[0])
    return (values[0] - values[1]) / (2 * eps)


def _validate(
    coefs,
    intercepts,
    X,
    Y,
    activation,
    out_activation,
    loss,
    alpha,
    sample_weight,
    huber_delta,
    quantile,
):
    """Checked arrays and options for ``loss_and_gradients``."""
    check_param(_OWNER, "activation", activation, _activations.ACTIVATION)
    check_param(_OWNER, "loss", loss, Options(*LOSSES), LOSS_OBJECT)
    if out_activation is None:
        out_activation = default_output(loss)
    check_param(_OWNER, "out_activation", out_activation, Options(*OUTPUTS))
    check_param(_OWNER, "alpha", alpha, Number(0, None))
    check_param(_OWNER, "huber_delta", huber_delta, POSITIVE_FINITE)
    check_param(_OWNER, "quantile", quantile, OPEN_UNIT)
    _check_pair(loss, out_activation)
    # Tensors that require grad are read as data: no result carries a graph.
    X, Y = as_data(X), as_data(Y)
    xp, device = namespace_of(X)
    X = check_array(
        X,
        accept_sparse=["csr", "csc"],
        dtype=(xp.float64, xp.float32),
        input_name="X",
    )
    as_x = lambda a: xp.asarray(as_data(a), dtype=X.dtype, device=device)  # noqa: E731
    coefs = [as_x(c) for c in coefs]
    intercepts = [as_x(b) for b in intercepts]
    _check_shapes(coefs, intercepts, X.shape[1])
    xp_Y, _ = namespace_of(Y)
    Y = as_x(check_array(Y, dtype=(xp_Y.float64, xp_Y.float32), input_name="Y"))
    Y_host = to_numpy(Y)
    if Y.shape != (X.shape[0], coefs[-1].shape[1]):
        raise ValueError(
            f"Y must have shape (n_samples, n_outputs) = "
            f"{(X.shape[0], coefs[-1].shape[1])}; got {Y.shape}."
        )
    if (loss, out_activation) == ("log_loss", "softmax") and not np.allclose(
        Y_host.sum(axis=1), 1
    ):
        raise ValueError(
            "With loss='log_loss' and out_activation='softmax' each row of Y must "
            "sum to 1 (one-hot targets or class probabilities)."
        )
    w, n_eff = normalised_weights(host(sample_weight), X.shape[0], Y_host.dtype)
    w = to_namespace(w, xp=xp, device=device)
    if loss == "poisson" and np.any(Y_host < 0):
        raise ValueError("loss='poisson' needs non-negative Y (counts or rates).")
    sigmas = _activations.resolve(activation, len(coefs) - 1, _OWNER)
    cost = cost_for(loss, out_activation, huber_delta=huber_delta, quantile=quantile)
    spec = NetSpec(sigmas, cost, float(alpha))
    return coefs, intercepts, X, Y, w, n_eff, spec


def _with_dropout(spec, dropout, dropout_masks, coefs, n_samples):
    """``spec`` with the user's fixed masks, where a dropout rate is > 0."""
    rates = check_rates(dropout, len(coefs) - 1, _OWNER)
    hidden_units = [c.shape[1] for c in coefs[:-1]]
    masks = check_masks(dropout_masks, rates, n_samples, hidden_units, _OWNER)
    if not any(rates):
        return spec
    return dataclasses.replace(spec, dropout=FixedMasks(rates, masks))


def _check_pair(loss, out_activation):
    """The output must be one the loss is defined with (a Loss's own)."""
    if isinstance(loss, Loss):
        if out_activation != loss.output_activation:
            raise InvalidParameterError(
                f"loss={loss!r} has output_activation="
                f"{loss.output_activation!r}; out_activation={out_activation!r} "
                "differs. Leave out_activation out (None) to take the loss's."
            )
        return
    allowed = [out for lo, out in PAIRS if lo == loss]
    if out_activation not in allowed:
        raise InvalidParameterError(
            f"loss={loss!r} needs out_activation {' or '.join(map(repr, allowed))}; "
            f"got out_activation={out_activation!r}."
        )


def _check_shapes(coefs, intercepts, n_features):
    if len(coefs) == 0 or len(coefs) != len(intercepts):
        raise ValueError(
            "coefs and intercepts must be non-empty lists of the same length; "
            f"got {len(coefs)} and {len(intercepts)}."
        )
    fan_in = n_features
    for l, (W, b) in enumerate(zip(coefs, intercepts)):
        if W.ndim != 2 or W.shape[0] != fan_in or b.shape != (W.shape[1],):
            raise ValueError(
                f"Layer {l}: coefs[{l}] must have shape ({fan_in}, n_out) and "
                f"intercepts[{l}] shape (n_out,); got {W.shape} and {b.shape}."
            )
        fan_in = W.shape[1]
