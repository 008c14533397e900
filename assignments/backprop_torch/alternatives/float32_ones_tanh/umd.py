"""UMD Part 1, float32 throughout: tanh-based sigmoid, bias gradients as torch.ones products,
targets built with torch.zeros (float32), losses taken with .item()."""

import math

import torch


def initialize_network(n_inputs, n_hidden, n_outputs):
    network = []
    prev = n_inputs
    for width in list(n_hidden) + [n_outputs]:
        network.append({"W": torch.randn(prev, width) / math.sqrt(prev), "b": torch.zeros(width)})
        prev = width
    return network


def pre_activation(weights, inputs):
    return torch.mm(inputs, weights["W"]) + weights["b"]


def sigmoid_activation(a):
    return 0.5 * (1 + torch.tanh(0.5 * a))


def forward_propagation(network, inputs):
    input_cache = [inputs]
    for layer in network:
        inputs = sigmoid_activation(pre_activation(layer, inputs))
        input_cache.append(inputs)
    return inputs, input_cache


def backward_propagate_error(network, input_cache, grad_x):
    grads = [None] * len(network)
    error = grad_x
    for i in range(len(network) - 1, -1, -1):
        out = input_cache[i + 1]
        delta = error * out * (1 - out)
        ones = torch.ones(delta.shape[0])
        grads[i] = {"W": torch.mm(input_cache[i].t(), delta), "b": torch.mv(delta.t(), ones)}
        error = torch.mm(delta, network[i]["W"].t())
    return grads


def update_weights(network, grads, l_rate):
    for i in range(len(network)):
        network[i]["W"] = network[i]["W"] - l_rate * grads[i]["W"]
        network[i]["b"] = network[i]["b"] - l_rate * grads[i]["b"]


def train(network, train_x, train_y, l_rate, n_epoch, n_outputs):
    losses = []
    for epoch in range(n_epoch):
        sum_error = 0
        for row, label in zip(train_x, train_y):
            expected = torch.zeros(n_outputs)
            expected[int(label)] = 1
            outputs, cache = forward_propagation(network, row.unsqueeze(0))
            sum_error += 0.5 * ((outputs[0] - expected) ** 2).sum().item()
            grads = backward_propagate_error(network, cache, outputs - expected)
            update_weights(network, grads, l_rate)
        losses.append(sum_error)
    return losses
