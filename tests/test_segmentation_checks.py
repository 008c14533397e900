"""Do segmentation_transfer's check helpers hold what the checks rely on: one VGG16 builder shared
by every check file, deterministic and torchvision's architecture, and a nearest-neighbour rule
that bilinear resizing breaks?"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType, SimpleNamespace

import numpy as np
import pytest
import torch
import torchvision
from PIL import Image

from grader.datasets.voc import draw_voc, voc_palette

CHECKS = Path(__file__).resolve().parent.parent / "assignments" / "segmentation_transfer" / "checks"


def _check_module(relative: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_seg_{Path(relative).stem}", CHECKS / relative)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _vgg16_source(text: str) -> str:
    match = re.search(r"\ndef vgg16\(seed\):.*?\n    return model\n", text, re.S)
    assert match is not None
    return match.group(0)


def test_every_check_file_builds_the_same_vgg16() -> None:
    """Is vgg16(seed) the same source in every check file that defines it, so the worker and the
    reference get identical weights whichever file builds them?"""
    files = [p for p in sorted(CHECKS.rglob("test_*.py")) if "def vgg16(seed):" in p.read_text()]
    assert len(files) >= 4
    sources = {_vgg16_source(p.read_text()) for p in files}
    assert len(sources) == 1


@pytest.mark.slow
def test_vgg16_helper_is_torchvisions_architecture_and_deterministic() -> None:
    """Does the fast builder give torchvision's VGG16 parameters, the same for the same seed?"""
    helpers = _check_module("hidden/test_fcn.py").LOCAL
    assert isinstance(helpers, SimpleNamespace)
    with torch.device("meta"):
        want = {
            n: tuple(p.shape) for n, p in torchvision.models.vgg16(weights=None).named_parameters()
        }
    first = helpers.vgg16(3)
    assert {n: tuple(p.shape) for n, p in first.named_parameters()} == want
    conv1 = first.features[0].weight.detach().clone()
    del first
    again = helpers.vgg16(3).features[0].weight
    other = helpers.vgg16(4).features[0].weight
    assert torch.equal(conv1, again) and not torch.equal(conv1, other)
    assert abs(float(conv1.std()) - (2 / 27) ** 0.5) < 0.03  # He (2015): std sqrt(2 / fan_in)


def _labels(rgb: np.ndarray) -> np.ndarray:
    """Class indices (H, W) of an RGB mask (H, W, 3): the palette index, 255 for other colours."""
    out = np.full(rgb.shape[:2], 255)
    for k, colour in enumerate(voc_palette()[:21]):
        out[(rgb == colour).all(axis=-1)] = k
    return out


@pytest.mark.parametrize("resample", ["NEAREST", "BILINEAR"])
def test_nearest_rule_passes_nearest_and_catches_bilinear(resample: str) -> None:
    """Does every pixel of a nearest resize have a label from its source neighbourhood, while a
    bilinear resize of the RGB mask invents labels at region edges?"""
    allowed_of = _check_module("hidden/test_voc.py")._allowed
    _, masks = draw_voc(3, range(1, 21), np.random.default_rng(5), border=0)
    invented = 0
    for mask in masks:
        rgb = Image.fromarray(voc_palette()[mask])
        got = _labels(np.asarray(rgb.resize((48, 48), getattr(Image.Resampling, resample))))
        allowed = allowed_of(mask, 48)
        invented += sum(got[i, j] not in allowed[i][j] for i in range(48) for j in range(48))
    assert (invented == 0) == (resample == "NEAREST")
