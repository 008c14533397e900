"""FCN-32s that wraps the backbone's modules in a new nn.Sequential (the same module
objects), makes fc6/fc7 Parameters from views of the classifier's weights, and trains with
Adam (amsgrad)."""

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
    f = (kernel_size + 1) // 2
    c = f - 1 if kernel_size % 2 == 1 else f - 0.5
    r = torch.arange(kernel_size, dtype=torch.float32)
    filt = (1 - (r[:, None] - c).abs() / f) * (1 - (r[None, :] - c).abs() / f)
    w = torch.zeros(channels, channels, kernel_size, kernel_size)
    idx = torch.arange(channels)
    w[idx, idx] = filt
    return w


class FCN32(nn.Module):
    def __init__(self, n_classes, pretrained_model):
        super().__init__()
        layers = list(pretrained_model.features)
        layers[0].padding = (100, 100)
        for layer in layers:
            if isinstance(layer, nn.MaxPool2d):
                layer.ceil_mode = True
        self.features = nn.Sequential(*layers)
        fc6, fc7 = pretrained_model.classifier[0], pretrained_model.classifier[3]
        self.fc6 = nn.Conv2d(512, 4096, 7)
        self.fc6.weight = nn.Parameter(fc6.weight.detach().view(4096, 512, 7, 7).clone())
        self.fc6.bias = nn.Parameter(fc6.bias.detach().clone())
        self.fc7 = nn.Conv2d(4096, 4096, 1)
        self.fc7.weight = nn.Parameter(fc7.weight.detach().view(4096, 4096, 1, 1).clone())
        self.fc7.bias = nn.Parameter(fc7.bias.detach().clone())
        self.drop = nn.Dropout(p=0.5)
        self.score_fr = nn.Conv2d(4096, n_classes, 1)
        self.upscore = nn.ConvTranspose2d(n_classes, n_classes, 64, 32, bias=False)
        self.upscore.weight = nn.Parameter(bilinear_kernel(n_classes, 64))

    def forward(self, x):
        size = x.shape[-2:]
        x = self.features(x)
        x = self.drop(torch.relu(self.fc6(x)))
        x = self.drop(torch.relu(self.fc7(x)))
        x = self.upscore(self.score_fr(x))
        return x[:, :, 19:, 19:][:, :, : size[0], : size[1]]


def train_segmentation(model, loader, epochs, lr, device):
    model.to(device)
    model.train()
    optim = torch.optim.Adam(
        [p for p in model.parameters() if p.requires_grad], lr=lr, amsgrad=True
    )
    history = []
    for epoch in range(epochs):  # noqa: B007 - as students write it
        epoch_loss = 0.0
        for step, (x, y) in enumerate(loader, start=1):  # noqa: B007 - step is read after the loop
            x, y = x.to(device), y.to(device)
            optim.zero_grad()
            loss = F.cross_entropy(model(x), y, ignore_index=255)
            loss.backward()
            optim.step()
            epoch_loss += loss.item()
        history.append(epoch_loss / step)
    return history
