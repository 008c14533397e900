"""A two-layer fully connected classifier in torch, with the backward pass written by hand.

After Technion Deep Learning HW1, Q2. The network is

    z1 = x W1 + b1,   h = activation_func(z1),   z2 = h W2 + b2,   y_hat = softmax(z2)

and it is trained on the mean cross-entropy L = -(1/N) sum_n sum_c y_nc log y_hat_nc.
backward computes dL/dW1, dL/db1, dL/dW2, dL/db2 with the chain rule and takes one SGD step.
No autograd here: calling .backward(), torch.autograd or anything in torch.nn or torch.optim
fails the checks. This file stands alone: it imports nothing from activations.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

Activation = Callable[[torch.Tensor], torch.Tensor]


class FullyConnectedNetwork:
    """input -> hidden (activation_func) -> output (softmax), trained one SGD step at a time.

    Attributes (float32 torch tensors, the dtype of the whole homework):
        W1: (input_size, hidden_size)    b1: (hidden_size,)
        W2: (hidden_size, output_size)   b2: (output_size,)
        lr: the SGD step size. activation_func: the hidden activation.

    The checks may replace W1, b1, W2 and b2 with float32 tensors of their own; the inputs they
    pass are float32 too.
    """

    def __init__(
        self,
        input_size: int,
        output_size: int,
        hidden_size: int,
        activation_func: Activation,
        lr: float = 0.01,
    ) -> None:
        """Store the sizes, the activation and lr, and initialise the weights.

        Weights start small and random, W ~ N(0, 1 / fan_in) (LeCun et al. 1998), so the hidden
        pre-activations have unit scale and the sigmoid does not saturate; biases start at zero.

        Args:
            input_size: D, features per example (784 for 28x28 digits).
            output_size: C, the number of classes.
            hidden_size: H, the width of the hidden layer.
            activation_func: the hidden activation, elementwise, (N, H) -> (N, H). backward
                differentiates it as the sigmoid, from its output: h (1 - h).
            lr: the learning rate of every SGD step that backward takes.
        """
        self.input_size = input_size
        self.output_size = output_size
        self.hidden_size = hidden_size
        self.activation_func = activation_func
        self.lr = lr
        self.W1 = torch.randn(input_size, hidden_size) / math.sqrt(input_size)  # (D, H)
        self.b1 = torch.zeros(hidden_size)  # (H,)
        self.W2 = torch.randn(hidden_size, output_size) / math.sqrt(hidden_size)  # (H, C)
        self.b2 = torch.zeros(output_size)  # (C,)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class probabilities y_hat = softmax(activation_func(x W1 + b1) W2 + b2).

        The softmax is over the classes (dim 1) and must not overflow: subtract each row's max
        before exp. Keep what backward needs (at least h) on self.

        Args:
            x: float32 inputs, shape (N, D).

        Returns:
            y_hat, shape (N, C); each row sums to 1.
        """
        self.z1 = x @ self.W1 + self.b1  # (N, D) @ (D, H) + (H,) -> (N, H)
        self.h = self.activation_func(self.z1)  # (N, H)
        z2 = self.h @ self.W2 + self.b2  # (N, H) @ (H, C) + (C,) -> (N, C)
        shifted = z2 - z2.max(dim=1, keepdim=True).values  # (N, C), each row's max is 0
        exps = torch.exp(shifted)  # (N, C)
        return exps / exps.sum(dim=1, keepdim=True)  # (N, C)

    def backward(self, x: torch.Tensor, y_onehot: torch.Tensor, y_hat: torch.Tensor) -> None:
        """One SGD step on the mean cross-entropy of this batch, updating the weights in place.

        Call it right after forward(x), whose cached hidden activation h it uses. With
        L = -(1/N) sum y_onehot * log y_hat, the chain rule gives
            dL/dz2 = (y_hat - y_onehot) / N                  (N, C)
            dL/dW2 = h^T dL/dz2,  dL/db2 = sum_n dL/dz2      (H, C), (C,)
            dL/dz1 = (dL/dz2 W2^T) * h (1 - h)               (N, H)
            dL/dW1 = x^T dL/dz1,  dL/db1 = sum_n dL/dz1      (D, H), (H,)
        and then every parameter p moves to p - lr dL/dp. All four gradients use the weights
        from before the step.

        Args:
            x: the inputs given to forward, shape (N, D).
            y_onehot: one-hot labels, shape (N, C).
            y_hat: the probabilities forward returned, shape (N, C).
        """
        n = x.shape[0]
        h = self.h  # (N, H)
        d_z2 = (y_hat - y_onehot) / n  # (N, C)
        d_W2 = h.T @ d_z2  # (H, N) @ (N, C) -> (H, C)
        d_b2 = d_z2.sum(dim=0)  # (C,)
        d_h = d_z2 @ self.W2.T  # (N, C) @ (C, H) -> (N, H)
        d_z1 = d_h * h * (1.0 - h)  # (N, H), the sigmoid's derivative from its output
        d_W1 = x.T @ d_z1  # (D, N) @ (N, H) -> (D, H)
        d_b1 = d_z1.sum(dim=0)  # (H,)
        self.W1 -= self.lr * d_W1
        self.b1 -= self.lr * d_b1
        self.W2 -= self.lr * d_W2
        self.b2 -= self.lr * d_b2
