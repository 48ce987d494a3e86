"""A multilayer perceptron in NumPy, forward and backward written out (chapter 5).

Every layer has ``forward(x)``, which keeps what its backward pass will need, and
``backward(dout)``, which turns ``∂L/∂(output)`` into ``∂L/∂(input)`` and stores the
gradients of its own parameters. Backpropagation is then a loop over the layers in
reverse: the chain rule, one Jacobian-vector product at a time.

::

    net = MLP([2, 16, 16, 2], activation="tanh", loss="softmax_cross_entropy", seed=0)
    history = train(net, X, y, optimizer=optim.Adam(lr=0.01), epochs=200, batch_size=32)
    net.predict(X)

The parameters are ordered like a Keras model's ``trainable_weights``
(``W1, b1, W2, b2, ...``), so :meth:`MLP.from_weights` accepts ``model.get_weights()``
of the Keras MLP built by :func:`mlfoundations.mlp.mlp` and gives the same outputs.
The losses come from :mod:`mlfoundations.reference.losses` (their ``*_and_grad`` forms start
the backward pass) and the optimisers from :mod:`mlfoundations.reference.optim`.

One-sided names: the layers (``Dense``, ``Activation``, ``Residual``), ``MLP``, ``train``,
``glorot_uniform`` and ``he_uniform`` (the Keras side builds a ``keras.Sequential`` with
:func:`mlfoundations.mlp.mlp`).
"""

from __future__ import annotations

import numpy as np

from ..checks import (
    as_float_array,
    check_choice,
    check_positive_int,
    check_same_length,
    check_seed,
)
from . import activations as act
from . import losses
from .optim import Adam

LOSSES = ("softmax_cross_entropy", "sigmoid_cross_entropy", "mse")
"""Losses :class:`MLP` can train with; the cross-entropies take logits."""


# --- layers ----------------------------------------------------------------------------


class Dense:
    """Affine layer ``z = x W + b``.

    Shapes: ``x (B, n_in)``, ``W (n_in, n_out)``, ``b (n_out,)``, ``z (B, n_out)``.
    Backward, given ``dz = ∂L/∂z``: ``∂L/∂W = xᵀ dz``, ``∂L/∂b = Σ_rows dz``,
    ``∂L/∂x = dz Wᵀ``.
    """

    def __init__(self, W: np.ndarray, b: np.ndarray):
        W = as_float_array(W, "W", ndim=2, dtype=None)  # keeps the array: optimisers update it
        b = as_float_array(b, "b", ndim=1, dtype=None)
        if b.shape != (W.shape[1],):
            raise ValueError(
                f"b must have shape ({W.shape[1]},) to match W {W.shape}, got {b.shape}"
            )
        self.W, self.b = W, b
        self.dW = np.zeros_like(W)
        self.db = np.zeros_like(b)
        self._x: np.ndarray | None = None

    @property
    def params(self) -> list[np.ndarray]:
        return [self.W, self.b]

    @property
    def grads(self) -> list[np.ndarray]:
        return [self.dW, self.db]

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._x = x  # backward needs the input for ∂L/∂W
        return x @ self.W + self.b  # (B, n_out)

    def backward(self, dz: np.ndarray) -> np.ndarray:
        self.dW[...] = self._x.T @ dz  # (n_in, n_out)
        self.db[...] = dz.sum(axis=0)  # (n_out,)
        return dz @ self.W.T  # (B, n_in)


class Activation:
    """Elementwise ``a = f(z)``; backward ``∂L/∂z = ∂L/∂a ⊙ f'(z)``."""

    def __init__(self, name: str):
        self.name = name
        self.f, self.f_grad = act.get(name)
        self._z: np.ndarray | None = None

    params: list[np.ndarray] = []
    grads: list[np.ndarray] = []

    def forward(self, z: np.ndarray) -> np.ndarray:
        self._z = z  # f'(z) is evaluated where the forward pass was
        return self.f(z)

    def backward(self, da: np.ndarray) -> np.ndarray:
        return da * self.f_grad(self._z)


