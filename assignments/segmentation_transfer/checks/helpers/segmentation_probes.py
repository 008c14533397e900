"""Probes of train_segmentation run inside the worker by the hidden checks, sent after
:mod:`helpers.segnet` (whose make_loader and tiny_segnet they use)."""

from __future__ import annotations

import torch
from torch import nn

from helpers.segnet import make_loader, tiny_segnet


def norm_segnet(seed, n_classes, device):
    """tiny_segnet with BatchNorm after each 3x3 convolution: SGD (with or without momentum)
    trains it as readily as Adam at the same learning rate, so the mIoU check does not
    favour one optimiser."""
    torch.manual_seed(seed)

    def block(c_in, c_out, stride=1):
        return [
            nn.Conv2d(c_in, c_out, 3, padding=1, stride=stride, bias=False),
            nn.BatchNorm2d(c_out),
            nn.ReLU(),
        ]

    model = nn.Sequential(
        *block(3, 16),
        *block(16, 32, 2),
        *block(32, 32, 2),
        *block(32, 32),
        nn.Conv2d(32, n_classes, 1),
        nn.Upsample(scale_factor=4, mode="bilinear", align_corners=False),
    )
    return model.to(device)


def parameters_of(model):
    """model's parameters in registration order, detached, as CPU tensors."""
    return [p.detach().cpu().clone() for p in model.parameters()]


class Recorder(nn.Module):
    """Wraps a model and records each forward pass made in train mode with gradients on: the
    input, the logits, whether the trainable parameters held a gradient when its backward
    pass began (it should have been cleared), and their sum (which a step changes)."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.calls = []

    def forward(self, x):
        out = self.model(x)
        if self.training and torch.is_grad_enabled() and isinstance(out, torch.Tensor):
            trainable = [p for p in self.model.parameters() if p.requires_grad]
            call = {
                "input": x.detach().cpu().clone(),
                "logits": out.detach().cpu().clone(),
                "weights": float(sum(p.detach().double().sum() for p in trainable)),
                "stale": None,
            }

            def at_backward(grad, call=call):
                call["stale"] = any(
                    p.grad is not None and bool(p.grad.abs().sum() > 0) for p in trainable
                )
                return grad

            if out.requires_grad:
                out.register_hook(at_backward)
            self.calls.append(call)
        return out


def record_training(train, seed, images, masks, epochs, lr, device):
    """train(model, loader, epochs, lr, device) on tiny_segnet(seed, 4) with its first layer
    frozen, wrapped in a Recorder: (what train returned, the recorded calls, the frozen and
    the trainable parameters before and after)."""
    model = tiny_segnet(seed, 4, device)
    for param in model[0].parameters():
        param.requires_grad = False
    before = parameters_of(model)
    recorder = Recorder(model)
    got = train(recorder, make_loader(images, masks, 8, True, seed), epochs, lr, device)
    after = parameters_of(model)
    flags = [p.requires_grad for p in model.parameters()]
    return {
        "returned": got,
        "calls": recorder.calls,
        "frozen_moved": [
            not torch.equal(a, b) for a, b, f in zip(before, after, flags, strict=False) if not f
        ],
        "trainable_moved": [
            not torch.equal(a, b) for a, b, f in zip(before, after, flags, strict=False) if f
        ],
    }


def predict(model, images, device):
    """The scores for images (N, 3, H, W): eval mode, no gradients, returned on the CPU."""
    model.to(device).eval()
    with torch.no_grad():
        out = model(images.to(device))
    return out.detach().float().cpu() if isinstance(out, torch.Tensor) else out
