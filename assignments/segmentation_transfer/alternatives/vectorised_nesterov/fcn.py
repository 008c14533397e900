"""FCN-32s with the handout's attribute names but a functional forward (F.relu, F.dropout);
the bilinear kernel is an outer product of torch 1-D filters; training uses SGD with Nesterov
momentum."""

import math

import torch
import torch.nn.functional as F
import torchvision
from torch import nn


def vgg16_backbone(weights=None):
    model = torchvision.models.vgg16(weights=None)
    if weights is not None:
        model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    return model


def bilinear_kernel(channels, kernel_size):
    f = math.ceil(kernel_size / 2)
    c = f - 1 if kernel_size % 2 == 1 else f - 0.5
    taps = 1 - (torch.arange(kernel_size, dtype=torch.float32) - c).abs() / f
    kernel = torch.outer(taps, taps)
    eye = torch.eye(channels)[:, :, None, None]  # (C, C, 1, 1)
    return (eye * kernel).float()


class FCN32(nn.Module):
    def __init__(self, n_classes, pretrained_model):
        super().__init__()
        self.features = pretrained_model.features
        self.features[0].padding = (100, 100)
        for m in self.features:
            if isinstance(m, nn.MaxPool2d):
                m.ceil_mode = True
        self.fc6 = nn.Conv2d(512, 4096, 7)
        self.fc7 = nn.Conv2d(4096, 4096, 1)
        self.fc6.weight.data.copy_(pretrained_model.classifier[0].weight.data.view(4096, 512, 7, 7))
        self.fc6.bias.data.copy_(pretrained_model.classifier[0].bias.data)
        self.fc7.weight.data.copy_(
            pretrained_model.classifier[3].weight.data.view(4096, 4096, 1, 1)
        )
        self.fc7.bias.data.copy_(pretrained_model.classifier[3].bias.data)
        self.score_fr = nn.Conv2d(4096, n_classes, 1)
        self.upscore = nn.ConvTranspose2d(
            n_classes, n_classes, kernel_size=64, stride=32, bias=False
        )
        self.upscore.weight.data = bilinear_kernel(n_classes, 64)

    def forward(self, x):
        H, W = x.shape[2:]
        h = self.features(x)
        h = F.dropout(F.relu(self.fc6(h)), 0.5, self.training)
        h = F.dropout(F.relu(self.fc7(h)), 0.5, self.training)
        h = self.upscore(self.score_fr(h))
        return h[:, :, 19 : 19 + H, 19 : 19 + W]


def train_segmentation(model, loader, epochs, lr, device):
    model = model.to(device)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(params, lr=lr, momentum=0.9, nesterov=True)
    out = []
    for epoch in range(epochs):  # noqa: B007 - as students write it
        losses = []
        for images, masks in loader:
            optimizer.zero_grad(set_to_none=True)
            logits = model(images.to(device))
            loss = F.cross_entropy(logits, masks.to(device), ignore_index=255)
            loss.backward()
            optimizer.step()
            losses.append(float(loss))
        out.append(sum(losses) / len(losses))
    return out
