"""The NumPy MLP (chapter 5): backprop against finite differences in float64, optimiser
steps, training, the linear-collapse identity, scikit-learn's MLPClassifier, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from mlfoundations.reference.losses import softmax_cross_entropy_and_grad
from mlfoundations.reference.mlp import MLP, train
from mlfoundations.reference.optim import SGD, Adam
from mlfoundations.testing import numerical_gradient, relative_error


def _batch(n_in=3, n_out=4, loss="softmax_cross_entropy", B=8, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(B, n_in))
    if loss == "mse":
        y = rng.normal(size=(B, n_out))
    else:
        y = rng.integers(0, 2 if loss == "sigmoid_cross_entropy" else n_out, B)
    return X, y


def _finite_difference_grads(net, X, y, eps=1e-5):
    grads = []
    for p in net.params:

        def loss_at(value, p=p):
            saved = p.copy()
            p[...] = value
            loss = net.loss(X, y)
            p[...] = saved
            return loss

        grads.append(numerical_gradient(loss_at, p.copy(), eps=eps))
    return grads


@pytest.mark.parametrize("activation", ["relu", "gelu", "gelu_tanh", "silu", "sigmoid", "tanh"])
@pytest.mark.parametrize("residual", [False, True])
def test_backprop_equals_finite_differences(activation, residual):
    X, y = _batch()
    net = MLP([3, 5, 5, 4], activation, residual=residual, seed=1)
    loss, grads = net.loss_and_grads(X, y)
    numeric = _finite_difference_grads(net, X, y)
    # Central differences in float64 with eps = 1e-5: truncation ~1e-10, rounding ~1e-11.
    for g, n in zip(grads, numeric, strict=True):
        assert relative_error(g, n) < 1e-6


@pytest.mark.parametrize(
    "loss, n_out, output_activation",
    [("sigmoid_cross_entropy", 1, "linear"), ("mse", 2, "linear"), ("mse", 2, "sigmoid")],
)
def test_backprop_for_every_loss(loss, n_out, output_activation):
    X, y = _batch(n_out=n_out, loss=loss)
    net = MLP([3, 6, n_out], "tanh", loss=loss, output_activation=output_activation, seed=2)
    _, grads = net.loss_and_grads(X, y)
    for g, n in zip(grads, _finite_difference_grads(net, X, y), strict=True):
        assert relative_error(g, n) < 1e-6


def test_input_gradient_equals_finite_differences():
    X, y = _batch()
    net = MLP([3, 5, 4], "silu", seed=3)
    _, dout = softmax_cross_entropy_and_grad(y, net.forward(X))
    dX = net.backward(dout)
    numeric = numerical_gradient(lambda Z: net.loss(Z, y), X, eps=1e-5)
    assert relative_error(dX, numeric) < 1e-6


def test_linear_layers_collapse_to_one_matrix():
    net = MLP([4, 7, 5, 3], "linear", loss="mse", seed=0)
    W1, b1, W2, b2, W3, b3 = net.params
    W = W1 @ W2 @ W3  # (4, 3)
    b = (b1 @ W2 + b2) @ W3 + b3
    for p in (b1, b2, b3):
        p += 0.1  # nonzero biases, so the bias formula is tested too
    b = (b1 @ W2 + b2) @ W3 + b3
    X = np.random.default_rng(0).normal(size=(10, 4))
    np.testing.assert_allclose(net.forward(X), X @ W + b, atol=1e-12)


def test_sgd_and_adam_steps():
    p, g = [np.array([1.0, -2.0])], [np.array([0.5, 0.5])]
    SGD(lr=0.1).step(p, g)
    np.testing.assert_allclose(p[0], [0.95, -2.05])
    # Adam's first step moves every coordinate by lr (sign of the gradient), up to ε.
    p = [np.array([1.0, -2.0])]
    Adam(lr=0.01).step(p, [np.array([3.0, -0.1])])
    np.testing.assert_allclose(p[0], [0.99, -1.99], atol=1e-6)


def test_training_solves_xor():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(200, 2))
    y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(int)
    net = MLP([2, 16, 2], "tanh", seed=0)
    history = train(net, X, y, optimizer=Adam(lr=0.03), epochs=150, batch_size=50)
    assert history["loss"][-1] < 0.2 * history["loss"][0]
    assert np.mean(net.predict(X) == y) > 0.95
    linear = MLP([2, 2], seed=0)  # no hidden layer: a linear classifier
    train(linear, X, y, optimizer=Adam(lr=0.03), epochs=150, batch_size=50)
    assert np.mean(linear.predict(X) == y) < 0.8  # one line cannot separate the quadrants


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_same_function_as_sklearn_mlpclassifier():
    from sklearn.neural_network import MLPClassifier

    from mlfoundations.reference.activations import softmax

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = rng.integers(0, 3, 60)
    clf = MLPClassifier((8, 6), activation="tanh", max_iter=5, random_state=0).fit(X, y)
    weights = [a for pair in zip(clf.coefs_, clf.intercepts_, strict=True) for a in pair]
    net = MLP.from_weights(weights, "tanh")
    np.testing.assert_allclose(softmax(net.forward(X)), clf.predict_proba(X), atol=1e-12)


def test_vanishing_gradient_in_the_seeds_sigmoid_net():
    """The seeds' 10-64-64-64-1 sigmoid net (PyTorch's default init, MSE, batch 32) prints a
    first-layer gradient norm of 0.000001; measured over 20 seeds it is 1.7e-3 to 6.8e-3,
    about 1/700 of the last layer's: vanishing, but a thousand times less than claimed."""
    first, ratios = [], []
    for seed in range(20):
        rng = np.random.default_rng(seed)
        sizes, weights = [10, 64, 64, 64, 1], []
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
            k = 1 / np.sqrt(n_in)  # torch.nn.Linear: U(-1/√fan_in, 1/√fan_in) for W and b
            weights += [rng.uniform(-k, k, (n_in, n_out)), rng.uniform(-k, k, n_out)]
        net = MLP.from_weights(weights, "sigmoid", loss="mse")
        _, grads = net.loss_and_grads(rng.normal(size=(32, 10)), rng.normal(size=(32, 1)))
        norms = [np.linalg.norm(g) for g in grads[::2]]
        first.append(norms[0])
        ratios.append(norms[0] / norms[-1])
    assert 1e-3 < min(first) and max(first) < 1e-2  # the seed's 1e-6 is far off
    assert 3e-4 < np.median(ratios) < 5e-3  # but the first layer does get ~1/700


