"""FCN-32s with the fully connected part and the scorer in one nn.Sequential ("head"), the
bilinear kernel built with numpy's ogrid as in the original Caffe surgery code, the crop done
with narrow, and training losses kept as tensors and returned as numpy float64 values."""

import numpy as np
import torch
import torch.nn as nn
import torchvision


def vgg16_backbone(weights=None):
    model = torchvision.models.vgg16(weights=None)
    if weights is not None:
        model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    return model


def bilinear_kernel(channels, kernel_size):
    factor = (kernel_size + 1) // 2
    center = factor - 1 if kernel_size % 2 == 1 else factor - 0.5
    og = np.ogrid[:kernel_size, :kernel_size]
    filt = (1 - abs(og[0] - center) / factor) * (1 - abs(og[1] - center) / factor)
    weight = np.zeros((channels, channels, kernel_size, kernel_size), dtype=np.float32)
    weight[range(channels), range(channels), :, :] = filt
    return torch.from_numpy(weight)


class FCN32(nn.Module):
    def __init__(self, n_classes, pretrained_model):
        super().__init__()
        features = pretrained_model.features
        features[0].padding = (100, 100)
        for layer in features:
            if layer.__class__.__name__ == "MaxPool2d":
                layer.ceil_mode = True
        self.backbone = features
        fc6 = nn.Conv2d(512, 4096, kernel_size=7)
        fc7 = nn.Conv2d(4096, 4096, kernel_size=1)
        fc6.load_state_dict(
            {
                "weight": pretrained_model.classifier[0].weight.view(fc6.weight.shape),
                "bias": pretrained_model.classifier[0].bias,
            }
        )
        fc7.load_state_dict(
            {
                "weight": pretrained_model.classifier[3].weight.view(fc7.weight.shape),
                "bias": pretrained_model.classifier[3].bias,
            }
        )
        self.head = nn.Sequential(
            fc6,
            nn.ReLU(inplace=True),
            nn.Dropout(),
            fc7,
            nn.ReLU(inplace=True),
            nn.Dropout(),
            nn.Conv2d(4096, n_classes, kernel_size=1),
        )
        self.upsample = nn.ConvTranspose2d(n_classes, n_classes, 64, 32, bias=False)
        with torch.no_grad():
            self.upsample.weight.copy_(bilinear_kernel(n_classes, 64))

    def forward(self, x):
        h, w = x.shape[-2:]
        y = self.upsample(self.head(self.backbone(x)))
        return y.narrow(2, 19, h).narrow(3, 19, w)


def train_segmentation(model, loader, epochs, lr, device):
    model.to(device).train()
    optimizer = torch.optim.Adam(filter(lambda p: p.requires_grad, model.parameters()), lr=lr)
    criterion = nn.CrossEntropyLoss(ignore_index=255)
    per_epoch = []
    for _ in range(epochs):
        batch_losses = []
        for images, masks in loader:
            images, masks = images.to(device), masks.to(device)
            optimizer.zero_grad()
            loss = criterion(model(images), masks)
            loss.backward()
            optimizer.step()
            batch_losses.append(loss.detach())
        per_epoch.append(np.float64(torch.stack(batch_losses).mean().item()))
    return per_epoch