class Residual:
    """Residual block ``y = x + f(x W + b)``: the identity path carries the gradient.

    Backward: ``∂L/∂x = ∂L/∂y + (branch backward of ∂L/∂y)``, so even where ``f'`` is
    tiny the gradient reaching ``x`` is at least ``∂L/∂y`` itself.
    """

    def __init__(self, dense: Dense, activation: Activation):
        self.dense, self.activation = dense, activation

    @property
    def params(self) -> list[np.ndarray]:
        return self.dense.params

    @property
    def grads(self) -> list[np.ndarray]:
        return self.dense.grads

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x + self.activation.forward(self.dense.forward(x))

    def backward(self, dy: np.ndarray) -> np.ndarray:
        return dy + self.dense.backward(self.activation.backward(dy))


# --- losses: value and gradient with respect to the network's output -------------------

_LOSS_FUNCTIONS = {
    "softmax_cross_entropy": losses.softmax_cross_entropy_and_grad,
    "sigmoid_cross_entropy": losses.sigmoid_cross_entropy_and_grad,
    "mse": losses.mse_and_grad,
}
"""``loss name → f(y_true, output) -> (loss, ∂loss/∂output)`` from :mod:`.losses`.

:class:`MLP` checks ``y`` against its output shape once (``_check_y``), so its calls pass
``check_input=False``."""


# --- the network -----------------------------------------------------------------------


def _check_sizes(sizes) -> list[int]:
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise TypeError(f"sizes must be a list of layer widths, got {type(sizes).__name__}")
    sizes = [check_positive_int(s, f"sizes[{i}]") for i, s in enumerate(sizes)]
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least an input and an output width, got {sizes}")
    return sizes


def glorot_uniform(n_in: int, n_out: int, rng: np.random.Generator, dtype=np.float64):
    """Weights ``W ~ U(-a, a)``, ``a = √(6 / (n_in + n_out))``, shape ``(n_in, n_out)``.

    Keras' default kernel initialiser: it keeps the variance of activations and of
    gradients roughly constant from layer to layer for tanh-like units near 0.
    """
    n_in, n_out = check_positive_int(n_in, "n_in"), check_positive_int(n_out, "n_out")
    limit = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit, size=(n_in, n_out)).astype(dtype)


def he_uniform(n_in: int, n_out: int, rng: np.random.Generator, dtype=np.float64):
    """Weights ``W ~ U(-a, a)``, ``a = √(6 / n_in)``, so ``Var W = 2 / n_in`` (chapter 6).

    He et al. (2015): a ReLU zeroes half of its inputs on average, halving the variance
    each layer passes on; doubling Glorot's fan-in variance ``1 / n_in`` puts it back.
    Keras calls it ``"he_uniform"``.
    """
    n_in, n_out = check_positive_int(n_in, "n_in"), check_positive_int(n_out, "n_out")
    limit = np.sqrt(6.0 / n_in)
    return rng.uniform(-limit, limit, size=(n_in, n_out)).astype(dtype)


