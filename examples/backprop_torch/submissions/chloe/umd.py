"""Backpropagation from scratch in torch, one function per step, for a sigmoid network.

After UMD Assignment 5, Part 1 (the handout's network is 784-500-50-10, sigmoid everywhere).
Data structures used throughout:

* ``network`` is a list with one dict per layer, input side first. Layer l maps its input
  (N, n_in) to its output (N, n_out) and holds ``{"W": (n_in, n_out), "b": (n_out,)}``.
* ``input_cache`` is the list [a_0, a_1, ..., a_L] that forward_propagation records:
  a_0 is the network's input and a_l = sigmoid(a_{l-1} W_l + b_l) is layer l's output, so
  layer l (0-based index i in ``network``) reads input_cache[i] and writes input_cache[i + 1];
  input_cache[-1] is the network's output.
* ``grads`` has the shape of ``network``: one dict per layer with "W" and "b", the gradient of
  the loss with respect to that layer's weights and biases.

Every layer, the last included, applies the sigmoid. All tensors are float32, the dtype of
the whole homework: the network from initialize_network and the inputs the checks pass.
No autograd here: calling .backward(), torch.autograd or anything in torch.nn or torch.optim
fails the checks. This file stands alone: it imports nothing from activations.py.
"""

from __future__ import annotations

import math

import torch

Layer = dict[str, torch.Tensor]
Network = list[Layer]


def initialize_network(n_inputs: int, n_hidden: list[int], n_outputs: int) -> Network:
    """A fresh network with the given layer widths.

    Weights are drawn from N(0, 1 / n_in), n_in being the layer's number of inputs (LeCun et al.
    1998); biases start at zero. All tensors are float32.

    Args:
        n_inputs: features per example (784 for 28x28 digits).
        n_hidden: the widths of the hidden layers in order, e.g. [500, 50]; [] for none.
        n_outputs: the number of output units (one per class).

    Returns:
        A list of len(n_hidden) + 1 layer dicts; initialize_network(784, [500, 50], 10) holds
        W (784, 500), (500, 50), (50, 10) and b (500,), (50,), (10,).
    """
    sizes = [n_inputs, *n_hidden, n_outputs]
    network = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        network.append(
            {
                "W": torch.randn(n_in, n_out) / math.sqrt(n_in),  # (n_in, n_out)
                "b": torch.zeros(n_out),  # (n_out,)
            }
        )
    return network


def pre_activation(weights: Layer, inputs: torch.Tensor) -> torch.Tensor:
    """One layer's pre-activation inputs @ W + b.

    weights: a layer dict {"W": (n_in, n_out), "b": (n_out,)}. inputs: (N, n_in).
    Returns (N, n_out).
    """
    return inputs @ weights["W"] + weights["b"]  # (N, n_in) @ (n_in, n_out) + (n_out,)


def sigmoid_activation(a: torch.Tensor) -> torch.Tensor:
    """Logistic sigmoid 1 / (1 + exp(-a)), elementwise, with no overflow for any finite a.

    a: any shape -> same shape.
    """
    z = torch.exp(-torch.abs(a))  # any shape, in (0, 1]
    return torch.where(a >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def forward_propagation(
    network: Network, inputs: torch.Tensor
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Run inputs through every layer: a_l = sigmoid(a_{l-1} W_l + b_l).

    Args:
        network: the list of layer dicts.
        inputs: a_0, shape (N, n_inputs).

    Returns:
        (outputs, input_cache): outputs is a_L, shape (N, n_outputs); input_cache is the list
        [a_0, a_1, ..., a_L] of len(network) + 1 tensors, ending with outputs.
    """
    input_cache = [inputs]
    activation = inputs  # (N, n_inputs)
    for layer in network:
        activation = sigmoid_activation(pre_activation(layer, activation))  # (N, n_out)
        input_cache.append(activation)
    return activation, input_cache


def backward_propagate_error(
    network: Network, input_cache: list[torch.Tensor], grad_x: torch.Tensor
) -> list[Layer]:
    """Gradients of a loss with respect to every layer's W and b, by the chain rule.

    Start from grad_x = dL/da_L, the gradient with respect to the network's output, and walk
    the layers from the last to the first. For layer l, with input a_{l-1} and output a_l:
        delta = dL/da_l * a_l (1 - a_l)        the sigmoid's derivative from its output
        dL/dW_l = a_{l-1}^T delta,  dL/db_l = sum over the batch of delta
        dL/da_{l-1} = delta W_l^T              the upstream gradient for layer l - 1

    Args:
        network: the list of layer dicts, as used by forward_propagation.
        input_cache: [a_0, ..., a_L] from forward_propagation on the same network.
        grad_x: dL/da_L, shape (N, n_outputs).

    Returns:
        grads: a list shaped like network, grads[i] = {"W": dL/dW (n_in, n_out),
        "b": dL/db (n_out,)}. The network itself is not changed.
    """
    grads: list[Layer] = [{} for _ in network]
    upstream = grad_x  # (N, n_out) of the last layer
    for i in reversed(range(len(network))):
        layer_in, layer_out = input_cache[i], input_cache[i + 1]  # (N, n_in), (N, n_out)
        delta = upstream * layer_out * (1.0 - layer_out)  # (N, n_out)
        grads[i]["W"] = layer_in.T @ delta  # (n_in, N) @ (N, n_out) -> (n_in, n_out)
        grads[i]["b"] = delta.sum(dim=0)  # (n_out,)
        upstream = delta @ network[i]["W"].T  # (N, n_out) @ (n_out, n_in) -> (N, n_in)
    return grads


def update_weights(network: Network, grads: list[Layer], l_rate: float) -> None:
    """One step of gradient descent, in place: W -= l_rate dL/dW and b -= l_rate dL/db per layer.

    network: the list of layer dicts, changed in place. grads: from backward_propagate_error.
    """
    for layer, grad in zip(network, grads, strict=True):
        layer["W"] = layer["W"] - l_rate * grad["W"]
        layer["b"] = layer["b"] - l_rate * grad["b"]


def train(
    network: Network,
    train_x: torch.Tensor,
    train_y: torch.Tensor,
    l_rate: float,
    n_epoch: int,
    n_outputs: int,
) -> list[float]:
    """Stochastic gradient descent on the squared error, one example at a time, in place.

    Each epoch visits the examples in order, no shuffling. For example n, with a one-hot
    target t (n_outputs entries): forward train_x[n : n + 1], add its loss
    1/2 sum_k (out_k - t_k)^2 to the epoch's total, backpropagate grad_x = out - t, and
    update the weights with l_rate before moving on to the next example.

    Args:
        network: the list of layer dicts, trained in place.
        train_x: float32 inputs, shape (N, n_inputs).
        train_y: integer class labels, shape (N,), values in 0..n_outputs-1.
        l_rate: the learning rate.
        n_epoch: passes over the data.
        n_outputs: the number of classes, the length of a one-hot target.

    Returns:
        The n_epoch epoch losses as Python floats, each the sum of the per-example losses.
    """
    losses = []
    for _ in range(n_epoch):
        total = 0.0
        for n in range(train_x.shape[0]):
            x = train_x[n : n + 1]  # (1, n_inputs)
            target = torch.zeros(1, n_outputs, dtype=x.dtype)  # (1, n_outputs)
            target[0, int(train_y[n])] = 1.0
            outputs, input_cache = forward_propagation(network, x)
            total += float(0.5 * ((outputs - target) ** 2).sum())
            grads = backward_propagate_error(network, input_cache, outputs - target)
            update_weights(network, grads, l_rate)
        losses.append(total)
    return losses
