"""Attack 15.3: can a submission reach forbidden functionality past the guard?

Each known route (tests/adversarial/submissions/guard_routes.py) runs in a worker under the
backprop_torch spec's forbidden list, as Part B's checks run. A gated route is a violation
that names what the code called; a route past every gate meets autograd switched off, so it
computes no gradient. The end-to-end case grades the reference and a submission that takes
Parts B and C from autograd through ``__wrapped__`` and the engine.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.errors import ForbiddenUse, SubmissionRaised
from grader.protocol import WorkerLimits
from grader.remote import SubmissionHandle, SubmissionSession
from grader.spec import load_spec
from grader.supervisor import WorkerConfig, prepare_runtime
from tests.adversarial.submissions.guard_routes import ROUTES, patch_backprop

REPO = Path(__file__).resolve().parents[2]
SPEC = load_spec(REPO / "assignments" / "backprop_torch" / "assignment.toml")
PART_B = SPEC.forbidden_for("test_network_backward_step_w1")

# route -> what the violation must name
GATED = {
    "via_wrapped": "torch.autograd.grad",
    "via_unwrap": "torch.autograd.grad",
    "via_closure_backward": "torch.Tensor.backward",
    "via_engine": "_execution_engine.run_backward",
    "via_engine_run_backward": "torch.autograd.graph._engine_run_backward",
    "via_func_grad": "torch.func.grad",
    "via_func_vjp": "torch.func.vjp",
    "via_func_jacrev": "torch.func.jacrev",
    "via_func_jacfwd": "torch.func.jacfwd",
    "via_functional_call": "torch.func.grad",
    "via_functorch": "torch._functorch.eager_transforms.grad_impl",
    "via_autograd_functional": "torch.autograd.functional.jacobian",
    "via_dual_numbers": "torch.autograd.forward_ad",
    "via_native_dual": "torch._C._enter_dual_level",
    "via_enable_grad": "torch._C._set_grad_enabled",
    "via_set_grad_enabled": "torch._C._set_grad_enabled",
    "via_inference_mode_off": "torch._C._InferenceMode",
    "via_inference_mode_type": "torch._C._InferenceMode",
    "via_fx_registry": "torch._C._set_grad_enabled",
    "via_aten_switch": "torch.ops.aten.set_grad_enabled",
    "via_thread_switch": "torch._C._set_grad_enabled",
    "via_nn_wrapped": "torch.nn.functional.cross_entropy",
    "via_nn_native_linear": "torch._C._nn.linear",
    "via_nn_native_loss": "torch._C._nn.cross_entropy_loss",
    "via_aten_linear": "torch.ops.aten.linear",
    "via_aten_overload": "torch.ops.aten.linear",
    "via_fresh_namespace": "torch._C._jit_get_operation",
}
# routes that no gate can cover (the engine's C type, the graph's own nodes, a thread's
# fresh grad mode): autograd is off, so there is no graph to differentiate
UNGATED = ["via_engine_type", "via_grad_fn", "via_thread"]


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SubmissionSession]:
    tmp = tmp_path_factory.mktemp("guard_routes")
    (tmp / "student").mkdir()
    (tmp / "student" / "routes.py").write_text(ROUTES)
    config = WorkerConfig(
        workdir=tmp / "student",
        limits=WorkerLimits(memory_mb=4096),
        output_path=tmp / "out.txt",
        runtime_dir=prepare_runtime(tmp / "runtime"),
        preload=("numpy", "torch"),
    )
    s = SubmissionSession(
        config,
        ["routes"],
        import_seconds=60,
        submission_seconds=300,
        forbidden=sorted({api for f in SPEC.forbidden for api in f.apis}),
    )
    yield s
    s.close()


def _call(session: SubmissionSession, route: str, forbid: list[str]) -> object:
    session.begin_check(60, forbid)
    try:
        return getattr(SubmissionHandle(session).routes, route)()
    finally:
        session.end_check()


def test_spec_forbids_autograd_and_nn_in_part_b() -> None:
    """Does Part B of backprop_torch forbid what these routes reach (and Part A not)?"""
    assert {"torch.autograd.grad", "torch.nn"} <= set(PART_B)
    assert SPEC.forbidden_for("test_d_softmax_matches_autograd") == []


@pytest.mark.parametrize("route", sorted(GATED))
def test_route_is_a_violation(session: SubmissionSession, route: str) -> None:
    """Is each known route into autograd or torch.nn reported as a forbidden API, naming
    what the code called?"""
    with pytest.raises(ForbiddenUse, match="this part must not use") as caught:
        _call(session, route, PART_B)
    assert GATED[route] in str(caught.value)


@pytest.mark.parametrize("route", UNGATED)
def test_route_past_every_gate_finds_autograd_off(session: SubmissionSession, route: str) -> None:
    """Does the engine's own C type, a graph node called directly, or a new thread compute no
    gradient, because no graph is recorded while autograd is forbidden?"""
    try:
        got = _call(session, route, PART_B)
    except (ForbiddenUse, SubmissionRaised):
        return
    assert got is None, f"{route} computed {got!r}"


@pytest.mark.parametrize("route", ["via_engine_type", "via_func_grad", "via_nn_native_linear"])
def test_routes_work_where_nothing_is_forbidden(session: SubmissionSession, route: str) -> None:
    """Part A may use autograd and torch.nn: do the same routes run normally there, and is
    grad mode back on after a request that forbade autograd?"""
    assert _call(session, route, []) is not None
    assert _call(session, "grad_mode", []) is True


def test_gates_expose_no_original(session: SubmissionSession) -> None:
    """Does no gate carry __wrapped__, __closure__, __globals__ or the like?"""
    assert _call(session, "exposed", []) == []


def test_plain_tensor_code_runs_under_the_guard(session: SubmissionSession) -> None:
    """Is a by-hand answer unaffected: right values, grad mode off only while it runs?"""
    torch = pytest.importorskip("torch")
    session.begin_check(60, PART_B)
    try:
        out = SubmissionHandle(session).routes.plain(torch.ones(2, 3))
        assert _grad_mode_seen(session) is False
    finally:
        session.end_check()
    assert torch.allclose(out, torch.sigmoid(torch.ones(3)) * 2)
    assert _call(session, "grad_mode", []) is True


def _grad_mode_seen(session: SubmissionSession) -> object:
    return SubmissionHandle(session).routes.grad_mode()


@pytest.mark.xfail(strict=True, reason="known limits of an in-process guard (docs/authoring.md)")
@pytest.mark.parametrize("route", ["via_gc_original", "via_torchscript"])
def test_known_limits(session: SubmissionSession, route: str) -> None:
    """An original found through the garbage collector, or TorchScript that switches grad
    mode on and off again in C++, still computes a gradient: the guard is best effort."""
    with pytest.raises((ForbiddenUse, SubmissionRaised)):
        _call(session, route, PART_B)


@pytest.mark.slow
def test_backprop_reference_full_marks_and_cheat_loses_b_and_c(tmp_path: Path) -> None:
    """Does the reference still score full marks, while a submission taking Parts B and C
    from autograd (``__wrapped__``, the engine) loses them with a plain forbidden-API message?"""
    from grader.grade import grade

    subs = tmp_path / "class"
    patch_backprop(REPO / "reference" / "backprop_torch", subs / "reference", cheat=False)
    patch_backprop(REPO / "reference" / "backprop_torch", subs / "cheat")
    started = time.monotonic()
    report = grade(REPO, "backprop_torch", subs, tmp_path / "out", jobs=2)
    results = {r.student: r for r in report.results}
    assert results["reference"].score == results["reference"].max_score
    cheat = {c.name: c for c in results["cheat"].checks}
    lost = ["test_network_backward_step_w1", "test_umd_backward_grads_small"]
    for name in lost:
        assert cheat[name].status == "failed", (name, cheat[name].message)
        assert "must not use torch.autograd.grad" in cheat[name].message or (
            "must not use autograd" in cheat[name].message
        ), cheat[name].message
    assert "_execution_engine.run_backward" in cheat["test_umd_backward_grads_small"].message
    assert cheat["test_sigmoid_values"].status == "passed"
    assert time.monotonic() - started < 600
