"""The known routes into what an assignment can forbid, as data for the guard.

Autograd is forbidden as a capability: when a check forbids any of ``ENGINE_APIS`` (the
autograd engine's public entry points), the guard turns autograd off for the whole request and
gates every route below under the rule ``autograd``. ``torch.nn`` reaches further than its
Python modules: its functions are the natives in ``torch._C._nn``, which ``torch.ops.aten``
exposes again, so forbidding ``torch.nn`` gates those too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

When = Callable[[tuple[Any, ...], dict[str, Any]], bool]

AUTOGRAD = "autograd"
ENGINE_APIS = frozenset(
    {"torch.autograd", "torch.autograd.grad", "torch.autograd.backward", "torch.Tensor.backward"}
)
NN_PACKAGES = frozenset({"torch.nn", "torch.nn.functional"})

# Imported when autograd is forbidden, so that their functions are gated before a submission
# can alias them.
AUTOGRAD_MODULES = (
    "torch.autograd.functional",
    "torch.autograd.forward_ad",
    "torch.autograd.graph",
    "torch.func",
    "torch._functorch.eager_transforms",
)


def _first(args: tuple[Any, ...], kwargs: dict[str, Any], name: str) -> Any:
    return args[0] if args else kwargs.get(name)


def turns_on(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """``_set_grad_enabled(True)``, ``_set_fwd_grad_enabled(True)``, ``aten.set_grad_enabled``."""
    return bool(_first(args, kwargs, "mode"))


def leaves_inference(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """``torch._C._InferenceMode(False)`` switches grad mode (and forward AD) on. Its
    ``__init__`` is gated on the class, so ``self`` comes first; that also covers the class
    found as ``type()`` of an instance."""
    return not _first(args[1:], kwargs, "mode")


def names_op(names: frozenset[str]) -> When:
    """``torch._C._jit_get_operation("aten::linear")``: the lookup under ``torch.ops``."""

    def when(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
        return str(_first(args, kwargs, "qualified_name")).split(".")[0] in names

    return when


def op_name(op: Any) -> str:
    """``aten::linear`` for ``torch.ops.aten.linear`` and for its overloads (``.default``)."""
    name = getattr(op, "_qualified_op_name", None) or getattr(op, "_name", "")
    return str(name).split(".")[0]


def calls_op(names: frozenset[str], when: When | None = None) -> When:
    """A call of an operator object (``self`` first) that ``names`` holds, and ``when`` says
    of its own arguments."""

    def check(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
        if not args or op_name(args[0]) not in names:
            return False
        return when is None or when(args[1:], kwargs)

    return check


def what_op(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    return "torch.ops." + op_name(args[0]).replace("::", ".") if args else "torch.ops"


# (dotted name, when it is a use of autograd; None: always)
AUTOGRAD_ROUTES: tuple[tuple[str, When | None], ...] = (
    ("torch.Tensor.backward", None),
    ("torch.autograd.backward", None),
    ("torch.autograd.grad", None),
    ("torch.autograd.graph._engine_run_backward", None),
    ("torch.autograd.functional.vjp", None),
    ("torch.autograd.functional.jvp", None),
    ("torch.autograd.functional.jacobian", None),
    ("torch.autograd.functional.hessian", None),
    ("torch.autograd.functional.vhp", None),
    ("torch.autograd.functional.hvp", None),
    ("torch.autograd.forward_ad.make_dual", None),
    ("torch.autograd.forward_ad.enter_dual_level", None),
    ("torch._C._enter_dual_level", None),
    ("torch.func.grad", None),
    ("torch.func.grad_and_value", None),
    ("torch.func.vjp", None),
    ("torch.func.jvp", None),
    ("torch.func.jacrev", None),
    ("torch.func.jacfwd", None),
    ("torch.func.hessian", None),
    ("torch.func.linearize", None),
    ("torch._functorch.eager_transforms.grad_impl", None),
    ("torch._functorch.eager_transforms.grad_and_value_impl", None),
    ("torch._functorch.eager_transforms.vjp", None),
    ("torch._functorch.eager_transforms.jvp", None),
    ("torch._functorch.eager_transforms.jacrev", None),
    ("torch._functorch.eager_transforms.jacfwd", None),
    ("torch._functorch.eager_transforms.hessian", None),
    ("torch._functorch.eager_transforms.linearize", None),
    ("torch._functorch.eager_transforms._autograd_grad", None),
    ("torch._C._functorch._grad_increment_nesting", None),
    ("torch._C._functorch._jvp_increment_nesting", None),
    # the switches: turning autograd back on is a use of it
    ("torch._C._set_grad_enabled", turns_on),
    ("torch._C._set_fwd_grad_enabled", turns_on),
    ("torch._C._InferenceMode.__init__", leaves_inference),
    ("torch._C._jit_get_operation", names_op(frozenset({"aten::set_grad_enabled"}))),
)
# the operator objects under torch.ops (packets such as aten.linear, overloads such as
# aten.linear.default): their Python classes' __call__ is gated, for the operators named
OP_CLASSES = ("torch._ops.OpOverloadPacket", "torch._ops.OpOverload")
AUTOGRAD_OPS = frozenset({"aten::set_grad_enabled"})
ENGINE_METHODS = ("run_backward", "queue_callback")  # on Variable._execution_engine
