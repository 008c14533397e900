"""make_optimizer gives SGD with momentum and weight decay (the CMU tutorial's recipe), the
head is frozen-then-replaced with requires_grad_ on the module, and SmallCNN is a
Sequential of Sequentials."""

import torch
import torchvision
from torch import nn


def finetune_squeezenet(num_classes, weights=None):
    model = torchvision.models.squeezenet1_1(weights=None)
    if weights is not None:
        model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    model.requires_grad_(False)
    model.classifier[1] = nn.Conv2d(512, num_classes, kernel_size=1).requires_grad_(True)
    model.num_classes = num_classes
    return model


def make_optimizer(model, lr):
    params = [p for p in model.parameters() if p.requires_grad]
    return torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=5e-4)


def _block(c_in, c_out, pool):
    layers = [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]
    if pool:
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers)


class SmallCNN(nn.Module):
    def __init__(self, num_classes):
        super().__init__()
        self.body = nn.Sequential(
            _block(3, 16, True), _block(16, 32, True), _block(32, 64, True), _block(64, 128, False)
        )
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(128, num_classes)

    def forward(self, x):
        return self.head(self.pool(self.body(x)).flatten(start_dim=1))


def train_classifier(model, loader, epochs, lr, device):
    model.to(device)
    optimizer = make_optimizer(model, lr)
    criterion = nn.CrossEntropyLoss()
    means = []
    for _ in range(epochs):
        model.train()
        sum_loss, batches = 0.0, 0
        for images, labels in loader:
            optimizer.zero_grad()
            loss = criterion(model(images.to(device)), labels.to(device))
            loss.backward()
            optimizer.step()
            sum_loss += loss.item()
            batches += 1
        means.append(sum_loss / batches)
    return means


def accuracy(model, loader, device):
    model = model.to(device)
    model.eval()
    correct = total = 0
    with torch.inference_mode():
        for images, labels in loader:
            guess = model(images.to(device)).max(dim=1).indices.cpu()
            correct += int(torch.sum(guess == labels))
            total += int(labels.numel())
    return float(correct) / float(total)


def compare_models(finetuned, scratch, train_loader, val_loader, epochs, lr, device):
    accs = {}
    for name, model in (("finetuned", finetuned), ("scratch", scratch)):
        train_classifier(model, train_loader, epochs, lr, device)
        accs[name] = accuracy(model, val_loader, device)
    return accs["finetuned"], accs["scratch"]
