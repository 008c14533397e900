"""A running mean of the epoch's loss in train_model; test_one_epoch concatenates every output and
takes one cross_entropy over all examples; model.train() inside the batch loop."""

import torch
import torch.nn.functional as F


def train_one_epoch(train_loader, model, device, optimizer, log_interval, epoch):
    losses = []
    counter = []
    num_correct = 0
    for i, batch in enumerate(train_loader):
        model.train()
        images, labels = batch
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        logits = model(images)
        loss = F.cross_entropy(logits, labels, reduction="mean")
        loss.backward()
        optimizer.step()
        num_correct += int(logits.argmax(-1).eq(labels).sum())
        if i % log_interval == 0:
            losses.append(float(loss))
            counter.append((epoch - 1) * len(train_loader.dataset) + i * train_loader.batch_size)
    return losses, counter, num_correct


def test_one_epoch(test_loader, model, device):
    model.eval()
    outputs, targets = [], []
    with torch.no_grad():
        for images, labels in test_loader:
            outputs.append(model(images.to(device)))
            targets.append(labels.to(device))
    logits, labels = torch.cat(outputs), torch.cat(targets)
    avg_loss = F.cross_entropy(logits, labels).item()
    num_correct = (logits.argmax(-1) == labels).sum().item()
    return avg_loss, num_correct


def train_model(model, train_loader, valid_loader, epochs, lr, device):
    model = model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    train_losses, valid_losses = [], []
    for epoch in range(1, epochs + 1):
        batch_losses, _, _ = train_one_epoch(train_loader, model, device, optimizer, 1, epoch)
        running = 0.0
        for k, value in enumerate(batch_losses, start=1):
            running += (value - running) / k
        train_losses.append(running)
        valid_loss, _ = test_one_epoch(valid_loader, model, device)
        valid_losses.append(valid_loss)
    return train_losses, valid_losses
