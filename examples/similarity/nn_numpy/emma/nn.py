"""nn.py with other stable formulas: a tanh-based sigmoid, a log-sum-exp softmax, a clipped
log in the loss, einsum and a ones-vector for the sums."""

import numpy as np


def initialize_weights(in_size, out_size, params, name="", *, rng=None):
    gen = rng if rng is not None else np.random
    limit = (6.0 / (in_size + out_size)) ** 0.5
    params["W" + name] = gen.uniform(low=-limit, high=limit, size=(in_size, out_size))
    params["b" + name] = np.zeros((out_size,))


def sigmoid(x):
    # sigma(x) = (1 + tanh(x / 2)) / 2 never overflows
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def sigmoid_deriv(post_act):
    return post_act - post_act**2


def linear_deriv(post_act):
    return np.ones(post_act.shape)


def relu(x):
    return x * (x > 0)


def relu_deriv(post_act):
    return np.where(post_act > 0, 1.0, 0.0)


def forward(X, params, name="", activation=sigmoid):
    z = np.einsum("nd,dh->nh", X, params["W" + name]) + params["b" + name][None, :]
    a = activation(z)
    params["cache_" + name] = (X, z, a)
    return a


def backwards(delta, params, name="", activation_deriv=sigmoid_deriv):
    X, _, a = params["cache_" + name]
    dz = delta * activation_deriv(a)
    ones = np.ones(X.shape[0])
    params["grad_W" + name] = np.einsum("nd,nh->dh", X, dz)
    params["grad_b" + name] = ones @ dz
    return np.einsum("nh,dh->nd", dz, params["W" + name])


def softmax(x):
    m = np.max(x, axis=1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(x - m), axis=1, keepdims=True))
    return np.exp(x - lse)


def compute_loss_and_acc(y, probs):
    loss = -np.sum(y * np.log(np.clip(probs, 1e-300, 1.0)))
    acc = np.sum(probs.argmax(1) == y.argmax(1)) / len(y)
    return loss, acc


def get_random_batches(x, y, batch_size, *, rng=None):
    gen = rng if rng is not None else np.random
    perm = gen.permutation(x.shape[0])
    chunks = np.array_split(perm, np.arange(batch_size, x.shape[0], batch_size))
    return [(x[c], y[c]) for c in chunks if len(c)]


def numerical_gradient(loss_fn, params, eps=1e-6):
    out = {}
    keys = [k for k, v in params.items() if k[:1] in ("W", "b") and type(v) is np.ndarray]
    for k in keys:
        flat = params[k].reshape(-1)  # a view: writing to it perturbs params[k]
        g = np.zeros(flat.size)
        for j in range(flat.size):
            old = flat[j]
            flat[j] = old + eps
            lp = loss_fn(params)
            flat[j] = old - eps
            lm = loss_fn(params)
            flat[j] = old
            g[j] = (lp - lm) / (2 * eps)
        out[k] = g.reshape(params[k].shape)
    return out


def sgd_step(params, names, lr):
    for name in names:
        for p in ("W", "b"):
            params[p + name] = params[p + name] - lr * params["grad_" + p + name]


def momentum_step(params, names, lr, beta=0.9):
    for name in names:
        for p in ("W", "b"):
            key = p + name
            m = params.get("m_" + key)
            if m is None:
                m = np.zeros_like(params[key])
            m = beta * m - lr * params["grad_" + key]
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
    history = {"train_loss": [], "train_acc": [], "valid_loss": [], "valid_acc": []}
    for _ in range(epochs):
        ep_loss, ep_right = 0.0, 0.0
        for xb, yb in get_random_batches(train_x, train_y, batch_size, rng=rng):
            p = forward(forward(xb, params, "layer1"), params, "output", softmax)
            loss, acc = compute_loss_and_acc(yb, p)
            ep_loss += loss
            ep_right += acc * len(xb)
            d = backwards(p - yb, params, "output", linear_deriv)
            backwards(d, params, "layer1", sigmoid_deriv)
            sgd_step(params, ["layer1", "output"], learning_rate)
        p = forward(forward(valid_x, params, "layer1"), params, "output", softmax)
        vl, va = compute_loss_and_acc(valid_y, p)
        history["train_loss"].append(ep_loss)
        history["train_acc"].append(ep_right / len(train_x))
        history["valid_loss"].append(vl)
        history["valid_acc"].append(va)
    return params, history
