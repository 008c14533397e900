"""Technion HW1 network whose softmax loops over the rows and whose backward sums the bias
gradients example by example in a loop, then averages; weights drawn as normal * 0.1."""

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
        e2 = y_hat - y_onehot  # (N, C)
        e1 = (e2 @ self.W2.T) * self.h * (1 - self.h)  # (N, H)
        dW2 = self.h.T @ e2
        dW1 = x.T @ e1
        db1 = torch.zeros_like(self.b1)
        db2 = torch.zeros_like(self.b2)
        for i in range(n):
            db1 += e1[i]
            db2 += e2[i]
        self.W1 = self.W1 - self.lr * dW1 / n
        self.b1 = self.b1 - self.lr * db1 / n
        self.W2 = self.W2 - self.lr * dW2 / n
        self.b2 = self.b2 - self.lr * db2 / n
