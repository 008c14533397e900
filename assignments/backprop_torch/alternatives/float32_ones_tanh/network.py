"""Technion HW1 network, float32 throughout: the bias gradients are torch.ones(batch_size)
products (addmv), the hidden sigmoid's derivative from its output."""

import torch


class FullyConnectedNetwork:
    def __init__(self, input_size, output_size, hidden_size, activation_func, lr=0.01):
        self.input_size = input_size
        self.output_size = output_size
        self.hidden_size = hidden_size
        self.activation_func = activation_func
        self.lr = lr
        self.W1 = torch.randn(input_size, hidden_size) * (1 / input_size) ** 0.5
        self.b1 = torch.zeros(hidden_size)
        self.W2 = torch.randn(hidden_size, output_size) * (1 / hidden_size) ** 0.5
        self.b2 = torch.zeros(output_size)

    def forward(self, x):
        self.h = self.activation_func(torch.matmul(x, self.W1) + self.b1)
        z2 = torch.matmul(self.h, self.W2) + self.b2
        z2 = z2 - z2.max(dim=1, keepdim=True)[0]
        return torch.exp(z2) / torch.exp(z2).sum(dim=1, keepdim=True)

    def backward(self, x, y_onehot, y_hat):
        batch_size = x.shape[0]
        ones = torch.ones(batch_size)
        dz2 = (y_hat - y_onehot) / batch_size
        dW2 = torch.matmul(self.h.t(), dz2)
        db2 = torch.matmul(dz2.t(), ones)
        dz1 = torch.matmul(dz2, self.W2.t()) * self.h * (1 - self.h)
        dW1 = torch.matmul(x.t(), dz1)
        db1 = torch.matmul(dz1.t(), ones)
        self.W1 = self.W1 - self.lr * dW1
        self.b1 = self.b1 - self.lr * db1
        self.W2 = self.W2 - self.lr * dW2
        self.b2 = self.b2 - self.lr * db2
