"""SmallCNN with a functional forward (F.relu, F.max_pool2d, F.adaptive_avg_pool2d) and
separately named layers; AdamW in make_optimizer."""

import torch
import torch.nn.functional as F
import torchvision
from torch import nn


def finetune_squeezenet(num_classes, weights=None):
    sq = torchvision.models.squeezenet1_1(weights=None)
    if weights is not None:
        sq.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    for param in sq.parameters():
        param.requires_grad_(False)
    head = nn.Conv2d(512, num_classes, 1)
    sq.classifier = nn.Sequential(sq.classifier[0], head, sq.classifier[2], sq.classifier[3])
    sq.num_classes = num_classes
    return sq


def make_optimizer(model, lr):
    return torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=1e-4
    )


class SmallCNN(nn.Module):
    def __init__(self, num_classes):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16)
        self.c2, self.b2 = nn.Conv2d(16, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32)
        self.c3, self.b3 = nn.Conv2d(32, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64)
        self.c4, self.b4 = nn.Conv2d(64, 128, 3, 1, 1, bias=False), nn.BatchNorm2d(128)
        self.out = nn.Linear(128, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.b1(self.c1(x))), 2)
        x = F.max_pool2d(F.relu(self.b2(self.c2(x))), 2)
        x = F.max_pool2d(F.relu(self.b3(self.c3(x))), 2)
        x = F.relu(self.b4(self.c4(x)))
        return self.out(F.adaptive_avg_pool2d(x, 1).view(len(x), -1))


def train_classifier(model, loader, epochs, lr, device):
    model.to(device)
    optimizer = make_optimizer(model, lr)
    losses = []
    for _ in range(epochs):
        model.train()
        batch = []
        for images, labels in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(images.to(device)), labels.to(device))
            loss.backward()
            optimizer.step()
            batch.append(loss.item())
        losses.append(float(sum(batch) / len(batch)))
    return losses


def accuracy(model, loader, device):
    model.to(device)
    was = model.training
    model.eval()
    hits = total = 0
    with torch.no_grad():
        for images, labels in loader:
            hits += (model(images.to(device)).argmax(1).cpu() == labels).sum().item()
            total += labels.shape[0]
    model.train(was)
    model.eval()
    return hits / total


def compare_models(finetuned, scratch, train_loader, val_loader, epochs, lr, device):
    train_classifier(finetuned, train_loader, epochs, lr, device)
    train_classifier(scratch, train_loader, epochs, lr, device)
    return accuracy(finetuned, val_loader, device), accuracy(scratch, val_loader, device)
