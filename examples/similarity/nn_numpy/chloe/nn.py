"""nn.py that returns numpy scalars and 0-d arrays where the handout says "a float", updates
parameters in place (-=, +=), and writes a stable sigmoid with np.where on exp(-|x|)."""

import numpy as np


def initialize_weights(in_size, out_size, params, name="", *, rng=None):
    bound = np.sqrt(6.0 / (in_size + out_size))
    u = rng.random((in_size, out_size)) if rng is not None else np.random.rand(in_size, out_size)
    params[f"W{name}"] = (2.0 * u - 1.0) * bound  # U(0, 1) stretched to U(-bound, bound)
    params[f"b{name}"] = np.zeros(out_size, dtype=np.float64)


def sigmoid(x):
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def sigmoid_deriv(post_act):
    return post_act * (1.0 - post_act)


def linear_deriv(post_act):
    return np.ones_like(post_act, dtype=np.float64)


def relu(x):
    return np.clip(x, 0.0, None)


def relu_deriv(post_act):
    return np.greater(post_act, 0).astype(float)


def forward(X, params, name="", activation=sigmoid):
    pre = np.matmul(X, params[f"W{name}"])
    pre += params[f"b{name}"]
    post = activation(pre)
    params[f"cache_{name}"] = (X, pre, post)
    return post


def backwards(delta, params, name="", activation_deriv=sigmoid_deriv):
    X, pre, post = params[f"cache_{name}"]
    delta = delta * activation_deriv(post)
    params[f"grad_W{name}"] = np.matmul(X.T, delta)
    params[f"grad_b{name}"] = np.sum(delta, axis=0, keepdims=True).ravel()
    return np.matmul(delta, params[f"W{name}"].T)


def softmax(x):
    e = np.exp(x - np.amax(x, axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    return e


def compute_loss_and_acc(y, probs):
    loss = np.array(-(y * np.log(probs)).sum())  # a 0-d array
    acc = np.mean(np.equal(probs.argmax(axis=1), y.argmax(axis=1)))  # a numpy float64
    return loss, acc


def get_random_batches(x, y, batch_size, *, rng=None):
    idx = np.arange(x.shape[0])
    (rng.shuffle if rng is not None else np.random.shuffle)(idx)
    n_batches = int(np.ceil(len(idx) / batch_size))
    return [
        (
            x[idx[i * batch_size : (i + 1) * batch_size]],
            y[idx[i * batch_size : (i + 1) * batch_size]],
        )
        for i in range(n_batches)
    ]


def numerical_gradient(loss_fn, params, eps=1e-6):
    grads = {}
    for key in [k for k in params if k.startswith("W") or k.startswith("b")]:
        p = params[key]
        if not isinstance(p, np.ndarray):
            continue
        grads[key] = np.empty(p.shape)
        for idx in np.ndindex(*p.shape):
            p[idx] += eps
            f_plus = loss_fn(params)
            p[idx] -= 2 * eps
            f_minus = loss_fn(params)
            p[idx] += eps
            grads[key][idx] = (f_plus - f_minus) / (2 * eps)
    return grads


def sgd_step(params, names, lr):
    for name in names:
        params[f"W{name}"] -= lr * params[f"grad_W{name}"]
        params[f"b{name}"] -= lr * params[f"grad_b{name}"]


def momentum_step(params, names, lr, beta=0.9):
    for name in names:
        for kind in "Wb":
            key = f"{kind}{name}"
            params.setdefault(f"m_{key}", np.zeros(params[key].shape))
            params[f"m_{key}"] *= beta
            params[f"m_{key}"] -= lr * params[f"grad_{key}"]
            params[key] += params[f"m_{key}"]


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
    history = {key: [] for key in ["train_loss", "train_acc", "valid_loss", "valid_acc"]}
    for _ in range(epochs):
        loss_sum = np.float64(0)
        n_right = np.float64(0)
        for xb, yb in get_random_batches(train_x, train_y, batch_size, rng=rng):
            probs = forward(forward(xb, params, "layer1"), params, "output", softmax)
            loss, acc = compute_loss_and_acc(yb, probs)
            loss_sum += loss
            n_right += acc * xb.shape[0]
            back = backwards(probs - yb, params, "output", linear_deriv)
            backwards(back, params, "layer1")
            sgd_step(params, ["layer1", "output"], learning_rate)
        probs = forward(forward(valid_x, params, "layer1"), params, "output", softmax)
        v_loss, v_acc = compute_loss_and_acc(valid_y, probs)
        history["train_loss"].append(loss_sum)
        history["train_acc"].append(n_right / train_x.shape[0])
        history["valid_loss"].append(v_loss)
        history["valid_acc"].append(v_acc)
    return params, history
