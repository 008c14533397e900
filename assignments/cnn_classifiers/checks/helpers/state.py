"""What a model holds, read inside the worker (``in_worker``): its parameters and buffers."""

from __future__ import annotations


def parameters_of(model):
    """model's parameters in registration order, detached, as CPU tensors."""
    return [p.detach().cpu().clone() for p in model.parameters()]


def buffers_of(model):
    """model's floating-point buffers (BatchNorm's running mean and variance) as CPU tensors."""
    return [b.detach().cpu().clone() for b in model.buffers() if b.is_floating_point()]
