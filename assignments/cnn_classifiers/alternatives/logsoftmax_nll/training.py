"""DS 5220 PS4 style: nll_loss on the models' log-probabilities, pred.eq(target.view_as(pred))
counting, and train_model returning np.mean of each epoch's losses (numpy floats)."""

import numpy as np
import torch
import torch.nn.functional as F


def train_one_epoch(train_loader, model, device, optimizer, log_interval, epoch):
    model.train()
    train_losses = []
    train_counter = []
    correct = 0
    for batch_idx, (data, target) in enumerate(train_loader):
        data = data.to(device)
        target = target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        pred = output.argmax(dim=1, keepdim=True)
        correct += pred.eq(target.view_as(pred)).sum().item()
        if batch_idx % log_interval == 0:
            train_losses.append(loss.item())
            train_counter.append(
                batch_idx * train_loader.batch_size + (epoch - 1) * len(train_loader.dataset)
            )
    return train_losses, train_counter, correct


def test_one_epoch(test_loader, model, device):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    test_loss /= len(test_loader.dataset)
    return test_loss, correct


def train_model(model, train_loader, valid_loader, epochs, lr, device):
    model = model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    train_losses, valid_losses = [], []
    for epoch in range(1, epochs + 1):
        losses, _, _ = train_one_epoch(train_loader, model, device, optimizer, 1, epoch)
        train_losses.append(np.mean(losses))
        valid_loss, _ = test_one_epoch(valid_loader, model, device)
        valid_losses.append(valid_loss)
    return train_losses, valid_losses
