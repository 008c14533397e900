"""UMD Part 1 that returns its epoch losses as numpy float64 scalars (np.float64, which
float() takes), with in-place weight updates (-=)."""

import numpy as np
import torch


def initialize_network(n_inputs, n_hidden, n_outputs):
    layers = []
    fan_in = n_inputs
    for fan_out in [*n_hidden, n_outputs]:
        layers.append({"W": torch.randn(fan_in, fan_out).div_(fan_in**0.5), "b": torch.zeros(fan_out)})
        fan_in = fan_out
    return layers


def pre_activation(weights, inputs):
    return inputs @ weights["W"] + weights["b"]


def sigmoid_activation(a):
    z = torch.exp(-torch.abs(a))
    return torch.where(a >= 0, 1.0 / (1.0 + z), 1.0 - 1.0 / (1.0 + z))


def forward_propagation(network, inputs):
    cache = [inputs]
    out = inputs
    for w in network:
        out = sigmoid_activation(pre_activation(w, out))
        cache += [out]
    return out, cache


def backward_propagate_error(network, input_cache, grad_x):
    grads = []
    back = grad_x
    for idx in range(len(network) - 1, -1, -1):
        s = input_cache[idx + 1]
        back = back * s * (1 - s)
        grads.append({"W": input_cache[idx].T @ back, "b": back.sum(dim=0)})
        back = back @ network[idx]["W"].T
    grads.reverse()
    return grads


def update_weights(network, grads, l_rate):
    for layer, grad in zip(network, grads):
        layer["W"] -= l_rate * grad["W"]
        layer["b"] -= l_rate * grad["b"]


def train(network, train_x, train_y, l_rate, n_epoch, n_outputs):
    losses = []
    for _ in range(n_epoch):
        total = np.float64(0.0)
        for i in range(train_x.shape[0]):
            t = torch.zeros(1, n_outputs)
            t[0, int(train_y[i])] = 1
            out, cache = forward_propagation(network, train_x[i : i + 1])
            total += np.float64(0.5 * ((out - t) ** 2).sum().item())
            update_weights(network, backward_propagate_error(network, cache, out - t), l_rate)
        losses.append(total)
    return losses
