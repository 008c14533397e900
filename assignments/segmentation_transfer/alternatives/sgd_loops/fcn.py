"""FCN-32s written with explicit loops and SGD with momentum (0.9) instead of Adam; the
bilinear kernel is filled element by element and the layers are kept in one nn.Sequential."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


def vgg16_backbone(weights=None):
    model = torchvision.models.vgg16(weights=None)
    if weights is not None:
        model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    return model


def bilinear_kernel(channels, kernel_size):
    f = math.ceil(kernel_size / 2)
    if kernel_size % 2 == 1:
        c = f - 1
    else:
        c = f - 0.5
    w = torch.zeros(channels, channels, kernel_size, kernel_size)
    for i in range(kernel_size):
        for j in range(kernel_size):
            value = (1 - abs(i - c) / f) * (1 - abs(j - c) / f)
            for ch in range(channels):
                w[ch, ch, i, j] = value
    return w


class FCN32(nn.Module):
    def __init__(self, n_classes, pretrained_model):
        super().__init__()
        self.features = pretrained_model.features
        self.features[0].padding = (100, 100)
        for m in self.features.modules():
            if isinstance(m, nn.MaxPool2d):
                m.ceil_mode = True

        fc6 = nn.Conv2d(512, 4096, 7)
        fc7 = nn.Conv2d(4096, 4096, 1)
        old6 = pretrained_model.classifier[0]
        old7 = pretrained_model.classifier[3]
        fc6.weight.data = old6.weight.data.reshape(4096, 512, 7, 7).clone()
        fc6.bias.data = old6.bias.data.clone()
        fc7.weight.data = old7.weight.data.reshape(4096, 4096, 1, 1).clone()
        fc7.bias.data = old7.bias.data.clone()
        # everything after the backbone in one block
        self.head = nn.Sequential(
            fc6,
            nn.ReLU(inplace=True),
            nn.Dropout2d(),
            fc7,
            nn.ReLU(inplace=True),
            nn.Dropout2d(),
            nn.Conv2d(4096, n_classes, 1),
        )
        self.up = nn.ConvTranspose2d(n_classes, n_classes, 64, stride=32, bias=False)
        self.up.weight.data.copy_(bilinear_kernel(n_classes, 64))

    def forward(self, x):
        h, w = x.size(2), x.size(3)
        y = self.up(self.head(self.features(x)))
        return y[:, :, 19 : 19 + h, 19 : 19 + w]


def train_segmentation(model, loader, epochs, lr, device):
    model = model.to(device)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=lr, momentum=0.9)
    history = []
    for epoch in range(epochs):  # noqa: B007 - as students write it
        running = []
        for x, y in loader:
            x = x.to(device)
            y = y.to(device)
            opt.zero_grad()
            out = model(x)
            loss = F.cross_entropy(out, y, ignore_index=255)
            loss.backward()
            opt.step()
            running.append(loss.item())
        history.append(sum(running) / len(running))
    return history
