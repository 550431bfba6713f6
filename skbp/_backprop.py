"""Forward propagation and the seed's back-propagation, in batch form.

The one index convention of the package (docs/derivation.md tabulates it):
layers are counted from 0, as the Python lists are.  The input is layer 0
(a^(0) = x), W^(l) maps layer l to layer l+1, and ``coefs[l]`` = W^(l)ᵀ.  The
seed counts from 1 (x = a^(1)); that shifts every superscript by one and
changes nothing else.  Rows are samples, so for a mini-batch of m rows the
layer outputs A^(l) have shape (m, n_units[l]) and every equation is written
in row form:

    Z^(l+1) = A^(l) W^(l)ᵀ + b^(l)          A^(l+1) = σ(Z^(l+1))

and the four equations of ``deriving-backprop.md`` ("More compactly") become

    (BP1) E^(L) = ∂J/∂A^(L) ⊙ g'(Z^(L))           output error
    (BP2) E^(l) = (E^(l+1) W^(l)) ⊙ σ'(Z^(l))      back-propagated error
    (BP3) ∂J/∂W^(l)ᵀ = A^(l)ᵀ E^(l+1)              weight gradient
    (BP4) ∂J/∂b^(l)  = 1ᵀ E^(l+1)                  bias gradient

where row i of E^(l) is the seed's ε^(l) for sample i, scaled by that
sample's weight (1/m unweighted), so that the sums over rows are the averaged
gradient.  In the code ``A[l - 1]`` holds A^(l) (``X`` is A^(0)), ``E[l]``
holds E^(l+1) — the error where ``coefs[l]`` feeds — and ``coef_grads[l]``
is ∂J/∂W^(l)ᵀ, shaped like ``coefs[l]``.  ``backprop`` below is the one
function that implements them; everything that trains or checks a network
calls it.  BP1 belongs to the cost (``_costs``), as each (loss, output) pair
has its own.
"""

from dataclasses import dataclass

from . import _inplace, _network
from ._array_api import namespace_of
from ._costs import SigmoidQuadratic
from ._dropout import NO_MASKS


@dataclass(frozen=True)
class NetSpec:
    """What, besides the weights, defines the cost: σ of each hidden layer
    (``_activations.resolve``), the cost (J and its output g, from
    ``_costs``), alpha, and the source of dropout masks (``_dropout``; None:
    no dropout, today's computation)."""

    sigmas: tuple = ()
    cost: object = SigmoidQuadratic()
    alpha: float = 0.0
    dropout: object = None


class Workspace:
    """Arrays for the forward and backward pass, allocated once.

    Parameters
    ----------
    layer_units : list of int
        [n_features, hidden sizes..., n_outputs].
    n_rows : int
        The largest number of rows (mini-batch size) the passes will see.
    dtype : dtype of ``xp``
        float32 or float64.
    xp, device : namespace and device, default=NumPy's
        Where the buffers live: those of the data.
    sigmas : sequence, default=()
        σ of each hidden layer (``NetSpec.sigmas``): a layer whose σ' needs
        z (``needs_z``) gets a buffer ``pre_activations[l]`` for Z^(l+1) of
        its own; elsewhere ``pre_activations[l]`` is ``activations[l]``
        itself, as σ is applied in place.
    """

    def __init__(self, layer_units, n_rows, dtype, xp=None, device=None, sigmas=()):
        if xp is None:
            xp, device = namespace_of()
        self.xp = xp
        hidden_out = layer_units[1:]
        size = _network.n_params(layer_units)
        empty = lambda shape: xp.empty(shape, dtype=dtype, device=device)  # noqa: E731
        self.layer_units = list(layer_units)
        self.n_coefs = _network.n_coefs(layer_units)
        self.activations = [empty((n_rows, u)) for u in hidden_out]
        self.pre_activations = [
            empty(A.shape) if s.needs_z else A for s, A in zip(sigmas, self.activations)
        ]
        self.deltas = [empty((n_rows, u)) for u in hidden_out]
        self.logits = empty((n_rows, hidden_out[-1]))
        self.ones = xp.ones(n_rows, dtype=dtype, device=device)
        self.grad = empty(size)
        self.scratch = empty(size)
        self.coef_grads, self.intercept_grads = _network.unpack(self.grad, layer_units)
        self.n_rows = n_rows
        # Views for fewer rows; never ``self`` itself, so that no reference
        # cycle keeps the buffers alive after a fit until the collector runs.
        self._views = {}
        self._bound = (None, None)

    def rows(self, m):
        """This workspace restricted to its first ``m`` rows (views, cached)."""
        if m == self.n_rows:
            return self
        if m not in self._views:
            view = object.__new__(Workspace)
            view.__dict__.update(self.__dict__)
            for name in ("activations", "pre_activations", "deltas"):
                setattr(view, name, [a[:m, :] for a in getattr(self, name)])
            view.logits, view.ones = self.logits[:m, :], self.ones[:m]
            view.n_rows, view._views = m, {}
            self._views[m] = view
        return self._views[m]

    def unpack(self, params):
        """``(coefs, intercepts)`` views of the flat ``params`` (cached)."""
        if self._bound[0] is not params:
            self._bound = (params, _network.unpack(params, self.layer_units))
        return self._bound[1]


