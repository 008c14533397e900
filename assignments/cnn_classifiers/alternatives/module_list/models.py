"""Layers kept in nn.ModuleList / OrderedDict containers, flatten with nn.Flatten, F.log_softmax
in forward; BudgetCNN uses BatchNorm, dropout and a two-layer head after global average pooling."""

from collections import OrderedDict

import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv2d(3, 6, 5), nn.Conv2d(6, 16, 5)])
        self.fcs = nn.ModuleList([nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)])
        self.flatten = nn.Flatten()

    def forward(self, x):
        for conv in self.convs:
            x = F.max_pool2d(F.relu(conv(x)), 2)
        x = self.flatten(x)
        for fc in self.fcs[:-1]:
            x = F.relu(fc(x))
        return F.log_softmax(self.fcs[-1](x), dim=1)


def _block(c_in, c_out, k):
    return nn.Sequential(
        OrderedDict(
            conv=nn.Conv2d(c_in, c_out, k, padding=k // 2),
            bn=nn.BatchNorm2d(c_out),
            relu=nn.ReLU(inplace=True),
            pool=nn.MaxPool2d(2),
        )
    )


class Model(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.blocks = nn.ModuleList([_block(1, 16, 3), _block(16, 32, 3), _block(32, 64, 5)])
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(64 * 9, num_classes))

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return F.log_softmax(self.classifier(x), dim=1)


class MNISTClassifierMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(
            OrderedDict(flat=nn.Flatten(), fc1=nn.Linear(784, 128), act=nn.ReLU(), fc2=nn.Linear(128, 10))
        )

    def forward(self, x):
        return F.log_softmax(self.layers(x), dim=1)


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.ModuleList([nn.Conv2d(1, 10, 5), nn.Conv2d(10, 20, 5)])
        self.fc1 = nn.Linear(320, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        for conv in self.features:
            x = F.relu(F.max_pool2d(conv(x), 2))
        x = nn.Flatten()(x)
        return F.log_softmax(self.fc2(F.relu(self.fc1(x))), dim=1)


class BudgetCNN(nn.Module):
    # BatchNorm blocks of 24, 48, 96 channels, global average pooling, dropout, 96 -> 64 -> classes:
    # 61,995 parameters for 43 classes
    def __init__(self, num_classes):
        super().__init__()
        self.blocks = nn.ModuleList([_block(3, 24, 3), _block(24, 48, 3), _block(48, 96, 3)])
        self.head = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Dropout(0.2),
            nn.Linear(96, 64),
            nn.ReLU(),
            nn.Linear(64, num_classes),
        )

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return F.log_softmax(self.head(x), dim=1)
