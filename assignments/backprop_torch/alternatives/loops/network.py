"""Technion HW1 network whose backward sums the gradients example by example in a loop
(outer products), then averages; weights drawn with a seeded-free normal * 0.1."""

import torch


class FullyConnectedNetwork:
    def __init__(self, input_size, output_size, hidden_size, activation_func, lr=0.01):
        self.input_size = input_size
        self.output_size = output_size
        self.hidden_size = hidden_size
        self.activation_func = activation_func
        self.lr = lr
        self.W1 = torch.randn(input_size, hidden_size) * 0.1
        self.b1 = torch.zeros(hidden_size)
        self.W2 = torch.randn(hidden_size, output_size) * 0.1
        self.b2 = torch.zeros(output_size)

    def forward(self, x):
        self.z1 = x @ self.W1 + self.b1
        self.h = self.activation_func(self.z1)
        z2 = self.h @ self.W2 + self.b2
        out = torch.empty_like(z2)
        for i in range(z2.shape[0]):
            e = torch.exp(z2[i] - z2[i].max())
            out[i] = e / e.sum()
        return out

    def backward(self, x, y_onehot, y_hat):
        n = x.shape[0]
        dW1 = torch.zeros_like(self.W1)
        db1 = torch.zeros_like(self.b1)
        dW2 = torch.zeros_like(self.W2)
        db2 = torch.zeros_like(self.b2)
        for i in range(n):
            e2 = y_hat[i] - y_onehot[i]  # (C,)
            dW2 += torch.outer(self.h[i], e2)
            db2 += e2
            e1 = (self.W2 @ e2) * self.h[i] * (1 - self.h[i])  # (H,)
            dW1 += torch.outer(x[i], e1)
            db1 += e1
        self.W1 = self.W1 - self.lr * dW1 / n
        self.b1 = self.b1 - self.lr * db1 / n
        self.W2 = self.W2 - self.lr * dW2 / n
        self.b2 = self.b2 - self.lr * db2 / n
