"""Forbidden APIs: caught at run time however they are reached, and only in the checks that forbid them."""

from __future__ import annotations

import pytest

from grader.errors import ForbiddenUse
from grader.remote import SubmissionHandle, SubmissionSession
from grader.supervisor import WorkerConfig, prepare_runtime

STUDENT = """
import importlib
import torch
import torch.nn as nn
from torch.nn.functional import cross_entropy as ce

def with_backward():
    w = torch.ones(3, requires_grad=True)
    (w * 2).sum().backward()
    return w.grad

def with_autograd_grad():
    w = torch.ones(3, requires_grad=True)
    return torch.autograd.grad((w * w).sum(), w)[0]

def with_linear():
    return nn.Linear(3, 2)(torch.ones(1, 3))

def with_getattr():
    return getattr(torch, "nn").functional.relu(torch.ones(2))

def with_importlib():
    optim = importlib.import_module("torch.optim")
    return optim.SGD([torch.ones(1, requires_grad=True)], lr=0.1)

def with_alias():
    return ce(torch.zeros(2, 3), torch.tensor([0, 1]))

def with_linear_function():
    return torch.nn.functional.linear(torch.ones(1, 3), torch.ones(2, 3))

class Net(nn.Module):
    def __init__(self):
        super().__init__()

def with_subclass():
    return Net()

def caught():
    try:
        torch.ones(1, requires_grad=True).sum().backward()
    except Exception:
        pass
    return 1

def by_hand(x):
    return torch.sigmoid(x) * 2
"""

APIS = [
    "torch.Tensor.backward",
    "torch.autograd.grad",
    "torch.autograd.backward",
    "torch.nn",
    "torch.optim",
]


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("forbid")
    (tmp / "student").mkdir()
    (tmp / "student" / "nn_hw.py").write_text(STUDENT)
    config = WorkerConfig(
        workdir=tmp / "student",
        memory_mb=2048,
        output_path=tmp / "out.txt",
        runtime_dir=prepare_runtime(tmp / "runtime"),
        preload=("numpy", "torch"),
    )
    s = SubmissionSession(
        config, ["nn_hw"], import_seconds=60, submission_seconds=300, forbidden=APIS
    )
    yield s
    s.close()


@pytest.mark.parametrize(
    "fn, rule",
    [
        ("with_backward", "torch.Tensor.backward"),
        ("with_autograd_grad", "torch.autograd.grad"),
        ("with_linear", "torch.nn"),
        ("with_getattr", "torch.nn"),
        ("with_importlib", "torch.optim"),
        ("with_alias", "torch.nn"),
        ("with_linear_function", "torch.nn"),
        ("with_subclass", "torch.nn"),
        ("caught", "torch.Tensor.backward"),
    ],
)
def test_forbidden_use_fails_the_check(session: SubmissionSession, fn: str, rule: str) -> None:
    """Is each way of reaching a forbidden API caught, naming the rule?"""
    session.begin_check(60, APIS)
    with pytest.raises(ForbiddenUse, match=f"this part must not use {rule}"):
        getattr(SubmissionHandle(session).nn_hw, fn)()


def test_allowed_in_checks_that_do_not_forbid(session: SubmissionSession) -> None:
    """Outside the forbidding checks, the same code runs normally."""
    session.begin_check(60, [])
    grad = SubmissionHandle(session).nn_hw.with_backward()
    assert grad.tolist() == [2.0, 2.0, 2.0]
    assert SubmissionHandle(session).nn_hw.with_subclass() is not None


def test_plain_tensor_code_is_allowed(session: SubmissionSession) -> None:
    torch = pytest.importorskip("torch")
    session.begin_check(60, APIS)
    out = SubmissionHandle(session).nn_hw.by_hand(torch.zeros(2))
    assert out.tolist() == [1.0, 1.0]
