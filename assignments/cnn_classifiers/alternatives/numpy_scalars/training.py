"""Numbers come back as numpy scalars (np.float32 losses, np.int64 counts); model.zero_grad()
after each step instead of optimizer.zero_grad() before it."""

import numpy as np
import torch
from torch import nn


def train_one_epoch(train_loader, model, device, optimizer, log_interval, epoch):
    model.train()
    loss_fn = nn.CrossEntropyLoss()
    losses, counter = [], []
    correct = np.int64(0)
    n_before = (epoch - 1) * len(train_loader.dataset)
    for i, (images, labels) in enumerate(train_loader):
        images = images.to(device)
        labels = labels.to(device)
        out = model(images)
        loss = loss_fn(out, labels)
        loss.backward()
        optimizer.step()
        model.zero_grad()
        predicted = out.detach().cpu().numpy().argmax(axis=1)
        correct += np.sum(predicted == labels.cpu().numpy())
        if i % log_interval == 0:
            losses.append(loss.detach().cpu().numpy()[()])
            counter.append(n_before)
        n_before += len(images)
    return losses, counter, correct


def test_one_epoch(test_loader, model, device):
    model.eval()
    loss_fn = nn.CrossEntropyLoss(reduction="none")
    per_example, correct = [], np.int64(0)
    with torch.no_grad():
        for images, labels in test_loader:
            out = model(images.to(device))
            per_example.append(loss_fn(out, labels.to(device)).cpu().numpy())
            correct += np.sum(out.cpu().numpy().argmax(axis=1) == labels.numpy())
    return np.concatenate(per_example).mean(dtype=np.float64), correct


def train_model(model, train_loader, valid_loader, epochs, lr, device):
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr)
    train_losses, valid_losses = [], []
    for epoch in range(1, epochs + 1):
        losses, _, _ = train_one_epoch(train_loader, model, device, optimizer, 1, epoch)
        train_losses.append(np.mean(np.array(losses, dtype=np.float64)))
        valid_losses.append(test_one_epoch(valid_loader, model, device)[0])
    return train_losses, valid_losses
