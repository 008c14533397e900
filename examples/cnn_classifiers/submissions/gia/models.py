"""Image classifiers in torch.nn: LeNet on CIFAR-10, a BatchNorm CNN on 28x28 greyscale, an MLP
and a small CNN on MNIST, and a CNN under a parameter budget.

After UMD Assignment 5 Part 2 (``Net``), Coursera "Deep learning for visual computing" A4
(``Model``), DS 5220 PS4 (``MNISTClassifierMLP``, ``CNN``) and Technion Deep Learning HW1 Q3
(``BudgetCNN``). Every model is an ``nn.Module`` whose ``forward`` takes a float32 batch
(B, C, H, W) with pixels in [0, 1] and returns class scores (B, num_classes): raw logits, or
log-probabilities if you end with ``F.log_softmax(x, dim=1)`` (as DS 5220 asks) and train with
``F.nll_loss``. Never end with a softmax: ``nn.CrossEntropyLoss`` applies log-softmax itself,
and the checks compare class scores up to a constant per example, which probabilities are not.

Rules the checks rely on:

* Each example's logits depend on that example alone: flatten with ``x.view(x.size(0), -1)``
  or ``torch.flatten(x, 1)``, never with a reshape that moves values between examples.
* Register layers with weights in the order the data flows through them (create them in
  ``__init__`` in that order): the checks read ``model.parameters()`` in order and compare
  your forward pass with theirs on the same weights.
* Parameter counts are exact where a docstring gives one.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    """LeNet-5 for CIFAR-10 (UMD A5 Part 2, after the PyTorch CIFAR-10 tutorial).

    conv(3 -> 6, 5x5) -> ReLU -> maxpool 2x2 -> conv(6 -> 16, 5x5) -> ReLU -> maxpool 2x2
    -> flatten -> fc(16*5*5 -> 120) -> ReLU -> fc(120 -> 84) -> ReLU -> fc(84 -> 10).
    Convolutions have no padding and stride 1; every layer has a bias. Exactly 62,006
    parameters, in the layers conv1, conv2, fc1, fc2, fc3 in that order.

    Shapes: (B, 3, 32, 32) -> (B, 6, 28, 28) -> (B, 6, 14, 14) -> (B, 16, 10, 10)
    -> (B, 16, 5, 5) -> (B, 400) -> (B, 120) -> (B, 84) -> (B, 10).
    """

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)  # 3*6*25 + 6 = 456
        self.pool = nn.MaxPool2d(2, 2)  # no parameters
        self.conv2 = nn.Conv2d(6, 16, 5)  # 6*16*25 + 16 = 2,416
        self.fc1 = nn.Linear(16 * 5 * 5, 120)  # 400*120 + 120 = 48,120
        self.fc2 = nn.Linear(120, 84)  # 10,164
        self.fc3 = nn.Linear(84, 10)  # 850

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (B, 10) for images x (B, 3, 32, 32)."""
        x = self.pool(F.relu(self.conv1(x)))  # (B, 6, 14, 14)
        x = self.pool(F.relu(self.conv2(x)))  # (B, 16, 5, 5)
        x = x.view(x.size(0), -1)  # (B, 400), one row per example
        x = F.relu(self.fc1(x))  # (B, 120)
        x = F.relu(self.fc2(x))  # (B, 84)
        return self.fc3(x)  # (B, 10)


