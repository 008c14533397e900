"""Forbidden APIs: caught at run time however they are reached, and only in the checks that forbid them."""

from __future__ import annotations

import inspect

import pytest

from grader.errors import ForbiddenUse
from grader.protocol import WorkerLimits
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
        limits=WorkerLimits(memory_mb=2048),
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


# -- the gates themselves, in this process ------------------------------------------------


def _refuse_odd(args: tuple[object, ...], kwargs: dict[str, object]) -> None:
    if any(isinstance(a, int) and a % 2 for a in args):
        raise PermissionError("odd")


def test_gate_keeps_no_attribute_path_to_the_original() -> None:
    """Does a gate expose no closure, globals or defaults, and a __wrapped__ that is a gate?"""
    from grader.worker.gates import gate, is_gate

    def original(x: int, scale: int = 2) -> int:
        """Doubles."""
        return x * scale

    gated = gate(original, _refuse_odd)
    assert gated(2) == 4 and gated(2, scale=3) == 6
    with pytest.raises(PermissionError):
        gated(3)
    for name in ("__closure__", "__globals__", "__defaults__", "__code__", "__func__"):
        assert not hasattr(gated, name), name
    assert is_gate(gated.__wrapped__) and gated.__wrapped__ is not original
    with pytest.raises(PermissionError):
        gated.__wrapped__(3)
    assert (gated.__name__, gated.__doc__) == ("original", "Doubles.")
    assert str(inspect.signature(gated)) == "(x: 'int', scale: 'int' = 2) -> 'int'"


def test_gate_binds_as_a_method() -> None:
    """Does a gate placed on a class receive ``self``, as the method it replaces did?"""
    from grader.worker.gates import gate

    class Box:
        def __init__(self) -> None:
            self.value = 2

        def times(self, k: int) -> int:
            return self.value * k

    Box.times = gate(Box.times, _refuse_odd)  # type: ignore[method-assign]
    assert Box().times(4) == 8
    with pytest.raises(PermissionError):
        Box().times(5)


def test_gate_can_change_the_call() -> None:
    """Does a check that returns new arguments call the original with those instead?"""
    from grader.worker.gates import gate

    gated = gate(lambda *a: a, lambda args, kwargs: ((*args, "added"), kwargs))
    assert gated(1) == (1, "added")
