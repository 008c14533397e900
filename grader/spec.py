"""The assignment spec: ``assignments/<id>/assignment.toml``, validated by pydantic.

Points live here and nowhere else. A spec that does not validate fails fast with the file,
the field and the fix (:class:`grader.errors.SpecError`).

Example::

    id = "nn_numpy"
    title = "A fully connected network in numpy"

    [submission]
    files = ["nn.py"]

    [limits]
    check_seconds = 20
    submission_seconds = 300
    memory_mb = 2048

    [[parts]]
    name = "Softmax"
    checks = { test_softmax_matches_reference = 2, test_softmax_is_stable = 1 }

    [[parts]]
    name = "Training"
    checks = { test_train_mlp_reaches_accuracy = { points = 4, seconds = 90 } }
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from grader.errors import SpecError
from grader.manual import ManualItem
from grader.specerrors import describe_validation_error

__all__ = [
    "AssignmentSpec",
    "NotebookConfig",
    "StudentConfig",
    "SubmissionConfig",
    "gpu_share",
    "load_spec",
]

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_CHECK = re.compile(r"^test_[A-Za-z0-9_]+$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NotebookConfig(_Strict):
    """Accept a Jupyter notebook in place of the ``.py`` files (``[submission.notebook]``).

    ``accept`` holds notebook names or shell-style patterns, matched case-insensitively and
    forgiving the renames students make (``Copy of hw5.ipynb``, ``hw5 (1).ipynb``). When the
    required ``.py`` files are there they are graded, unless the notebook has fewer unfinished
    stubs (``raise NotImplementedError``) than they do; otherwise the one notebook that
    matches is graded, or else the only notebook handed in. ``mode`` picks
    what runs: ``definitions`` (imports, functions, classes and the constants they use) or
    ``execute`` (every cell, top to bottom, ``cell_seconds`` each and ``seconds`` in all).
    """

    accept: list[str] = Field(min_length=1)
    mode: Literal["definitions", "execute"] = "definitions"
    cell_seconds: float = Field(default=60.0, gt=0, le=3600)
    seconds: float = Field(default=300.0, gt=0, le=24 * 3600)

    @field_validator("accept")
    @classmethod
    def _notebook_names(cls, accept: list[str]) -> list[str]:
        for pattern in accept:
            if not pattern.lower().endswith(".ipynb") or "/" in pattern:
                raise ValueError(
                    f"accept holds notebook file names or patterns like hw5.ipynb or hw5*.ipynb, given: {pattern!r}"
                )
        return accept


class SubmissionConfig(_Strict):
    """What a student hands in: Python modules, and data files such as trained weights."""

    files: list[str] = Field(min_length=1)
    notebook: NotebookConfig | None = None
    # Course files (in assignments/<id>/provided/) placed beside the student's code at grade
    # time and shipped in the template; a student's own copy is replaced by the course's.
    provided: list[str] = Field(default_factory=list)

    @field_validator("files")
    @classmethod
    def _plain_file_names(cls, files: list[str]) -> list[str]:
        for name in files:
            if not _plain(name):
                raise ValueError(
                    f"each submitted file must be a plain file name like nn.py or net.pt, given: {name!r}"
                )
        if not any(name.endswith(".py") for name in files):
            raise ValueError(
                f"at least one submitted file must be a Python module (.py), given: {files}"
            )
        if len(set(files)) != len(files):
            raise ValueError(f"file names must be unique, given: {files}")
        return files

    @field_validator("provided")
    @classmethod
    def _provided_names(cls, provided: list[str]) -> list[str]:
        for name in provided:
            if not _plain(name):
                raise ValueError(
                    f"each provided file must be a plain file name like util.py, given: {name!r}"
                )
        if len(set(provided)) != len(provided):
            raise ValueError(f"file names must be unique, given: {provided}")
        return provided

    @model_validator(mode="after")
    def _provided_not_submitted(self) -> SubmissionConfig:
        both = sorted(set(self.files) & set(self.provided))
        if both:
            raise ValueError(
                f"{', '.join(both)} is both submitted (files) and provided by the course "
                "(provided); list each file in one of them"
            )
        return self

    @property
    def modules(self) -> list[str]:
        """The module names the worker imports, one per submitted ``.py`` file."""
        return [name.removesuffix(".py") for name in self.files if name.endswith(".py")]


def _plain(name: str) -> bool:
    """A file name with no folder in it and a suffix: nn.py, net.pt."""
    return not ("/" in name or "\\" in name or name.startswith(".") or "." not in name)


class LimitsConfig(_Strict):
    """Per-check and per-submission limits, enforced on the worker."""

    check_seconds: float = Field(default=20.0, gt=0, le=3600)
    submission_seconds: float = Field(default=600.0, gt=0, le=24 * 3600)
    memory_mb: int = Field(default=2048, ge=128, le=1024 * 1024)
    import_seconds: float = Field(default=20.0, gt=0, le=600)
    # The limits above count the worker's CPU time; code that waits instead of working
    # (sleep, a deadlock) is stopped after wall_factor times a limit of wall-clock time.
    wall_factor: float = Field(default=3.0, ge=1.0, le=100.0)
    processes: int = Field(default=32, ge=1, le=4096)
    open_files: int = Field(default=256, ge=32, le=65536)
    file_size_mb: int = Field(default=256, ge=1, le=1024 * 1024)
    disk_mb: int = Field(default=512, ge=16, le=1024 * 1024)


class WorkerSettings(_Strict):
    """What the warm parent imports once, so each forked worker starts with it loaded."""

    preload: list[str] = Field(default_factory=lambda: ["numpy", "torch", "torchvision"])


class DeviceConfig(_Strict):
    """Where tensors run: always the CPU, CUDA when asked, or CUDA when present."""

    policy: Literal["cpu", "cuda", "auto"] = "cpu"
    # On a GPU run with --jobs N, each worker may use this share of the GPU's memory; by
    # default 0.9 / N (the rest is left for the CUDA contexts and the checks' own tensors).
    gpu_memory_fraction: float | None = Field(default=None, gt=0.0, le=1.0)


def gpu_share(configured: float | None, lanes: int) -> float:
    """Each worker's share of the GPU's memory when ``lanes`` submissions share it."""
    return configured if configured is not None else round(0.9 / max(lanes, 1), 4)


class DataConfig(_Strict):
    """Datasets the checks read. Nothing is downloaded at grade time."""

    needs: list[str] = Field(default_factory=list)
    roots: dict[str, str] = Field(
        default_factory=dict
    )  # dataset name -> folder (relative: to the course)


class CiConfig(_Strict):
    """Grading on push (``grader ci``): the score below which the CI job fails."""

    pass_percent: float = Field(default=0.0, ge=0, le=100)  # 0: never fails on the score


_PIP_URL = re.compile(r"^(git\+(https|ssh|file)|https|file)://[^\s\"'<>]+$")
_PIP_VERSION = re.compile(r"^(==|~=|>=)\s*[0-9][0-9A-Za-z.+-]*$")


class StudentConfig(_Strict):
    """What the student's template tells them: where to install the grader from.

    ``grader_source`` is what pip installs ``dl-grader`` from: a URL
    (``git+https://github.com/course/grader@v1``, a wheel's ``https://`` address) or a version
    of the package index (``==1.4``). The template notebook's first cell installs it; without
    it that cell asks the instructor's install line of the student.
    """

    grader_source: str | None = None

    @field_validator("grader_source")
    @classmethod
    def _pip_source(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if _PIP_URL.match(value) or _PIP_VERSION.match(value):
            return value
        raise ValueError(
            "grader_source is what pip installs dl-grader from: a URL such as "
            '"git+https://github.com/<course>/<grader-repo>@v1" or "https://.../dl_grader.whl", '
            f'or a version such as "==1.4"; given: {value!r}'
        )

    def requirement(self) -> str | None:
        """The pip requirement: ``dl-grader @ <url>`` or ``dl-grader==1.4``; None when unset."""
        if self.grader_source is None:
            return None
        if _PIP_VERSION.match(self.grader_source):
            return "dl-grader" + self.grader_source.replace(" ", "")
        return f"dl-grader @ {self.grader_source}"


class CheckConfig(_Strict):
    """One check's points, and optionally its own time limit."""

    points: float = Field(ge=0)
    seconds: float | None = Field(default=None, gt=0, le=3600)


class PartConfig(_Strict):
    """A named group of checks; a part's points are the sum of its checks'."""

    name: str = Field(min_length=1)
    checks: dict[str, CheckConfig] = Field(min_length=1)

    @field_validator("checks", mode="before")
    @classmethod
    def _points_shorthand(cls, checks: object) -> object:
        if isinstance(checks, dict):
            return {
                k: {"points": v} if isinstance(v, int | float) else v for k, v in checks.items()
            }
        return checks

    @field_validator("checks")
    @classmethod
    def _check_names(cls, checks: dict[str, CheckConfig]) -> dict[str, CheckConfig]:
        for name in checks:
            if not _CHECK.match(name):
                raise ValueError(
                    f"check names are pytest test names like test_softmax_rows, given: {name!r}"
                )
        return checks

    @property
    def max_points(self) -> float:
        return sum(c.points for c in self.checks.values())


class ForbiddenConfig(_Strict):
    """APIs a group of checks forbids, enforced at run time inside the worker.

    ``apis`` are dotted names: a function or method (``torch.Tensor.backward``,
    ``torch.autograd.grad``) or a whole package (``torch.nn``, ``torch.optim``: every module,
    layer, function and optimizer in it). ``checks`` are check names or shell-style
    patterns (``test_network_*``). A call made by a listed check that reaches a forbidden
    API fails that check with "this part must not use <api>", even if the student's code
    catches the error.
    """

    apis: list[str] = Field(min_length=1)
    checks: list[str] = Field(min_length=1)
    reason: str = ""

    @field_validator("apis")
    @classmethod
    def _dotted(cls, apis: list[str]) -> list[str]:
        for api in apis:
            if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$", api):
                raise ValueError(
                    f"forbidden APIs are dotted names like torch.Tensor.backward, given: {api!r}"
                )
        return apis


class AssignmentSpec(_Strict):
    """The whole spec of one assignment."""

    id: str
    title: str = Field(min_length=1)
    submission: SubmissionConfig
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    device: DeviceConfig = Field(default_factory=DeviceConfig)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    data: DataConfig = Field(default_factory=DataConfig)
    parts: list[PartConfig] = Field(min_length=1)
    forbidden: list[ForbiddenConfig] = Field(default_factory=list)
    params: dict[str, Any] = Field(default_factory=dict)
    ci: CiConfig = Field(default_factory=CiConfig)
    student: StudentConfig | None = None
    manual: list[ManualItem] = Field(default_factory=list)
    """Questions graded by hand (``[[manual]]``, :mod:`grader.manual`); their points are
    not in :attr:`max_points`, which is the checks' alone."""

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"id must be lower_snake_case like nn_numpy, given: {value!r}")
        return value

    @model_validator(mode="after")
    def _unique_checks(self) -> AssignmentSpec:
        seen: dict[str, str] = {}
        for part in self.parts:
            for name in part.checks:
                if name in seen:
                    raise ValueError(
                        f"check {name} is listed in both part {seen[name]!r} and part "
                        f"{part.name!r}; list each check in exactly one part"
                    )
                seen[name] = part.name
        ids = [m.id for m in self.manual]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(
                f"manual item {', '.join(twice)} is listed more than once; give each [[manual]] "
                "item its own id"
            )
        return self

    @property
    def max_points(self) -> float:
        """The checks' points: what the automatic grading can award."""
        return sum(p.max_points for p in self.parts)

    @property
    def manual_points(self) -> float:
        """The points of the questions graded by hand."""
        return sum(m.points for m in self.manual)

    @property
    def total_points(self) -> float:
        """The assignment's maximum: the checks' points and the manual items'."""
        return self.max_points + self.manual_points

    def check_config(self, name: str) -> tuple[str, CheckConfig]:
        """The part name and config of check ``name``."""
        for part in self.parts:
            if name in part.checks:
                return part.name, part.checks[name]
        raise KeyError(name)

    def check_names(self) -> list[str]:
        return [name for part in self.parts for name in part.checks]

    def forbidden_for(self, name: str) -> list[str]:
        """The APIs forbidden while check ``name`` runs."""
        return sorted(
            {
                api
                for f in self.forbidden
                if any(fnmatch.fnmatchcase(name, p) for p in f.checks)
                for api in f.apis
            }
        )

    def seconds_for(self, name: str) -> float:
        _, cfg = self.check_config(name)
        return cfg.seconds if cfg.seconds is not None else self.limits.check_seconds


def load_spec(path: Path) -> AssignmentSpec:
    """Read and validate one ``assignment.toml``; raise :class:`SpecError` naming the problem."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SpecError(
            f"{path}: no such file; every assignment folder needs an assignment.toml"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML ({exc}); fix the syntax at that line") from exc
    try:
        spec = AssignmentSpec.model_validate(raw)
    except ValidationError as exc:
        raise SpecError(describe_validation_error(path, exc, AssignmentSpec)) from exc
    if spec.id != path.parent.name:
        raise SpecError(
            f"{path}: id is {spec.id!r} but the folder is {path.parent.name!r}; make them the same"
        )
    return spec
