"""Explicit layers with other attribute names and a functional forward (F.relu, F.max_pool2d,
x.reshape); BudgetCNN is a VGG-like stack of conv-BatchNorm blocks with global average pooling."""

import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()  # noqa: UP008 - as students write it
        self.c1 = nn.Conv2d(3, 6, 5)
        self.c2 = nn.Conv2d(6, 16, 5)
        self.l1 = nn.Linear(16 * 5 * 5, 120)
        self.l2 = nn.Linear(120, 84)
        self.out = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        x = x.reshape(-1, 16 * 5 * 5)
        x = F.relu(self.l1(x))
        x = F.relu(self.l2(x))
        return self.out(x)


class Model(nn.Module):
    def __init__(self, num_classes=10):
        super(Model, self).__init__()  # noqa: UP008 - as students write it
        self.conv_a = nn.Conv2d(1, 16, kernel_size=3, stride=1, padding=1)
        self.bn_a = nn.BatchNorm2d(16)
        self.conv_b = nn.Conv2d(16, 32, kernel_size=3, stride=1, padding=1)
        self.bn_b = nn.BatchNorm2d(32)
        self.conv_c = nn.Conv2d(32, 64, kernel_size=5, stride=1, padding=2)
        self.bn_c = nn.BatchNorm2d(64)
        self.head = nn.Linear(64 * 3 * 3, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn_a(self.conv_a(x))), 2)
        x = F.max_pool2d(F.relu(self.bn_b(self.conv_b(x))), 2)
        x = F.max_pool2d(F.relu(self.bn_c(self.conv_c(x))), 2)
        return self.head(x.reshape(x.shape[0], -1))


class MNISTClassifierMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(28 * 28, 128)
        self.output = nn.Linear(128, 10)

    def forward(self, x):
        x = x.reshape(x.shape[0], 28 * 28)
        return self.output(torch.relu(self.hidden(x)))


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = nn.Conv2d(1, 10, kernel_size=5)
        self.second = nn.Conv2d(10, 20, kernel_size=5)
        self.dense = nn.Linear(320, 128)
        self.logits = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.first(x), 2))
        x = F.relu(F.max_pool2d(self.second(x), 2))
        x = x.reshape(-1, 320)
        return self.logits(F.relu(self.dense(x)))


class BudgetCNN(nn.Module):
    # conv-BN-ReLU-pool x3 (32, 64, 96 channels), then global average pooling and one fc layer:
    # 79,147 parameters for 43 classes
    def __init__(self, num_classes):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(64)
        self.conv3 = nn.Conv2d(64, 96, 3, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(96)
        self.fc = nn.Linear(96, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)  # 16x16
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)  # 8x8
        x = F.max_pool2d(F.relu(self.bn3(self.conv3(x))), 2)  # 4x4
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)
