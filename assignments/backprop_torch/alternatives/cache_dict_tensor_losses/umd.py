"""UMD Part 1 that returns its epoch losses as 0-d tensors (which float() takes), draws the
weights with torch.normal, and backpropagates with a while loop."""

import torch


def initialize_network(n_inputs, n_hidden, n_outputs):
    widths = [n_inputs] + n_hidden + [n_outputs]
    net = []
    for i in range(1, len(widths)):
        std = 1.0 / widths[i - 1] ** 0.5
        net.append({"W": torch.normal(0.0, std, (widths[i - 1], widths[i])), "b": torch.zeros(widths[i])})
    return net


def pre_activation(weights, inputs):
    return torch.mm(inputs, weights["W"]) + weights["b"].unsqueeze(0)


def sigmoid_activation(a):
    return torch.where(a >= 0, 1 / (1 + torch.exp(-a.clamp(min=0))), torch.exp(a.clamp(max=0)) / (1 + torch.exp(a.clamp(max=0))))


def forward_propagation(network, inputs):
    cache = [inputs]
    for layer in network:
        cache.append(sigmoid_activation(pre_activation(layer, cache[-1])))
    return cache[-1], cache


def backward_propagate_error(network, input_cache, grad_x):
    grads = [dict() for _ in network]
    i = len(network) - 1
    d_out = grad_x
    while i >= 0:
        a = input_cache[i + 1]
        d_pre = d_out * a * (1 - a)
        grads[i]["W"] = torch.mm(input_cache[i].t(), d_pre)
        grads[i]["b"] = torch.sum(d_pre, 0)
        d_out = torch.mm(d_pre, network[i]["W"].t())
        i -= 1
    return grads


def update_weights(network, grads, l_rate):
    for layer, g in zip(network, grads):
        layer.update({"W": layer["W"] - l_rate * g["W"], "b": layer["b"] - l_rate * g["b"]})


def train(network, train_x, train_y, l_rate, n_epoch, n_outputs):
    out_losses = []
    for _ in range(n_epoch):
        epoch = torch.tensor(0.0)
        for x, c in zip(train_x, train_y):
            target = torch.zeros(1, n_outputs)
            target[0, c] = 1.0
            y, cache = forward_propagation(network, x.reshape(1, -1))
            epoch = epoch + 0.5 * torch.sum((y - target) ** 2)
            update_weights(network, backward_propagate_error(network, cache, y - target), l_rate)
        out_losses.append(epoch)
    return out_losses
