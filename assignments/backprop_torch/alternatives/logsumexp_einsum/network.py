"""Technion HW1 network in einsum, with a log-sum-exp softmax and the step taken from a dict
of gradients."""

import math

import torch


class FullyConnectedNetwork:
    def __init__(self, input_size, output_size, hidden_size, activation_func, lr=0.01):
        self.input_size = input_size
        self.output_size = output_size
        self.hidden_size = hidden_size
        self.activation_func = activation_func
        self.lr = lr
        self.W1 = torch.randn(input_size, hidden_size) / math.sqrt(input_size)
        self.b1 = torch.zeros(hidden_size)
        self.W2 = torch.randn(hidden_size, output_size) / math.sqrt(hidden_size)
        self.b2 = torch.zeros(output_size)

    def forward(self, x):
        self.h = self.activation_func(torch.einsum("nd,dh->nh", x, self.W1) + self.b1)
        logits = torch.einsum("nh,hc->nc", self.h, self.W2) + self.b2
        return torch.exp(logits - torch.logsumexp(logits, dim=1, keepdim=True))

    def backward(self, x, y_onehot, y_hat):
        delta2 = (y_hat - y_onehot) / x.shape[0]
        delta1 = torch.einsum("nc,hc->nh", delta2, self.W2) * self.h * (1 - self.h)
        grads = {
            "W2": torch.einsum("nh,nc->hc", self.h, delta2),
            "b2": delta2.sum(0),
            "W1": torch.einsum("nd,nh->dh", x, delta1),
            "b1": delta1.sum(0),
        }
        for name, g in grads.items():
            setattr(self, name, getattr(self, name) - self.lr * g)
