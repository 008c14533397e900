"""An nn.CrossEntropyLoss criterion object; test_one_epoch returns avg_loss as a 0-d tensor and
counts with tensors; the counter comes from batch_idx * batch_size."""

import torch
from torch import nn

criterion = nn.CrossEntropyLoss()


def train_one_epoch(train_loader, model, device, optimizer, log_interval, epoch):
    model.train()
    losses, counter = [], []
    num_correct = torch.tensor(0)
    start = (epoch - 1) * len(train_loader.dataset)
    for batch_idx, (images, labels) in enumerate(train_loader):
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        logits = model(images)
        loss = criterion(logits, labels)
        loss.backward()
        optimizer.step()
        num_correct += (logits.argmax(1) == labels).sum().cpu()
        if batch_idx % log_interval == 0:
            losses.append(loss.item())
            counter.append(start + batch_idx * train_loader.batch_size)
    return losses, counter, int(num_correct)


def test_one_epoch(test_loader, model, device):
    model.eval()
    total = torch.zeros(())
    num_correct = 0
    sum_criterion = nn.CrossEntropyLoss(reduction="sum")
    with torch.no_grad():
        for images, labels in test_loader:
            images, labels = images.to(device), labels.to(device)
            logits = model(images)
            total += sum_criterion(logits, labels).cpu()
            num_correct += int((logits.argmax(1) == labels).sum())
    return total / len(test_loader.dataset), num_correct


def train_model(model, train_loader, valid_loader, epochs, lr, device):
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    train_losses = []
    valid_losses = []
    for epoch in range(epochs):
        losses, _, _ = train_one_epoch(train_loader, model, device, optimizer, 1, epoch + 1)
        train_losses.append(sum(losses) / len(losses))
        valid_losses.append(float(test_one_epoch(valid_loader, model, device)[0]))
    return train_losses, valid_losses
