"""torchvision-like features / classifier split with torch.flatten and nn.ReLU modules; BudgetCNN
uses depthwise-separable convolutions (MobileNet style) to spend its budget on width."""

import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2)
        )
        self.classifier = nn.Sequential(
            nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10)
        )

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), start_dim=1))


class Model(nn.Module):
    def __init__(self, num_classes: int = 10):
        super().__init__()
        layers = []
        for c_in, c_out, k in [(1, 16, 3), (16, 32, 3), (32, 64, 5)]:
            layers += [nn.Conv2d(c_in, c_out, k, padding="same"), nn.BatchNorm2d(c_out), nn.ReLU(), nn.MaxPool2d(2)]
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(576, num_classes)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class MNISTClassifierMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x.view(len(x), -1))))


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 10, 5), nn.MaxPool2d(2), nn.ReLU(), nn.Conv2d(10, 20, 5), nn.MaxPool2d(2), nn.ReLU()
        )
        self.classifier = nn.Sequential(nn.Linear(320, 128), nn.ReLU(), nn.Linear(128, 10))

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


def separable(c_in, c_out):
    """depthwise 3x3 then pointwise 1x1, BatchNorm and ReLU after each."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_in, 3, padding=1, groups=c_in, bias=False),
        nn.BatchNorm2d(c_in),
        nn.ReLU(),
        nn.Conv2d(c_in, c_out, 1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(),
    )


class BudgetCNN(nn.Module):
    # a full 3x3 stem, then separable blocks of 64, 128, 256 channels: 58,347 parameters for 43 classes
    def __init__(self, num_classes: int):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            separable(32, 64), nn.MaxPool2d(2),
            separable(64, 128), nn.MaxPool2d(2),
            separable(128, 256), nn.AdaptiveAvgPool2d(1),
        )
        self.classifier = nn.Linear(256, num_classes)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))
