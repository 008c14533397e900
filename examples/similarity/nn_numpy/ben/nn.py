"""nn.py whose train_mlp takes momentum steps on batch-averaged gradients (with a learning
rate of its own); a sigmoid computed branch by branch, and a softmax built on a log-softmax."""

import math

import numpy as np


def initialize_weights(in_size, out_size, params, name="", *, rng=None):
    bound = math.sqrt(6 / (in_size + out_size))
    source = np.random if rng is None else rng
    params["W%s" % name] = source.uniform(-bound, bound, size=(in_size, out_size))
    params["b%s" % name] = np.zeros(out_size)


def sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    ex = np.exp(x[~pos])
    out[~pos] = ex / (1.0 + ex)
    return out


def sigmoid_deriv(post_act):
    return post_act * (1.0 - post_act)


def linear_deriv(post_act):
    return 1.0 + 0.0 * post_act


def relu(x):
    return np.maximum(0, x).astype(float)


def relu_deriv(post_act):
    return 1.0 * (post_act > 0)


def forward(X, params, name="", activation=sigmoid):
    pre_act = X.dot(params["W%s" % name]) + params["b%s" % name]
    post_act = activation(pre_act)
    params["cache_%s" % name] = (X, pre_act, post_act)
    return post_act


def backwards(delta, params, name="", activation_deriv=sigmoid_deriv):
    X, pre_act, post_act = params["cache_%s" % name]
    g = delta * activation_deriv(post_act)
    params["grad_W%s" % name] = X.T.dot(g)
    params["grad_b%s" % name] = g.sum(axis=0)
    return g.dot(params["W%s" % name].T)


def _log_softmax(x):
    shifted = x - x.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax(x):
    return np.exp(_log_softmax(x))


def compute_loss_and_acc(y, probs):
    n = y.shape[0]
    loss = -np.sum(np.log(probs[y.astype(bool)]))
    acc = np.count_nonzero(np.argmax(probs, 1) == np.argmax(y, 1)) / n
    return float(loss), float(acc)


def get_random_batches(x, y, batch_size, *, rng=None):
    perm = rng.permutation(x.shape[0]) if rng is not None else np.random.permutation(x.shape[0])
    n_full = x.shape[0] // batch_size
    batches = [
        (
            x[perm[i * batch_size : (i + 1) * batch_size]],
            y[perm[i * batch_size : (i + 1) * batch_size]],
        )
        for i in range(n_full)
    ]
    if x.shape[0] % batch_size:
        rest = perm[n_full * batch_size :]
        batches.append((x[rest], y[rest]))
    return batches


def numerical_gradient(loss_fn, params, eps=1e-6):
    grads = {}
    for key, value in params.items():
        if key[0] not in "Wb" or not isinstance(value, np.ndarray):
            continue
        grads[key] = np.zeros(value.shape)
        for idx in np.ndindex(value.shape):
            before = value[idx]
            value[idx] = before + eps
            a = loss_fn(params)
            value[idx] = before - eps
            b = loss_fn(params)
            value[idx] = before
            grads[key][idx] = (a - b) / (2 * eps)
    return grads


def sgd_step(params, names, lr):
    for name in names:
        params["W%s" % name] = params["W%s" % name] - lr * params["grad_W%s" % name]
        params["b%s" % name] = params["b%s" % name] - lr * params["grad_b%s" % name]


def momentum_step(params, names, lr, beta=0.9):
    for name in names:
        for key in ("W%s" % name, "b%s" % name):
            m = beta * params.get("m_" + key, 0.0) - lr * params["grad_" + key]
            params["m_" + key] = m
            params[key] = params[key] + m


def train_mlp(
    train_x,
    train_y,
    valid_x,
    valid_y,
    hidden_size=64,
    batch_size=32,
    learning_rate=1e-2,
    epochs=30,
    seed=0,
):
    rng = np.random.default_rng(seed)
    params = {}
    initialize_weights(train_x.shape[1], hidden_size, params, "layer1", rng=rng)
    initialize_weights(hidden_size, train_y.shape[1], params, "output", rng=rng)
    history = dict(train_loss=[], train_acc=[], valid_loss=[], valid_acc=[])
    mean_lr = 0.1  # for gradients averaged over the batch, with momentum
    for epoch in range(epochs):
        loss_total, correct = 0.0, 0.0
        for xb, yb in get_random_batches(train_x, train_y, batch_size, rng=rng):
            probs = forward(forward(xb, params, "layer1"), params, "output", softmax)
            loss, acc = compute_loss_and_acc(yb, probs)
            loss_total += loss
            correct += acc * len(xb)
            delta = backwards((probs - yb) / len(xb), params, "output", linear_deriv)
            backwards(delta, params, "layer1", sigmoid_deriv)
            momentum_step(params, ["layer1", "output"], mean_lr, beta=0.9)
        probs = forward(forward(valid_x, params, "layer1"), params, "output", softmax)
        valid_loss, valid_acc = compute_loss_and_acc(valid_y, probs)
        history["train_loss"].append(loss_total)
        history["train_acc"].append(correct / len(train_x))
        history["valid_loss"].append(valid_loss)
        history["valid_acc"].append(valid_acc)
    return params, history
