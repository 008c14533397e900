"""Accumulate-then-average: every loss is a batch mean times the batch size, summed and divided
at the end; zero_grad(set_to_none=True) after each step; evaluation under torch.inference_mode."""

import torch
import torch.nn.functional as F


def train_one_epoch(train_loader, model, device, optimizer, log_interval, epoch):
    model.train()
    optimizer.zero_grad(set_to_none=True)
    seen = (epoch - 1) * len(train_loader.dataset)
    logged_losses, logged_seen, correct = [], [], 0
    for i, (x, y) in enumerate(train_loader):
        x, y = x.to(device), y.to(device)
        scores = model(x)
        loss = F.nll_loss(scores, y)  # the models end in log_softmax
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        correct += (scores.argmax(dim=1) == y).sum().item()
        if i % log_interval == 0:
            logged_losses.append(loss.item())
            logged_seen.append(seen)
        seen += x.shape[0]
    return logged_losses, logged_seen, correct


def test_one_epoch(test_loader, model, device):
    model.eval()
    loss_sum, correct, n = 0.0, 0, 0
    with torch.inference_mode():
        for x, y in test_loader:
            x, y = x.to(device), y.to(device)
            scores = model(x)
            loss_sum += F.nll_loss(scores, y).item() * x.shape[0]
            correct += (scores.argmax(dim=1) == y).sum().item()
            n += x.shape[0]
    return loss_sum / n, correct


def train_model(model, train_loader, valid_loader, epochs, lr, device):
    model.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.999))
    history = {"train": [], "valid": []}
    for epoch in range(1, epochs + 1):
        batch_losses, _, _ = train_one_epoch(train_loader, model, device, opt, 1, epoch)
        total = 0.0
        for value in batch_losses:
            total += value
        history["train"].append(total / len(batch_losses))
        history["valid"].append(test_one_epoch(valid_loader, model, device)[0])
    return history["train"], history["valid"]