def forward(coefs, intercepts, X, sigmas, pre, hidden, logits, xp, masks=NO_MASKS):
    """Propagate rows ``X`` forward; returns the output logits Z^(L).

    ``sigmas[l]`` is σ of hidden layer l+1.  ``pre[l]`` receives its
    pre-activation Z^(l+1) and ``hidden[l]`` its output A^(l+1), both in
    place; ``pre[l]`` may be ``hidden[l]`` itself (σ applied in place, z not
    kept).  ``logits`` receives the output layer's pre-activation.
    ``masks`` (training with dropout, ``_dropout.Masks``) hands the next
    layer Ã^(l+1) = A^(l+1) ⊙ D^(l+1) instead, leaving A^(l+1) in ``hidden``.
    """
    a = X
    last = len(coefs) - 1
    for l, (W, b) in enumerate(zip(coefs, intercepts)):
        z = logits if l == last else pre[l]
        _inplace.matmul(a, W, out=z)  # Z^(l+1) = A^(l) W^(l)ᵀ + b^(l)
        z += b
        if l < last:
            a = sigmas[l].forward(z, hidden[l], xp)  # A^(l+1) = σ(Z^(l+1))
            a = masks.drop(l, a)  # Ã^(l+1) = A^(l+1) ⊙ D^(l+1) (dropout)
    return logits


