"""FCN-32s whose forward is written with torch.nn.functional calls on the layers' weights;
fc6/fc7 copied with reshape under torch.no_grad; training with AdamW (weight decay 1e-4)."""

import torch
import torch.nn.functional as F
import torchvision
from torch import nn


def vgg16_backbone(weights=None):
    net = torchvision.models.vgg16(weights=None)
    if weights is not None:
        net.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    return net


def bilinear_kernel(channels, kernel_size):
    factor = (kernel_size + 1) // 2
    centre = factor - 1 if kernel_size % 2 else factor - 0.5
    pos = torch.arange(kernel_size).float()
    one_d = (1 - torch.abs(pos - centre) / factor).clamp(min=0)
    two_d = one_d.unsqueeze(1) * one_d.unsqueeze(0)
    weight = torch.zeros(channels, channels, kernel_size, kernel_size)
    for c in range(channels):
        weight[c, c] = two_d
    return weight


class FCN32(nn.Module):
    def __init__(self, n_classes, pretrained_model):
        super().__init__()
        self.features = pretrained_model.features
        conv1 = self.features[0]
        conv1.padding = (100, 100)
        for layer in self.features:
            if type(layer) is nn.MaxPool2d:
                layer.ceil_mode = True
        self.fc6 = nn.Conv2d(512, 4096, 7)
        self.fc7 = nn.Conv2d(4096, 4096, 1)
        with torch.no_grad():
            self.fc6.weight.copy_(pretrained_model.classifier[0].weight.reshape(4096, 512, 7, 7))
            self.fc6.bias.copy_(pretrained_model.classifier[0].bias)
            self.fc7.weight.copy_(pretrained_model.classifier[3].weight.reshape(4096, 4096, 1, 1))
            self.fc7.bias.copy_(pretrained_model.classifier[3].bias)
        self.score_fr = nn.Conv2d(4096, n_classes, 1)
        self.upscore = nn.ConvTranspose2d(n_classes, n_classes, 64, stride=32, bias=False)
        with torch.no_grad():
            self.upscore.weight.copy_(bilinear_kernel(n_classes, 64))

    def forward(self, x):
        rows, cols = x.size(-2), x.size(-1)
        h = self.features(x)
        h = F.dropout(F.relu(F.conv2d(h, self.fc6.weight, self.fc6.bias)), training=self.training)
        h = F.dropout(F.relu(F.conv2d(h, self.fc7.weight, self.fc7.bias)), training=self.training)
        h = F.conv2d(h, self.score_fr.weight, self.score_fr.bias)
        h = F.conv_transpose2d(h, self.upscore.weight, stride=32)
        return h[..., 19 : 19 + rows, 19 : 19 + cols]


def train_segmentation(model, loader, epochs, lr, device):
    model.to(device)
    model.train()
    opt = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=1e-4
    )
    epoch_losses = []
    for _ in range(epochs):
        total, count = 0.0, 0
        for batch in loader:
            images, masks = (t.to(device) for t in batch)
            logits = model(images)
            loss = F.cross_entropy(logits, masks, ignore_index=255)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
            count += 1
        epoch_losses.append(total / count)
    return epoch_losses
