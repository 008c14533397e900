"""HW5 nn.py: loops over rows and entries instead of vectorised code, and train_mlp runs in
float32 throughout (data and weights cast to float32)."""

import numpy as np


def initialize_weights(in_size, out_size, params, name="", *, rng=None):
    a = np.sqrt(6) / np.sqrt(in_size + out_size)
    if rng is None:
        W = np.random.uniform(-a, a, (in_size, out_size))
    else:
        W = rng.uniform(-a, a, (in_size, out_size))
    params["W" + name] = W
    params["b" + name] = np.zeros(out_size)


def sigmoid(x):
    res = 1 / (1 + np.exp(-x))
    return res


def sigmoid_deriv(post_act):
    return post_act * (1 - post_act)


def linear_deriv(post_act):
    return np.ones_like(post_act)


def relu(x):
    out = np.array(x, dtype=float, copy=True)
    out[out < 0] = 0
    return out


def relu_deriv(post_act):
    d = np.zeros(post_act.shape)
    d[post_act > 0] = 1
    return d


def forward(X, params, name="", activation=sigmoid):
    W = params["W" + name]
    b = params["b" + name]
    pre_act = np.dot(X, W) + b
    post_act = activation(pre_act)
    params["cache_" + name] = (X, pre_act, post_act)
    return post_act


def backwards(delta, params, name="", activation_deriv=sigmoid_deriv):
    X, pre_act, post_act = params["cache_" + name]
    W = params["W" + name]
    d = delta * activation_deriv(post_act)
    grad_W = np.zeros(W.shape, dtype=d.dtype)
    grad_b = np.zeros(W.shape[1], dtype=d.dtype)
    for i in range(X.shape[0]):  # one example at a time, summed
        grad_W += np.outer(X[i], d[i])
        grad_b += d[i]
    params["grad_W" + name] = grad_W
    params["grad_b" + name] = grad_b
    return np.dot(d, W.T)


def softmax(x):
    res = np.zeros(x.shape, dtype=x.dtype)
    for i in range(x.shape[0]):
        row = x[i] - np.max(x[i])
        e = np.exp(row)
        res[i] = e / np.sum(e)
    return res


def compute_loss_and_acc(y, probs):
    loss = 0.0
    correct = 0
    for i in range(y.shape[0]):
        label = int(np.argmax(y[i]))
        loss -= np.log(probs[i, label])
        if int(np.argmax(probs[i])) == label:
            correct += 1
    return float(loss), correct / y.shape[0]


def get_random_batches(x, y, batch_size, *, rng=None):
    n = x.shape[0]
    idx = np.random.permutation(n) if rng is None else rng.permutation(n)
    batches = []
    i = 0
    while i < n:
        take = idx[i : i + batch_size]
        batches.append((x[take, :], y[take, :]))
        i += batch_size
    return batches


def numerical_gradient(loss_fn, params, eps=1e-6):
    grads = {}
    for k in list(params.keys()):
        v = params[k]
        if not (k[0] in "Wb" and isinstance(v, np.ndarray)):
            continue
        g = np.zeros_like(v, dtype=float)
        it = np.nditer(v, flags=["multi_index"])
        while not it.finished:
            i = it.multi_index
            keep = v[i]
            v[i] = keep + eps
            up = loss_fn(params)
            v[i] = keep - eps
            down = loss_fn(params)
            v[i] = keep
            g[i] = (up - down) / (2 * eps)
            it.iternext()
        grads[k] = g
    return grads


def sgd_step(params, names, lr):
    for n in names:
        params["W" + n] = params["W" + n] - lr * params["grad_W" + n]
        params["b" + n] = params["b" + n] - lr * params["grad_b" + n]


def momentum_step(params, names, lr, beta=0.9):
    for n in names:
        for p in ["W" + n, "b" + n]:
            if "m_" + p not in params:
                params["m_" + p] = np.zeros(params[p].shape)
            params["m_" + p] = beta * params["m_" + p] - lr * params["grad_" + p]
            params[p] = params[p] + params["m_" + p]


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
    train_x = train_x.astype(np.float32)
    valid_x = valid_x.astype(np.float32)
    params = {}
    initialize_weights(train_x.shape[1], hidden_size, params, "layer1")
    initialize_weights(hidden_size, train_y.shape[1], params, "output")
    for k in list(params):
        params[k] = params[k].astype(np.float32)
    history = {"train_loss": [], "train_acc": [], "valid_loss": [], "valid_acc": []}
    for epoch in range(epochs):
        total_loss = 0
        total_acc = 0
        for xb, yb in get_random_batches(train_x, train_y, batch_size):
            h = forward(xb, params, "layer1")
            probs = forward(h, params, "output", softmax)
            loss, acc = compute_loss_and_acc(yb, probs)
            total_loss += loss
            total_acc += acc * xb.shape[0]
            delta = (probs - yb).astype(np.float32)
            delta = backwards(delta, params, "output", linear_deriv)
            backwards(delta, params, "layer1", sigmoid_deriv)
            for n in ["layer1", "output"]:
                params["W" + n] -= np.float32(learning_rate) * params["grad_W" + n]
                params["b" + n] -= np.float32(learning_rate) * params["grad_b" + n]
        h = forward(valid_x, params, "layer1")
        probs = forward(h, params, "output", softmax)
        vloss, vacc = compute_loss_and_acc(valid_y, probs)
        history["train_loss"].append(total_loss)
        history["train_acc"].append(total_acc / train_x.shape[0])
        history["valid_loss"].append(vloss)
        history["valid_acc"].append(vacc)
    return params, history
