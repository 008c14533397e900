"""nn.py organised around small private helpers and other names (global np.random seeded once
in train_mlp, a dict of activation pairs, np.heaviside for ReLU's derivative, a while-loop
batcher), in the spirit of a student who restructured the starter code."""

import numpy as np

_KEYS = ("train_loss", "train_acc", "valid_loss", "valid_acc")


def _draw(shape, low, high, rng):
    if rng is None:
        return low + (high - low) * np.random.random_sample(shape)
    return rng.uniform(low, high, shape)


def initialize_weights(in_size, out_size, params, name="", *, rng=None):
    r = np.sqrt(6.0 / float(in_size + out_size))
    params["W" + name] = _draw((in_size, out_size), -r, r, rng)
    params["b" + name] = np.zeros(out_size)


def sigmoid(x):
    return np.reciprocal(1.0 + np.exp(-x))


def sigmoid_deriv(post_act):
    s = post_act
    return s * (1 - s)


def linear_deriv(post_act):
    return np.full(post_act.shape, 1.0)


def relu(x):
    return np.where(x > 0, x, 0.0)


def relu_deriv(post_act):
    return np.heaviside(post_act, 0.0)


def _affine(X, W, b):
    return X @ W + b


def forward(X, params, name="", activation=sigmoid):
    z = _affine(X, params["W" + name], params["b" + name])
    h = activation(z)
    params["cache_" + name] = X, z, h
    return h


def backwards(delta, params, name="", activation_deriv=sigmoid_deriv):
    inputs, _z, outputs = params["cache_" + name]
    local = np.multiply(delta, activation_deriv(outputs))
    params["grad_W" + name] = inputs.transpose().dot(local)
    params["grad_b" + name] = local.sum(0)
    return local.dot(params["W" + name].transpose())


def softmax(x):
    shifted = x - x.max(1)[:, np.newaxis]
    numerator = np.exp(shifted)
    return numerator / numerator.sum(1)[:, np.newaxis]


def compute_loss_and_acc(y, probs):
    picked = probs[np.arange(len(y)), y.argmax(1)]
    loss = float(-np.log(picked).sum())
    acc = float((probs.argmax(1) == y.argmax(1)).mean())
    return loss, acc


def get_random_batches(x, y, batch_size, *, rng=None):
    order = rng.permutation(len(x)) if rng is not None else np.random.permutation(len(x))
    x, y = x[order], y[order]
    out, start = [], 0
    while start < len(x):
        out.append((x[start : start + batch_size], y[start : start + batch_size]))
        start += batch_size
    return out


def _is_param(key, value):
    return isinstance(value, np.ndarray) and (key.startswith("W") or key.startswith("b"))


def numerical_gradient(loss_fn, params, eps=1e-6):
    result = {}
    for key in [k for k, v in params.items() if _is_param(k, v)]:
        arr = params[key]
        grad = np.zeros(arr.shape)
        for pos in np.ndindex(arr.shape):
            saved = arr[pos].copy()
            arr[pos] = saved + eps
            hi = loss_fn(params)
            arr[pos] = saved - eps
            lo = loss_fn(params)
            arr[pos] = saved
            grad[pos] = (hi - lo) / (2.0 * eps)
        result[key] = grad
    return result


def sgd_step(params, names, lr):
    for layer in names:
        W, b = "W" + layer, "b" + layer
        params[W] = params[W] - lr * params["grad_" + W]
        params[b] = params[b] - lr * params["grad_" + b]


def momentum_step(params, names, lr, beta=0.9):
    for layer in names:
        for key in ("W" + layer, "b" + layer):
            velocity = params["m_" + key] if "m_" + key in params else 0.0 * params[key]
            velocity = beta * velocity - lr * params["grad_" + key]
            params["m_" + key] = velocity
            params[key] = params[key] + velocity


def _predict(params, x):
    return forward(forward(x, params, "layer1"), params, "output", softmax)


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
    np.random.seed(seed)
    params = {}
    initialize_weights(train_x.shape[1], hidden_size, params, "layer1")
    initialize_weights(hidden_size, train_y.shape[1], params, "output")
    history = {key: [] for key in _KEYS}
    for _ in range(epochs):
        sums = np.zeros(2)
        for xb, yb in get_random_batches(train_x, train_y, batch_size):
            probs = _predict(params, xb)
            loss, acc = compute_loss_and_acc(yb, probs)
            sums += (loss, acc * len(xb))
            grad = backwards(probs - yb, params, "output", linear_deriv)
            backwards(grad, params, "layer1", sigmoid_deriv)
            sgd_step(params, ["layer1", "output"], learning_rate)
        v_loss, v_acc = compute_loss_and_acc(valid_y, _predict(params, valid_x))
        for key, value in zip(_KEYS, (sums[0], sums[1] / len(train_x), v_loss, v_acc)):
            history[key].append(float(value))
    return params, history
