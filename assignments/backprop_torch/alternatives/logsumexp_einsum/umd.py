"""UMD Part 1 with torch.addmm for the layers, einsum for the weight gradients, and the
network updated in place (tensor.sub_)."""

import torch


def initialize_network(n_inputs, n_hidden, n_outputs):
    dims = [n_inputs, *n_hidden, n_outputs]
    return [
        {"W": torch.normal(0.0, d_in**-0.5, size=(d_in, d_out)), "b": torch.zeros(d_out)}
        for d_in, d_out in zip(dims, dims[1:])
    ]


def pre_activation(weights, inputs):
    return torch.addmm(weights["b"], inputs, weights["W"])


def sigmoid_activation(a):
    e = torch.exp(-a.abs())
    return torch.where(a > 0, 1 / (1 + e), e / (1 + e))


def forward_propagation(network, inputs):
    acts = [inputs]
    for layer in network:
        acts.append(sigmoid_activation(pre_activation(layer, acts[-1])))
    return acts[-1], acts


def backward_propagate_error(network, input_cache, grad_x):
    grads = []
    g = grad_x
    for layer, a_in, a_out in zip(network[::-1], input_cache[-2::-1], input_cache[:0:-1]):
        d = g * a_out * (1 - a_out)
        grads.insert(0, {"W": torch.einsum("ni,no->io", a_in, d), "b": d.sum(dim=0)})
        g = d @ layer["W"].T
    return grads


def update_weights(network, grads, l_rate):
    for layer, grad in zip(network, grads):
        layer["W"].sub_(l_rate * grad["W"])
        layer["b"].sub_(l_rate * grad["b"])


def train(network, train_x, train_y, l_rate, n_epoch, n_outputs):
    eye = torch.eye(n_outputs, dtype=train_x.dtype)
    history = []
    for _ in range(n_epoch):
        epoch_loss = 0.0
        for x, label in zip(train_x, train_y):
            out, cache = forward_propagation(network, x[None, :])
            err = out - eye[int(label)]
            epoch_loss += 0.5 * err.pow(2).sum().item()
            update_weights(network, backward_propagate_error(network, cache, err), l_rate)
        history.append(epoch_loss)
    return history
