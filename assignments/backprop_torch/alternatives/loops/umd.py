"""UMD Part 1 with index loops everywhere (layers built and updated by index, the backward
pass walking the cache by index), losses summed as Python floats."""

import torch


def initialize_network(n_inputs, n_hidden, n_outputs):
    sizes = [n_inputs] + list(n_hidden) + [n_outputs]
    network = []
    for i in range(len(sizes) - 1):
        W = torch.randn(sizes[i], sizes[i + 1]) * (1.0 / sizes[i]) ** 0.5
        network.append({"W": W, "b": torch.zeros(sizes[i + 1])})
    return network


def pre_activation(weights, inputs):
    return inputs.matmul(weights["W"]).add(weights["b"])


def sigmoid_activation(a):
    z = torch.exp(-a.abs())
    return torch.where(a >= 0, 1 / (1 + z), z / (1 + z))


def forward_propagation(network, inputs):
    cache = [inputs]
    for i in range(len(network)):
        cache.append(sigmoid_activation(pre_activation(network[i], cache[i])))
    return cache[-1], cache


def backward_propagate_error(network, input_cache, grad_x):
    L = len(network)
    grads = [{} for _ in range(L)]
    upstream = grad_x
    for i in reversed(range(L)):
        a = input_cache[i + 1]
        delta = upstream * a * (1 - a)
        grads[i]["W"] = input_cache[i].T.matmul(delta)
        grads[i]["b"] = delta.sum(0)
        upstream = delta.matmul(network[i]["W"].T)
    return grads


def update_weights(network, grads, l_rate):
    for i in range(len(network)):
        for k in ("W", "b"):
            network[i][k] = network[i][k] - l_rate * grads[i][k]


def train(network, train_x, train_y, l_rate, n_epoch, n_outputs):
    epoch_losses = []
    for _ in range(n_epoch):
        loss = 0.0
        for n in range(len(train_x)):
            target = torch.zeros(1, n_outputs)
            target[0, train_y[n]] = 1.0
            out, cache = forward_propagation(network, train_x[n].view(1, -1))
            diff = out - target
            loss += float((diff * diff).sum()) / 2
            update_weights(network, backward_propagate_error(network, cache, diff), l_rate)
        epoch_losses.append(loss)
    return epoch_losses