class Model(nn.Module):
    """A CNN with batch normalisation for 28x28 greyscale images (FashionMNIST, MNIST).

    Three blocks, each conv -> BatchNorm2d -> ReLU -> maxpool 2x2, then one fc layer:

    ======  ==========================================  =======================
    block   conv (stride 1, "same" padding, with bias)  output
    ======  ==========================================  =======================
    1       1 -> 16 channels, 3x3, padding 1             (B, 16, 14, 14)
    2       16 -> 32 channels, 3x3, padding 1            (B, 32, 7, 7)
    3       32 -> 64 channels, 5x5, padding 2            (B, 64, 3, 3)
    ======  ==========================================  =======================

    then flatten (B, 576) -> fc(576 -> num_classes). BatchNorm (Ioffe & Szegedy 2015) uses
    the batch's statistics in train mode and its running averages in eval mode, so the model
    behaves differently in the two modes. 62,058 parameters for num_classes = 10.

    Args:
        num_classes: the number of classes; forward returns (B, num_classes) for any B >= 1.
    """

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),  # (B, 16, 28, 28)
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (B, 16, 14, 14)
            nn.Conv2d(16, 32, 3, padding=1),  # (B, 32, 14, 14)
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (B, 32, 7, 7)
            nn.Conv2d(32, 64, 5, padding=2),  # (B, 64, 7, 7)
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (B, 64, 3, 3)
        )
        self.fc = nn.Linear(64 * 3 * 3, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (B, num_classes) for images x (B, 1, 28, 28)."""
        x = self.features(x)  # (B, 64, 3, 3)
        return self.fc(torch.flatten(x, 1))  # (B, 576) -> (B, num_classes)


class MNISTClassifierMLP(nn.Module):
    """A multilayer perceptron for MNIST (DS 5220 PS4): 784 -> 128 -> ReLU -> 10.

    Takes (B, 1, 28, 28) images (or (B, 784) rows), flattens each example to 784 values and
    returns logits (B, 10). Exactly 101,770 parameters: 784*128 + 128 + 128*10 + 10.
    """

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(28 * 28, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (B, 10) for images x (B, 1, 28, 28) or rows (B, 784)."""
        x = torch.flatten(x, 1)  # (B, 784)
        return self.fc2(F.relu(self.fc1(x)))  # (B, 128) -> (B, 10)


class CNN(nn.Module):
    """A small CNN for MNIST (DS 5220 PS4), after the PyTorch MNIST example.

    conv(1 -> 10, 5x5) -> maxpool 2x2 -> ReLU -> conv(10 -> 20, 5x5) -> maxpool 2x2 -> ReLU
    -> flatten -> fc(320 -> 128) -> ReLU -> fc(128 -> 10). No padding, stride 1, biases
    everywhere. Exactly 47,658 parameters: 260 + 5,020 + 41,088 + 1,290.

    Shapes: (B, 1, 28, 28) -> (B, 10, 24, 24) -> (B, 10, 12, 12) -> (B, 20, 8, 8)
    -> (B, 20, 4, 4) -> (B, 320) -> (B, 128) -> (B, 10).
    """

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, 5)
        self.conv2 = nn.Conv2d(10, 20, 5)
        self.fc1 = nn.Linear(20 * 4 * 4, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (B, 10) for images x (B, 1, 28, 28)."""
        x = F.relu(F.max_pool2d(self.conv1(x), 2))  # (B, 10, 12, 12)
        x = F.relu(F.max_pool2d(self.conv2(x), 2))  # (B, 20, 4, 4)
        x = torch.flatten(x, 1)  # (B, 320)
        return self.fc2(F.relu(self.fc1(x)))  # (B, 10)


class BudgetCNN(nn.Module):
    """Your own CNN for 32x32 colour images, with fewer than 100,000 parameters (Technion HW1 Q3).

    Any architecture within the budget, trained from scratch: no pretrained weights, no
    torchvision.models. Every parameter counts (weights, biases, BatchNorm scales and shifts).
    The check trains BudgetCNN(43) with your train_model (Adam, batches of 32; epochs and lr
    in the spec's [params] budget_cnn) within the check's time limit of 240 s on one CPU core
    (a VGG-like CNN of 79k parameters needed 80 s on a busy machine, the reference much less),
    then scores its accuracy on held-out images, with credit ramping from [params] floor to
    target; a plain LeNet-5 with a 43-way head reaches the target. Or hand in trained weights
    as budget_cnn.pt, saved with torch.save(model.state_dict(), "budget_cnn.pt"): the check
    then scores those weights instead of training (they are loaded with weights_only=True, so
    a pickled model object is refused).

    Args:
        num_classes: the number of classes (43 in the grocery task); forward maps
            (B, 3, 32, 32) float32 in [0, 1] to logits (B, num_classes).
    """

    def __init__(self, num_classes: int) -> None:
        super().__init__()

        def block(c_in: int, c_out: int, stride: int = 1) -> list[nn.Module]:
            """conv 3x3 -> BatchNorm -> ReLU, then a 2x2 max-pool unless the conv strides."""
            layers = [
                nn.Conv2d(c_in, c_out, 3, stride, padding=1, bias=False),  # BatchNorm adds a bias
                nn.BatchNorm2d(c_out),
                nn.ReLU(),
            ]
            return layers if stride > 1 else [*layers, nn.MaxPool2d(2)]

        self.features = nn.Sequential(
            *block(3, 16, stride=2),  # (B, 16, 16, 16): striding spares the costly 32x32 maps
            *block(16, 32),  # (B, 32, 8, 8)
            *block(32, 64),  # (B, 64, 4, 4)
            *block(64, 96),  # (B, 96, 2, 2)
            nn.AdaptiveAvgPool2d(1),  # (B, 96, 1, 1): global average pooling
        )
        self.classifier = nn.Linear(96, num_classes)  # 79,184 + 97 * num_classes in all

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (B, num_classes) for images x (B, 3, 32, 32)."""
        x = self.features(x)  # (B, 96, 1, 1)
        return self.classifier(torch.flatten(x, 1))  # (B, 96) -> (B, num_classes)
