"""The optional parts of the install, imported only where they are needed.

The core install grades plain Python and numpy and runs the self-check; torch, torchvision,
scikit-learn, matplotlib, ray, copydetect and the grading page's packages come with extras (``pip install
'dl-grader[torch]'``; the table is :data:`EXTRAS`, the sizes are in docs/install.md). Every import of one goes through
:func:`require`, so a missing one raises :class:`MissingExtra`, whose message names the extra
to install: a problem of the grader's environment, never the student's fault.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from grader.errors import InstructorError

__all__ = ["EXTRAS", "Extra", "MissingExtra", "missing_message", "require"]


class MissingExtra(InstructorError):
    """A package of an extra is not installed: the grader's environment, not the student's code.

    From the command line it is an instructor error (exit code 2); inside a check it ends the
    check ``not_run`` with this message, and the other checks go on."""

    def __init__(self, message: str, *, module: str) -> None:
        super().__init__(message)
        self.module = module


@dataclass(frozen=True)
class Extra:
    """Where an importable package comes from: its name on the registry and its extra."""

    distribution: str
    extra: str


EXTRAS: dict[str, Extra] = {
    "torch": Extra("torch", "torch"),
    "torchvision": Extra("torchvision", "torch"),
    "PIL": Extra("pillow", "torch"),  # torchvision's image files; it comes with torchvision
    "sklearn": Extra("scikit-learn", "data"),
    "matplotlib": Extra("matplotlib", "report"),
    "nbconvert": Extra("nbconvert", "notebook"),
    "nbclient": Extra("nbclient", "notebook"),
    "ray": Extra("ray", "cluster"),
    "copydetect": Extra("copydetect", "similarity"),
    "flask": Extra("flask", "serve"),
    "werkzeug": Extra("werkzeug", "serve"),  # comes with flask
    "markdown_it": Extra("markdown-it-py", "serve"),
    "mdit_py_plugins": Extra("mdit-py-plugins", "serve"),
    "latex2mathml": Extra("latex2mathml", "serve"),
}
"""Top-level import name -> its extra (pyproject.toml's ``[project.optional-dependencies]``)."""


def missing_message(module: str, why: str = "", who: str = "this check") -> str:
    """What to say when ``module`` (an import name, dotted or not) is not installed:
    "this check needs scikit-learn (the digits dataset): pip install 'dl-grader[data]'"."""
    top = module.split(".")[0]
    known = EXTRAS.get(top)
    fix = f"pip install 'dl-grader[{known.extra}]'" if known else f"pip install {top}"
    name = known.distribution if known else top
    purpose = f" ({why})" if why else ""
    return f"{who} needs {name}{purpose}: {fix}"


def require(module: str, *, why: str = "", who: str = "this check") -> ModuleType:
    """Import ``module`` (e.g. ``"sklearn.datasets"``), or say which extra provides it.

    ``why`` says what needs it, in a few words ("the digits dataset"); ``who`` is the one
    that cannot go on without it ("this check", "the class report").

    Raises:
        MissingExtra: the package is not installed (a module it imports counts too).
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        top = (exc.name or module).split(".")[0]
        raise MissingExtra(missing_message(top, why, who), module=top) from exc
