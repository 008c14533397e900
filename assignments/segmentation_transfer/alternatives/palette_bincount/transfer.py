"""SmallCNN built as one nn.Sequential in a loop over the channel widths; Adam through
filter(); accuracy returned as a 0-d tensor and compare_models as a list of two."""

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


def finetune_squeezenet(num_classes, weights=None):
    model = torchvision.models.squeezenet1_1()
    if weights is not None:
        model.load_state_dict(torch.load(weights, weights_only=True))
    model.requires_grad_(False)
    model.classifier[1] = nn.Conv2d(512, num_classes, 1)
    model.num_classes = num_classes
    return model


def make_optimizer(model, lr):
    return torch.optim.Adam(filter(lambda p: p.requires_grad, model.parameters()), lr=lr)


class SmallCNN(nn.Module):
    def __init__(self, num_classes):
        super().__init__()
        layers, c_in = [], 3
        for i, c_out in enumerate([16, 32, 64, 128]):
            layers += [
                nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
                nn.BatchNorm2d(c_out),
                nn.ReLU(inplace=True),
            ]
            if i < 3:
                layers.append(nn.MaxPool2d(2))
            c_in = c_out
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, num_classes)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


def train_classifier(model, loader, epochs, lr, device):
    model = model.to(device)
    optimizer = make_optimizer(model, lr)
    history = []
    for _ in range(epochs):
        model.train()
        total = torch.zeros(())
        n = 0
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            total += loss.detach().cpu()
            n += 1
        history.append((total / n).item())
    return history


@torch.no_grad()
def accuracy(model, loader, device):
    model = model.to(device).eval()
    correct = torch.zeros((), dtype=torch.float64)
    count = 0
    for x, y in loader:
        correct += (model(x.to(device)).argmax(-1).cpu() == y).sum()
        count += y.numel()
    return correct / count  # a 0-d float64 tensor


def compare_models(finetuned, scratch, train_loader, val_loader, epochs, lr, device):
    accs = []
    for m in [finetuned, scratch]:
        train_classifier(m, train_loader, epochs, lr, device)
        accs.append(accuracy(m, val_loader, device))
    return accs
