"""Do segmentation_transfer's check helpers hold what the checks rely on: one VGG16 builder (in
checks/helpers/vgg.py) shared by every check file, deterministic and torchvision's
architecture, and a nearest-neighbour rule that bilinear resizing breaks?"""

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

from grader.checks.helpers import helpers_importable
from grader.course import load_assignment
from grader.datasets.voc import draw_voc, voc_palette

REPO = Path(__file__).resolve().parent.parent
CHECKS = REPO / "assignments" / "segmentation_transfer" / "checks"


def _check_module(relative: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_seg_{Path(relative).stem}", CHECKS / relative)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    with helpers_importable(load_assignment(REPO, "segmentation_transfer")):
        spec.loader.exec_module(module)
    return module


def test_every_check_file_builds_the_same_vgg16() -> None:
    """Is vgg16(seed) defined once, in checks/helpers/vgg.py, so the worker and the reference
    get identical weights whichever check file builds them?"""
    files = [p.relative_to(CHECKS) for p in sorted(CHECKS.rglob("*.py"))]
    defining = [str(p) for p in files if "def vgg16(" in (CHECKS / p).read_text()]
    assert defining == ["helpers/vgg.py"]
    using = [
        p
        for p in files
        if re.search(r"^from helpers import .*\bvgg\b", (CHECKS / p).read_text(), re.M)
    ]
    assert len(using) >= 4


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


def _nearest_labels(mask: np.ndarray, resample: str) -> np.ndarray:
    """Labels of a VOC mask resized to 48 x 48 through its RGB colours."""
    rgb = Image.fromarray(voc_palette()[mask])
    return _labels(np.asarray(rgb.resize((48, 48), getattr(Image.Resampling, resample))))


def test_resizing_rule_forgives_relabelling_but_not_blending() -> None:
    """Does the nearest-neighbour check judge the resizing alone: a one-to-one relabelling (a
    colour-lookup bug) invents nothing, a bilinear resize still invents labels, and labels that
    merge two classes are reported as unjudgeable rather than as a resizing bug?"""
    voc = _check_module("hidden/test_voc.py")
    _, masks = draw_voc(3, range(1, 21), np.random.default_rng(7), border=0)
    for mask in masks:
        present = sorted(set(mask.ravel().tolist()))
        lookup = np.arange(256)
        lookup[present] = present[::-1]  # a bijection of the labels
        nearest = _nearest_labels(mask, "NEAREST")
        relabelled = lookup[nearest]
        assert voc._invented(relabelled, mask, 48) == 0
        if len(present) > 1:
            merged = np.where(nearest == present[1], present[0], nearest)
            assert voc._invented(merged, mask, 48) is None
    blended = sum(voc._invented(_nearest_labels(m, "BILINEAR"), m, 48) or 0 for m in masks)
    assert blended > 0


def test_split_check_finds_an_image_in_any_layout() -> None:
    """Does the split check recognise which image an item holds whatever its layout (channels
    first, cut by a reshape, channels last, BGR), so that a layout bug does not fail it?"""
    voc = _check_module("hidden/test_voc.py")
    rng = np.random.default_rng(3)
    candidates = [rng.uniform(size=(8, 8, 3)) for _ in range(4)]
    pixels = torch.from_numpy(candidates[2])  # (H, W, 3)
    layouts = [
        pixels.permute(2, 0, 1),
        pixels.reshape(3, 8, 8),
        pixels,
        pixels.flip(-1).permute(2, 0, 1),
    ]
    assert [voc._which(x, candidates, 8) for x in layouts] == [2, 2, 2, 2]
    assert voc._which(torch.zeros(3, 8, 8), candidates, 8) is None
