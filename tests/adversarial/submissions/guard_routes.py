"""Attack 15.3: every known route past the forbidden-API guard, one function each.

``ROUTES`` is one student module: each function computes d/dw sum(w * w) at w = [0, 1, 2]
(so [0, 2, 4]), or applies a forbidden torch.nn function, by a route that once scored
without a violation: the original behind ``__wrapped__``, the autograd engine's own entry
points, ``torch.func``, dual numbers, switching grad mode back on, a thread, and
``torch.nn``'s natives under ``torch._C._nn`` and ``torch.ops.aten``.

``patch_backprop`` turns the backprop_torch reference into a submission whose Parts B and C
take their gradients from autograd through ``__wrapped__`` and the engine.
"""

from __future__ import annotations

import re
from pathlib import Path

ROUTES = r'''
import gc
import inspect
import threading

import torch
import torch.nn.attention
import torch.nn.functional as F


def _w():
    return torch.arange(3.0).requires_grad_()


def _original(fn):
    """What a student finds behind a wrapper: __wrapped__, or a callable in its closure."""
    found = getattr(fn, "__wrapped__", None)
    if found is not None:
        return found
    for cell in getattr(fn, "__closure__", None) or ():
        value = cell.cell_contents
        if callable(value) and getattr(value, "__name__", "") == fn.__name__:
            return value
    return fn


def via_wrapped():
    w = _w()
    return _original(torch.autograd.grad)((w * w).sum(), w)[0]


def via_unwrap():
    w = _w()
    return inspect.unwrap(torch.autograd.grad)((w * w).sum(), w)[0]


def via_closure_backward():
    w = _w()
    _original(torch.Tensor.backward)((w * w).sum())
    return w.grad


def via_engine():
    w = _w()
    engine = torch.autograd.Variable._execution_engine
    ones = (torch.ones(()),)
    return engine.run_backward(((w * w).sum(),), ones, False, False, (w,), False, False)[0]


def via_engine_run_backward():
    from torch.autograd.graph import _engine_run_backward

    w = _w()
    ones = (torch.ones(()),)
    return _engine_run_backward(((w * w).sum(),), ones, False, False, (w,), False, False)[0]


def via_func_grad():
    return torch.func.grad(lambda w: (w * w).sum())(torch.arange(3.0))


def via_func_vjp():
    _, pull = torch.func.vjp(lambda w: (w * w).sum(), torch.arange(3.0))
    return pull(torch.ones(()))[0]


def via_func_jacrev():
    return torch.func.jacrev(lambda w: (w * w).sum())(torch.arange(3.0))


def via_func_jacfwd():
    return torch.func.jacfwd(lambda w: (w * w).sum())(torch.arange(3.0))


def via_functional_call():
    layer = {"w": torch.arange(3.0)}
    return torch.func.grad(lambda p: (p["w"] * p["w"]).sum())(layer)["w"]


def via_functorch():
    from torch._functorch.eager_transforms import grad_impl

    return grad_impl(lambda w: (w * w).sum(), 0, False, (torch.arange(3.0),), {})


def via_autograd_functional():
    return torch.autograd.functional.jacobian(lambda w: (w * w).sum(), torch.arange(3.0))


def via_dual_numbers():
    import torch.autograd.forward_ad as fwAD

    tangents = []
    with fwAD.dual_level():
        for i in range(3):
            w = fwAD.make_dual(torch.arange(3.0), torch.eye(3)[i])
            tangents.append(fwAD.unpack_dual((w * w).sum()).tangent)
    return torch.stack(tangents)


def via_native_dual():
    level = torch._C._enter_dual_level()
    try:
        w = torch._VF._make_dual(torch.arange(3.0), torch.ones(3), level=level)
        return torch._VF._unpack_dual(w * w, level=level)[1]
    finally:
        torch._C._exit_dual_level(level=level)


def _by_engine_type():
    """The engine's own C type, found through object.__subclasses__(): no gate can cover it."""
    engine = next(c for c in object.__subclasses__() if c.__name__ == "_EngineBase")()
    w = _w()
    ones = (torch.ones(()),)
    return engine.run_backward(((w * w).sum(),), ones, False, False, (w,), False, False)[0]


def via_enable_grad():
    with torch.enable_grad():
        return _by_engine_type()


def via_set_grad_enabled():
    torch.set_grad_enabled(True)
    return _by_engine_type()


def via_inference_mode_off():
    with torch.inference_mode(False):
        return _by_engine_type()


def via_inference_mode_type():
    found = type(torch._C._InferenceMode(True))  # the class, whatever stands in its name
    with found(False):
        return _by_engine_type()


def via_fx_registry():
    from torch.fx.node import _side_effectful_functions

    switch = next(f for f in _side_effectful_functions if f.__name__ == "_set_grad_enabled")
    switch(True)
    try:
        return _by_engine_type()
    finally:
        switch(False)


def via_aten_switch():
    torch.ops.aten.set_grad_enabled(True)
    return _by_engine_type()


def _in_thread(work):
    """A new thread starts with grad mode on, whatever its parent had."""
    out = []
    thread = threading.Thread(target=lambda: out.append(work()))
    thread.start()
    thread.join()
    return out[0] if out else None


def via_thread():
    return _in_thread(_by_engine_type)


def via_thread_switch():
    def work():
        torch.set_grad_enabled(True)
        return _by_engine_type()

    return _in_thread(work)


def via_engine_type():
    return _by_engine_type()


def via_grad_fn():
    w = _w()
    return (w * w).sum().grad_fn(torch.ones(()))


def via_nn_wrapped():
    return _original(F.cross_entropy)(torch.zeros(2, 3), torch.tensor([0, 1]))


def via_nn_native_linear():
    return torch._C._nn.linear(torch.ones(1, 3), torch.ones(2, 3))


def via_nn_native_loss():
    return torch._C._nn.cross_entropy_loss(torch.zeros(2, 3), torch.tensor([0, 1]))


def via_aten_linear():
    return torch.ops.aten.linear(torch.ones(1, 3), torch.ones(2, 3))


def via_aten_overload():
    return torch.ops.aten.linear.default(torch.ones(1, 3), torch.ones(2, 3))


def via_fresh_namespace():
    return torch._ops._OpNamespace("aten").linear(torch.ones(1, 3), torch.ones(2, 3))


def via_gc_original():
    """Known limit: the original switch, found by the garbage collector's own introspection."""
    switch = next(
        o for o in gc.get_objects()
        if type(o).__name__ == "builtin_function_or_method" and o.__name__ == "_set_grad_enabled"
        and not hasattr(o, "__grader_forbidden__")
    )
    switch(True)
    grad = _by_engine_type()
    switch(False)
    return grad


def _grad_in_torchscript(w: torch.Tensor) -> torch.Tensor:
    torch.set_grad_enabled(True)
    w = w.detach().requires_grad_()
    (w * w).sum().backward()
    torch.set_grad_enabled(False)
    grad = w.grad
    assert grad is not None
    return grad


def via_torchscript():
    """Known limit: TorchScript switches grad mode and runs the engine in C++."""
    return torch.jit.script(_grad_in_torchscript)(torch.arange(3.0))


def exposed():
    """The attributes that would lead from a gate back to something ungated."""
    names = ("__wrapped__", "__closure__", "__globals__", "__defaults__", "__func__", "__self__")
    gated = (torch.autograd.grad, torch.Tensor.backward, F.cross_entropy, torch._C._nn.linear,
             torch.func.grad, torch.nn.attention.sdpa_kernel, torch.nn.Linear.__init__)
    return [
        f"{g.__name__}.{n}" for g in gated for n in names
        if getattr(g, n, None) is not None
        and not getattr(getattr(g, n), "__grader_forbidden__", False)
    ]


def plain(x):
    return (torch.sigmoid(x) * x).sum(dim=0)


def grad_mode():
    return torch.is_grad_enabled()
'''