class MLP:
    """Multilayer perceptron ``x → [Dense → f] × (L-1) → Dense (→ g)``, trained by backprop.

    Parameters
    ----------
    sizes : list of int
        Layer widths ``[n_in, h_1, ..., h_{L-1}, n_out]``; ``L`` Dense layers.
    activation : str, default "relu"
        Hidden activation, a name from :data:`mlfoundations.reference.activations.ELEMENTWISE`.
    loss : {"softmax_cross_entropy", "sigmoid_cross_entropy", "mse"}
        The cross-entropies take the last layer's output as logits; ``"sigmoid_..."`` needs
        ``n_out = 1``.
    output_activation : str, default "linear"
        Applied by :meth:`forward` after the last Dense layer; must be ``"linear"`` with a
        cross-entropy loss (it works on logits).
    residual : bool, default False
        Hidden layers after the first become residual blocks ``h ← h + f(h W + b)``;
        needs equal hidden widths.
    seed : int, default 0
        Seeds the Glorot-uniform weights (biases start at 0, as in Keras).
    dtype : numpy floating dtype, default float64
    """

    def __init__(
        self,
        sizes,
        activation: str = "relu",
        *,
        loss: str = "softmax_cross_entropy",
        output_activation: str = "linear",
        residual: bool = False,
        seed: int = 0,
        dtype=np.float64,
    ):
        sizes = _check_sizes(sizes)
        rng = np.random.default_rng(check_seed(seed))
        weights = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
            weights += [glorot_uniform(n_in, n_out, rng, dtype), np.zeros(n_out, dtype)]
        self._build(weights, activation, loss, output_activation, residual)

    @classmethod
    def from_weights(
        cls,
        weights,
        activation: str = "relu",
        *,
        loss: str = "softmax_cross_entropy",
        output_activation: str = "linear",
        residual: bool = False,
    ) -> MLP:
        """An MLP with the given parameters ``[W1, b1, W2, b2, ...]`` (copied).

        The list is what a Keras MLP's ``model.get_weights()`` returns, so the NumPy network
        computes the same function as the Keras one.

        Raises
        ------
        ValueError
            If the list is not pairs of ``W (n_in, n_out)`` and ``b (n_out,)`` whose sizes
            chain (each layer's ``n_in`` is the previous layer's ``n_out``).
        """
        net = cls.__new__(cls)
        net._build(
            [np.array(w, copy=True) for w in weights], activation, loss, output_activation, residual
        )
        return net

    def _build(self, weights, activation, loss, output_activation, residual):
        weights = list(weights)
        if len(weights) < 2 or len(weights) % 2:
            raise ValueError(
                f"weights must be pairs [W1, b1, W2, b2, ...], got {len(weights)} arrays"
            )
        dtype = np.result_type(*[np.asarray(w).dtype for w in weights], np.float32)
        Ws = [
            as_float_array(w, f"weights[{2 * i}]", ndim=2, dtype=dtype)
            for i, w in enumerate(weights[::2])
        ]
        bs = [
            as_float_array(b, f"weights[{2 * i + 1}]", ndim=1, dtype=dtype)
            for i, b in enumerate(weights[1::2])
        ]
        for i, (W, b) in enumerate(zip(Ws, bs, strict=True)):
            if b.shape[0] != W.shape[1]:
                raise ValueError(
                    f"layer {i + 1}: bias has {b.shape[0]} units but W has "
                    f"{W.shape[1]} columns (shape {W.shape})"
                )
            if i and W.shape[0] != Ws[i - 1].shape[1]:
                raise ValueError(
                    f"mismatched layer sizes: layer {i} outputs {Ws[i - 1].shape[1]} units but "
                    f"layer {i + 1} expects {W.shape[0]} inputs (W shape {W.shape})"
                )
        self.activation = act.get(activation) and activation
        check_choice(output_activation, "output_activation", tuple(act.ELEMENTWISE))
        self.loss_name = check_choice(loss, "loss", LOSSES)
        if loss != "mse" and output_activation != "linear":
            raise ValueError(
                f"loss {loss!r} works on logits: output_activation must be 'linear', "
                f"got {output_activation!r}"
            )
        if loss == "sigmoid_cross_entropy" and Ws[-1].shape[1] != 1:
            raise ValueError(
                f"loss 'sigmoid_cross_entropy' needs 1 output unit, got {Ws[-1].shape[1]}"
            )
        self.residual = bool(residual)
        self.sizes = [Ws[0].shape[0]] + [W.shape[1] for W in Ws]
        self.dtype = dtype
        layers: list = []
        for i, (W, b) in enumerate(zip(Ws, bs, strict=True)):
            dense = Dense(W, b)
            if i == len(Ws) - 1:
                layers += [dense, Activation(output_activation)]
            elif self.residual and i > 0:
                if W.shape[0] != W.shape[1]:
                    raise ValueError(f"residual=True needs equal hidden widths, got {self.sizes}")
                layers.append(Residual(dense, Activation(activation)))
            else:
                layers += [dense, Activation(activation)]
        self.layers = layers
        self.output_activation = output_activation

    # parameters ----------------------------------------------------------------------

    @property
    def params(self) -> list[np.ndarray]:
        """``[W1, b1, W2, b2, ...]`` (the live arrays: optimisers update them in place)."""
        return [p for layer in self.layers for p in layer.params]

    @property
    def grads(self) -> list[np.ndarray]:
        """Gradients of the last :meth:`backward`, in the order of :attr:`params`."""
        return [g for layer in self.layers for g in layer.grads]

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the parameters, ``[W1, b1, ...]`` (Keras' ``get_weights`` order)."""
        return [p.copy() for p in self.params]

    def set_weights(self, weights) -> None:
        """Overwrite the parameters in place; shapes must match :meth:`get_weights`."""
        params = self.params
        if len(weights) != len(params):
            raise ValueError(f"weights must hold {len(params)} arrays, got {len(weights)}")
        for i, (p, w) in enumerate(zip(params, weights, strict=True)):
            w = np.asarray(w)
            if w.shape != p.shape:
                raise ValueError(f"weights[{i}] must have shape {p.shape}, got {w.shape}")
            p[...] = w

    def count_params(self) -> int:
        """Number of scalars: ``Σ_l (n_{l-1} n_l + n_l)``."""
        return int(sum(p.size for p in self.params))

    # forward and backward ------------------------------------------------------------

    def _check_X(self, X) -> np.ndarray:
        X = as_float_array(X, "X", ndim=2, dtype=self.dtype)
        if X.shape[1] != self.sizes[0]:
            raise ValueError(
                f"X has {X.shape[1]} features but the MLP expects input_dim={self.sizes[0]}"
            )
        return X

    def _check_y(self, y, X: np.ndarray) -> np.ndarray:
        as_float_array(y, "y", ndim=(1, 2))  # numbers, real, finite, not empty: before len()
        y = np.asarray(y)
        check_same_length(X, y, "X", "y")
        if self.loss_name == "mse":
            y = as_float_array(y, "y", ndim=(1, 2), dtype=self.dtype)
            if y.size != len(X) * self.sizes[-1]:
                raise ValueError(f"y must have shape ({len(X)}, {self.sizes[-1]}), got {y.shape}")
            return y.reshape(len(X), self.sizes[-1])  # the output's shape: (B,) → (B, 1)
        if y.ndim != 1 or not (np.issubdtype(y.dtype, np.integer) or np.all(y == np.round(y))):
            raise ValueError(f"y must be a 1-D array of integer class labels, got shape {y.shape}")
        y = y.astype(np.int64)
        n_classes = 2 if self.loss_name == "sigmoid_cross_entropy" else self.sizes[-1]
        if y.min() < 0 or y.max() >= n_classes:
            raise ValueError(f"y must hold labels in [0, {n_classes}), got {y.min()}..{y.max()}")
        return y[:, None] if self.loss_name == "sigmoid_cross_entropy" else y  # (B, 1) or (B,)

    def forward(self, X) -> np.ndarray:
        """Output of the network, ``(B, n_out)`` for ``X (B, n_in)`` (logits for cross-entropy).

        Keeps each layer's inputs for :meth:`backward`.
        """
        h = self._check_X(X)
        for i, layer in enumerate(self.layers):
            h = layer.forward(h)
            if not np.all(np.isfinite(h)):
                raise FloatingPointError(
                    f"non-finite values after layer {i} ({type(layer).__name__}): the weights "
                    "have diverged; lower the learning rate"
                )
        return h

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Backpropagate ``∂L/∂output`` through every layer, last to first.

        Fills :attr:`grads` and returns ``∂L/∂X``, shape ``(B, n_in)``.
        """
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def loss(self, X, y) -> float:
        """The training loss on ``(X, y)``."""
        X = self._check_X(X)
        y = self._check_y(y, X)
        return _LOSS_FUNCTIONS[self.loss_name](y, self.forward(X), check_input=False)[0]

    def loss_and_grads(self, X, y) -> tuple[float, list[np.ndarray]]:
        """Loss on the batch and its gradients ``[∂L/∂W1, ∂L/∂b1, ...]`` (copies).

        Parameters
        ----------
        X : array_like of shape (B, n_in)
        y : array_like of shape (B,) labels, or (B, n_out) targets for ``"mse"``

        Returns
        -------
        loss : float
        grads : list of ndarray, shapes of :attr:`params`
        """
        X = self._check_X(X)
        y = self._check_y(y, X)
        loss, dout = _LOSS_FUNCTIONS[self.loss_name](y, self.forward(X), check_input=False)
        self.backward(dout)
        return loss, [g.copy() for g in self.grads]

    def hidden_outputs(self, X) -> list[np.ndarray]:
        """Each hidden layer's output (after its activation), ``[(B, h_1), ..., (B, h_{L-1})]``."""
        h = self._check_X(X)
        outs = []
        for layer in self.layers[:-2]:  # the last Dense and output activation are not hidden
            h = layer.forward(h)
            if not isinstance(layer, Dense):
                outs.append(h)
        return outs

    def predict(self, X) -> np.ndarray:
        """Class labels ``(B,)`` for cross-entropy losses; outputs ``(B, n_out)`` for ``"mse"``."""
        out = self.forward(X)
        if self.loss_name == "softmax_cross_entropy":
            return np.argmax(out, axis=1)
        if self.loss_name == "sigmoid_cross_entropy":
            return (out[:, 0] > 0).astype(np.int64)
        return out


def train(
    net: MLP,
    X,
    y,
    *,
    optimizer=None,
    epochs: int = 100,
    batch_size: int | None = None,
    shuffle: bool = True,
    seed: int = 0,
) -> dict[str, list[float]]:
    """Mini-batch training: for each batch, forward, loss, backward, optimiser step.

    Parameters
    ----------
    net : MLP
    X : array_like of shape (n_samples, n_in)
    y : array_like of labels (n_samples,) or targets (n_samples, n_out)
    optimizer : mlfoundations.reference.optim.SGD or Adam, optional
        Defaults to ``Adam()``.
    epochs : int, default 100
    batch_size : int, optional
        Samples per step; ``None`` uses the whole set (full-batch gradient descent).
    shuffle : bool, default True
        Reshuffle the samples every epoch (seeded).
    seed : int, default 0

    Returns
    -------
    dict
        ``{"loss": [...]}``, the mean training loss of each epoch.
    """
    if not isinstance(net, MLP):
        raise TypeError(f"net must be an MLP, got {type(net).__name__}")
    X = net._check_X(X)
    y = net._check_y(y, X)
    optimizer = Adam() if optimizer is None else optimizer
    if not hasattr(optimizer, "step"):
        raise TypeError(f"optimizer must have a step(params, grads) method, got {optimizer!r}")
    epochs = check_positive_int(epochs, "epochs")
    n = len(X)
    batch_size = n if batch_size is None else min(check_positive_int(batch_size, "batch_size"), n)
    rng = np.random.default_rng(check_seed(seed))
    loss_fn = _LOSS_FUNCTIONS[net.loss_name]
    history: dict[str, list[float]] = {"loss": []}
    for epoch in range(epochs):
        order = rng.permutation(n) if shuffle else np.arange(n)
        total = 0.0
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            with np.errstate(over="ignore", invalid="ignore"):  # reported just below
                loss, dout = loss_fn(y[idx], net.forward(X[idx]), check_input=False)
                net.backward(dout)
            if not (np.isfinite(loss) and all(np.all(np.isfinite(g)) for g in net.grads)):
                raise FloatingPointError(
                    f"the loss or its gradient became non-finite in epoch {epoch + 1}: "
                    "the weights have diverged; lower the learning rate"
                )
            optimizer.step(net.params, net.grads)
            total += loss * len(idx)
        history["loss"].append(total / n)
    return history