def test_hidden_outputs_shapes_and_count_params():
    net = MLP([3, 5, 4, 2], "relu", seed=0)
    outs = net.hidden_outputs(np.ones((6, 3)))
    assert [o.shape for o in outs] == [(6, 5), (6, 4)]
    assert net.count_params() == 3 * 5 + 5 + 5 * 4 + 4 + 4 * 2 + 2


def test_get_and_set_weights_round_trip():
    a, b = MLP([3, 4, 2], seed=0), MLP([3, 4, 2], seed=1)
    b.set_weights(a.get_weights())
    X = np.ones((2, 3))
    np.testing.assert_array_equal(a.forward(X), b.forward(X))


def test_bad_input_errors():
    with pytest.raises(ValueError, match="mismatched layer sizes: layer 1 outputs 4 units"):
        MLP.from_weights([np.ones((3, 4)), np.ones(4), np.ones((5, 2)), np.ones(2)])
    with pytest.raises(ValueError, match="bias has 3 units"):
        MLP.from_weights([np.ones((3, 4)), np.ones(3)])
    with pytest.raises(ValueError, match="pairs"):
        MLP.from_weights([np.ones((3, 4))])
    with pytest.raises(ValueError, match="unknown activation 'swish'.*'relu'.*'tanh'"):
        MLP([2, 3, 2], "swish")
    with pytest.raises(ValueError, match="unknown loss"):
        MLP([2, 3, 2], loss="hinge")
    with pytest.raises(ValueError, match="at least an input and an output"):
        MLP([2])
    with pytest.raises(ValueError, match=r"sizes\[1\] must be an integer >= 1"):
        MLP([2, 0, 2])
    with pytest.raises(ValueError, match="residual=True needs equal hidden widths"):
        MLP([2, 4, 5, 2], residual=True)
    with pytest.raises(ValueError, match="output_activation must be 'linear'"):
        MLP([2, 3, 2], output_activation="sigmoid")
    net = MLP([3, 4, 2], seed=0)
    with pytest.raises(ValueError, match="X must be 2-dimensional"):
        net.forward(np.ones(3))
    with pytest.raises(ValueError, match="X has 2 features but the MLP expects input_dim=3"):
        net.forward(np.ones((5, 2)))
    with pytest.raises(ValueError, match=r"labels in \[0, 2\)"):
        net.loss(np.ones((2, 3)), [0, 2])
    with pytest.raises(ValueError, match="same number of samples"):
        net.loss(np.ones((2, 3)), [0, 1, 1])
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        SGD(lr=-1.0)
    with pytest.raises(TypeError, match="net must be an MLP"):
        train("net", np.ones((2, 3)), [0, 1])


def test_divergence_raises_floating_point_error():
    net = MLP([1, 4, 1], "relu", loss="mse", seed=0)
    X = np.linspace(-1, 1, 20)[:, None]
    with pytest.raises(FloatingPointError, match="lower the learning rate"):
        train(net, X, 1e3 * X, optimizer=SGD(lr=50.0), epochs=200)


def test_vanishing_gradient_is_sigmoids_not_tanhs():
    """12 hidden layers of 64, Glorot init (Keras' default), cross-entropy, at init: the
    first/last gradient-norm ratio is ~2e-9 for sigmoid but within a factor of 3 of 1 for
    tanh, ReLU and GELU (chapter 6). The seeds group tanh with sigmoid as 'vanishing'."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(256, 16)), rng.integers(0, 2, 256)
    ratio = {}
    for name in ("sigmoid", "tanh", "relu", "gelu"):
        net = MLP([16] + [64] * 12 + [2], name, seed=0)
        _, grads = net.loss_and_grads(X, y)
        ratio[name] = np.linalg.norm(grads[0]) / np.linalg.norm(grads[-2])
    assert ratio["sigmoid"] < 1e-7
    for name in ("tanh", "relu", "gelu"):
        assert 1 / 3 < ratio[name] < 3, (name, ratio[name])
