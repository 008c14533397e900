"""Transfer learning with SGD with momentum (0.9) in make_optimizer instead of Adam; SmallCNN
written layer by layer with explicit attributes; loops count accuracy example by example."""

import torch
import torch.nn as nn
import torchvision


def finetune_squeezenet(num_classes, weights=None):
    net = torchvision.models.squeezenet1_1(weights=None)
    if weights:
        state = torch.load(weights, weights_only=True)
        net.load_state_dict(state)
    for name, p in net.named_parameters():  # noqa: B007 - as students write it
        p.requires_grad = False
    net.classifier[1] = nn.Conv2d(512, num_classes, kernel_size=(1, 1), stride=(1, 1))
    net.num_classes = num_classes
    return net


def make_optimizer(model, lr):
    trainable = []
    for p in model.parameters():
        if p.requires_grad:
            trainable.append(p)
    return torch.optim.SGD(trainable, lr=lr, momentum=0.9)


class SmallCNN(nn.Module):
    def __init__(self, num_classes):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(32)
        self.conv3 = nn.Conv2d(32, 64, 3, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(64)
        self.conv4 = nn.Conv2d(64, 128, 3, padding=1, bias=False)
        self.bn4 = nn.BatchNorm2d(128)
        self.pool = nn.MaxPool2d(2, 2)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(128, num_classes)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = self.pool(self.relu(self.bn1(self.conv1(x))))
        x = self.pool(self.relu(self.bn2(self.conv2(x))))
        x = self.pool(self.relu(self.bn3(self.conv3(x))))
        x = self.relu(self.bn4(self.conv4(x)))
        x = self.gap(x)
        x = x.view(x.size(0), -1)
        return self.fc(x)


def train_classifier(model, loader, epochs, lr, device):
    model.to(device)
    opt = make_optimizer(model, lr)
    loss_fn = nn.CrossEntropyLoss()
    epoch_losses = []
    for ep in range(epochs):  # noqa: B007 - as students write it
        model.train()
        losses = []
        for images, labels in loader:
            images = images.to(device)
            labels = labels.to(device)
            opt.zero_grad()
            loss = loss_fn(model(images), labels)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        epoch_losses.append(sum(losses) / len(losses))
    return epoch_losses


def accuracy(model, loader, device):
    model.to(device)
    model.eval()
    right = 0
    seen = 0
    with torch.no_grad():
        for images, labels in loader:
            preds = model(images.to(device)).argmax(1).cpu()
            for p, y in zip(preds.tolist(), labels.tolist()):  # noqa: B905 - as students write it
                if p == y:
                    right += 1
                seen += 1
    return right / seen


def compare_models(finetuned, scratch, train_loader, val_loader, epochs, lr, device):
    train_classifier(finetuned, train_loader, epochs, lr, device)
    acc_ft = accuracy(finetuned, val_loader, device)
    train_classifier(scratch, train_loader, epochs, lr, device)
    acc_scratch = accuracy(scratch, val_loader, device)
    return acc_ft, acc_scratch
