"""Technion HW1 network that keeps a cache dict, uses torch.mm and .t(), and a Xavier-normal
initialisation (a different but valid choice of scale)."""

import math

import torch


class FullyConnectedNetwork:
    def __init__(self, input_size, output_size, hidden_size, activation_func, lr=0.01):
        self.input_size = input_size
        self.output_size = output_size
        self.hidden_size = hidden_size
        self.activation_func = activation_func
        self.lr = lr
        self.W1 = torch.randn(input_size, hidden_size) * math.sqrt(2 / (input_size + hidden_size))
        self.b1 = torch.zeros(hidden_size)
        self.W2 = torch.randn(hidden_size, output_size) * math.sqrt(2 / (hidden_size + output_size))
        self.b2 = torch.zeros(output_size)
        self.cache = {}

    def forward(self, x):
        h = self.activation_func(torch.mm(x, self.W1) + self.b1)
        z = torch.mm(h, self.W2) + self.b2
        p = torch.exp(z - z.max(1, keepdim=True).values)
        p = p / p.sum(1, keepdim=True)
        self.cache = {"x": x, "h": h, "p": p}
        return p

    def backward(self, x, y_onehot, y_hat):
        h = self.cache["h"]
        m = y_hat.shape[0]
        dz2 = (y_hat - y_onehot) / m
        dh = torch.mm(dz2, self.W2.t())
        dz1 = dh * h * (1 - h)
        new_W2 = self.W2 - self.lr * torch.mm(h.t(), dz2)
        new_b2 = self.b2 - self.lr * dz2.sum(0)
        new_W1 = self.W1 - self.lr * torch.mm(x.t(), dz1)
        new_b1 = self.b1 - self.lr * dz1.sum(0)
        self.W1, self.b1, self.W2, self.b2 = new_W1, new_b1, new_W2, new_b2
