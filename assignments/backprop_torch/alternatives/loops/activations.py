"""Activations with explicit loops over rows (softmax, its Jacobian, the loss), as a student
who does not trust broadcasting writes them; stable sigmoid and tanh by masks."""

import torch


def sigmoid(x):
    out = torch.empty_like(x)
    pos = x >= 0
    out[pos] = 1 / (1 + torch.exp(-x[pos]))
    e = torch.exp(x[~pos])
    out[~pos] = e / (1 + e)
    return out


def d_sigmoid(s):
    return s * (1 - s)


def tanh(x):
    a = torch.abs(x)
    e = torch.exp(-2 * a)
    t = (1 - e) / (1 + e)
    return torch.where(x < 0, -t, t)


def d_tanh(t):
    return 1 - t**2


def softmax(x):
    rows = x.reshape(-1, x.shape[-1])
    out = torch.empty_like(rows)
    for i in range(rows.shape[0]):
        e = torch.exp(rows[i] - rows[i].max())
        out[i] = e / e.sum()
    return out.reshape(x.shape)


def d_softmax(s):
    n = s.shape[-1]
    rows = s.reshape(-1, n)
    out = torch.zeros(rows.shape[0], n, n, dtype=s.dtype)
    for r in range(rows.shape[0]):
        for i in range(n):
            for j in range(n):
                out[r, i, j] = rows[r, i] * ((1.0 if i == j else 0.0) - rows[r, j])
    return out.reshape(*s.shape, n)


def cross_entropy(y, y_hat):
    total = torch.zeros((), dtype=y_hat.dtype)
    for i in range(y.shape[0]):
        total = total - torch.log(y_hat[i, y[i]])
    return total / y.shape[0]


def softmax_ce_grad(logits, y):
    grad = softmax(logits).clone()
    for i in range(logits.shape[0]):
        grad[i, y[i]] -= 1
    return grad / logits.shape[0]