def chunked_logits(coefs, intercepts, X, sigmas, max_bytes=2**24):
    """Yield (row slice, logits) over ``X`` in chunks of bounded memory.

    ``sigmas``: σ of each hidden layer (``_activations.resolve``).
    The buffers for one chunk take at most about ``max_bytes``, whatever the
    number of rows, so prediction on huge X needs little extra memory.  They
    live in the namespace and on the device of ``coefs``.
    """
    xp, device = namespace_of(coefs[0])
    units = _network.layer_units_of(coefs)
    dtype = coefs[0].dtype
    itemsize = 4 if dtype == xp.float32 else 8
    rows = int(max(1, min(X.shape[0], max_bytes // (itemsize * sum(units[1:])))))
    empty = lambda u: xp.empty((rows, u), dtype=dtype, device=device)  # noqa: E731
    hidden = [empty(u) for u in units[1:-1]]
    logits = empty(units[-1])
    for start in range(0, X.shape[0], rows):
        stop = min(start + rows, X.shape[0])
        m = stop - start
        views = [h[:m, :] for h in hidden]
        # No z is kept: each σ is applied to its layer's buffer in place.
        Z = forward(
            coefs, intercepts, X[start:stop, :], sigmas, views, views, logits[:m, :], xp
        )
        yield slice(start, stop), Z


def chunked_hidden(coefs, intercepts, X, sigmas, max_bytes=2**24):
    """Yield (row slice, A) over ``X``: A the last hidden layer's output.

    The whole network, no dropout: the network up to the last hidden layer
    is run as ``chunked_logits`` runs a network, and the last σ applied to
    its output pre-activations.  ``coefs`` must have a hidden layer (two or
    more); ``sigmas`` has one σ per hidden layer.
    """
    xp, _ = namespace_of(coefs[0])
    sigma = sigmas[-1]
    chunks = chunked_logits(coefs[:-1], intercepts[:-1], X, sigmas[:-1], max_bytes)
    for rows, Z in chunks:
        # In the chunk's buffer, unless σ reads z while writing a.
        out = xp.empty_like(Z) if getattr(sigma, "needs_z", True) else Z
        yield rows, sigma.forward(Z, out, xp)  # A^(L-1) = σ(Z^(L-1))


def l2_penalty(coef_params, alpha, n_eff):
    """alpha / (2 n) Σ_l ‖W^(l)‖², n the (weighted) rows averaged over.

    ``coef_params`` is the weights part of the flat parameter vector.  This is
    UFLDL's weight decay (λ/2) Σ‖W‖² on the mean cost with λ = alpha / n:
    MLPClassifier's scale.
    """
    if alpha == 0:
        return 0.0
    return 0.5 * alpha * (coef_params @ coef_params) / n_eff


def backprop(params, X, Y, w, n_eff, spec, ws):
    """Loss J and its gradient for rows ``X``, targets ``Y``; into ``ws.grad``.

    Parameters
    ----------
    params : array of shape (n_params,)
        The flat parameter vector (``_network``'s layout); ``coefs[l]`` below
        are views of it in MLPClassifier's layout, ``coefs[l]`` = W^(l)ᵀ.
    X : array or sparse matrix of shape (m, n_features)
    Y : array of shape (m, n_outputs)
    w : array of shape (m,) or None
        Row weights summing to one; None for the plain mean.
    n_eff : float
        n in the L2 term alpha/(2n)‖W‖²: the number of samples, or the sum of
        their weights.
    spec : NetSpec
        σ of each hidden layer, cost, alpha.
    ws : Workspace
        Buffers (made with ``sigmas=spec.sigmas``) with at least m rows, in
        the namespace and on the device of the data; ``ws.grad`` receives the
        gradient, in the layout of ``params``.

    Returns
    -------
    loss : 0-d array
        On the data's device; ``float(loss)`` reads it on the host.
    """
    coefs, intercepts = ws.unpack(params)
    ws, xp = ws.rows(X.shape[0]), ws.xp
    A, E = ws.activations, ws.deltas
    cost, sigmas, Zs = spec.cost, spec.sigmas, ws.pre_activations
    masks = NO_MASKS if spec.dropout is None else spec.dropout.draw(A[:-1])
    Z_out = forward(coefs, intercepts, X, sigmas, Zs, A[:-1], ws.logits, xp, masks)
    loss = cost.output_and_loss(Z_out, A[-1], Y, w, E[-1], xp)
    loss += l2_penalty(params[: ws.n_coefs], spec.alpha, n_eff)

    matmul, dW, db = _inplace.matmul, ws.coef_grads, ws.intercept_grads
    cost.output_error(Z_out, A[-1], Y, w, E[-1], xp)  # BP1: E^(L) = ∂J/∂A ⊙ g'(Z^(L))
    for l in range(len(coefs) - 1, -1, -1):
        a_l = X if l == 0 else masks.output(l - 1, A[l - 1])  # Ã^(l) with dropout
        matmul(a_l.T, E[l], out=dW[l])  # BP3: ∂J/∂W^(l)ᵀ = A^(l)ᵀ E^(l+1)
        _inplace.column_sums(E[l], ws.ones, db[l], xp)  # BP4: ∂J/∂b^(l) = 1ᵀ E^(l+1)
        if l > 0:
            matmul(E[l], coefs[l].T, out=E[l - 1])  # BP2: E^(l) = E^(l+1) W^(l) ...
            masks.scale_error(l - 1, E[l - 1])  # ... ⊙ D^(l) (dropout) ...
            sigmas[l - 1].backward(Zs[l - 1], A[l - 1], E[l - 1], xp)  # ⊙ σ'(Z^(l))
    _add_weight_decay(params[: ws.n_coefs], spec.alpha / n_eff, ws)
    return loss


def _add_weight_decay(coef_params, decay, ws):
    """∂/∂W of the L2 term, (alpha/n) W^(l), added to every weight gradient."""
    if decay:
        n = ws.n_coefs
        _inplace.axpy(decay, coef_params, ws.grad[:n], ws.scratch[:n])