# Parts B and C of backprop_torch, by autograd, appended to the reference's network.py and
# umd.py: the original behind __wrapped__ for B, the engine object for C.
NETWORK_CHEAT = r"""

def _original(fn):
    found = getattr(fn, "__wrapped__", None)
    for cell in getattr(fn, "__closure__", None) or ():
        value = cell.cell_contents
        if found is None and callable(value) and getattr(value, "__name__", "") == fn.__name__:
            found = value
    return found or fn


def _backward_by_autograd(self, x, y_onehot, y_hat):
    params = [p.detach().clone().requires_grad_() for p in (self.W1, self.b1, self.W2, self.b2)]
    w1, b1, w2, b2 = params
    h = self.activation_func(x @ w1 + b1)
    z = h @ w2 + b2
    loss = -(y_onehot * torch.log_softmax(z, dim=1)).sum() / x.shape[0]
    grads = _original(torch.autograd.grad)(loss, params)
    for p, g in zip((self.W1, self.b1, self.W2, self.b2), grads):
        p -= self.lr * g


FullyConnectedNetwork.backward = _backward_by_autograd
"""

UMD_CHEAT = r"""

def _backward_by_engine(network, input_cache, grad_x):
    params = [(layer["W"].detach().clone().requires_grad_(),
               layer["b"].detach().clone().requires_grad_()) for layer in network]
    a = input_cache[0]
    for w, b in params:
        a = torch.sigmoid(a @ w + b)
    leaves = tuple(t for pair in params for t in pair)
    engine = torch.autograd.Variable._execution_engine
    grads = engine.run_backward((a,), (grad_x,), False, False, leaves, False, False)
    return [{"W": grads[2 * i], "b": grads[2 * i + 1]} for i in range(len(network))]


backward_propagate_error = _backward_by_engine
"""


def patch_backprop(reference: Path, dest: Path, *, cheat: bool = True) -> None:
    """Copy the backprop_torch reference into ``dest``; with ``cheat``, make B and C cheat."""
    dest.mkdir(parents=True, exist_ok=True)
    for path in reference.glob("*.py"):
        text = re.sub(r"\n *# (BEGIN|END) SOLUTION", "", path.read_text())
        if cheat:
            text += {"network.py": NETWORK_CHEAT, "umd.py": UMD_CHEAT}.get(path.name, "")
        (dest / path.name).write_text(text)
