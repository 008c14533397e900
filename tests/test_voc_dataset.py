"""Does the synthetic VOC2007 have the real devkit's layout, and do torchvision's VOCSegmentation
and the segmentation_transfer reference's VocDataset read back exactly what was written?"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import torchvision.datasets as tvd
from PIL import Image

from grader.datasets import dataset_root, require
from grader.datasets.make import main as make_main
from grader.datasets.voc import (
    DEVKIT,
    VOC_CLASSES,
    VOID,
    draw_voc,
    read_mask,
    voc_palette,
    write_voc_like,
)
from grader.errors import MaterialError

REPO = Path(__file__).resolve().parent.parent


def _reference_voc() -> ModuleType:
    path = REPO / "reference" / "segmentation_transfer" / "voc.py"
    spec = importlib.util.spec_from_file_location("_test_reference_voc", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _jpeg(root: Path, image_id: str) -> np.ndarray:
    """The decoded pixels (H, W, 3) uint8 of a written JPEG."""
    with Image.open(root / DEVKIT / "JPEGImages" / f"{image_id}.jpg") as jpeg:
        return np.asarray(jpeg.convert("RGB"))


def _ids(root: Path, split: str) -> list[str]:
    return (root / DEVKIT / "ImageSets" / "Segmentation" / f"{split}.txt").read_text().split()


def test_palette_is_vocs_colour_map() -> None:
    """Are the colours those of VOClabelcolormap.m: 21 classes, then the border (224, 224, 192)?"""
    palette = voc_palette()
    assert palette.shape == (256, 3) and palette.dtype == np.uint8
    assert palette[:4].tolist() == [[0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0]]
    assert palette[15].tolist() == [192, 128, 128] and palette[20].tolist() == [0, 64, 128]
    assert palette[VOID].tolist() == [224, 224, 192]
    assert len({tuple(c) for c in palette}) == 256
    assert len(VOC_CLASSES) == 21 and VOC_CLASSES[15] == "person"


def test_layout_and_split_files(tmp_path: Path) -> None:
    """Does every split id have a JPEG and a mask, trainval = train + val, and the extra
    detection-only JPEGs have no mask and sit in no split?"""
    written = write_voc_like(tmp_path, n_train=7, n_val=4, n_unlabelled=3, seed=1)
    devkit = tmp_path / DEVKIT
    train, val, trainval = (_ids(tmp_path, s) for s in ("train", "val", "trainval"))
    assert train == written["train"].ids and val == written["val"].ids
    assert len(train) == 7 and len(val) == 4 and not set(train) & set(val)
    assert trainval == sorted(train + val)
    jpegs = sorted(p.stem for p in (devkit / "JPEGImages").glob("*.jpg"))
    masks = sorted(p.stem for p in (devkit / "SegmentationClass").glob("*.png"))
    assert masks == trainval and len(jpegs) == 11 + 3
    unlabelled = set(jpegs) - set(trainval)
    assert len(unlabelled) == 3 and all(len(i) == 6 and i.isdigit() for i in jpegs)
    assert min(unlabelled) < max(trainval)  # interleaved: listing the folder finds them


def test_masks_are_palette_pngs_with_borders(tmp_path: Path) -> None:
    """Are masks "P" PNGs in VOC's palette, with class indices, void (255) bands along outlines
    and none when border=0?"""
    written = write_voc_like(tmp_path, n_train=6, n_val=2, classes=(3, 7), seed=2)
    for image_id, mask in zip(written["train"].ids, written["train"].masks, strict=True):
        path = tmp_path / DEVKIT / "SegmentationClass" / f"{image_id}.png"
        with Image.open(path) as png:
            assert png.mode == "P"
            palette = np.array(png.getpalette()[: 256 * 3]).reshape(256, 3)
        assert np.array_equal(palette, voc_palette())
        assert np.array_equal(read_mask(path), mask)
        assert set(np.unique(mask)) <= {0, 3, 7, VOID} and VOID in mask and 0 in mask
    _, plain = draw_voc(4, (3, 7), np.random.default_rng(0), border=0)
    assert all(VOID not in mask for mask in plain)


def test_torchvision_voc_segmentation_reads_it(tmp_path: Path) -> None:
    """Does torchvision's VOCSegmentation (year 2007, download=False) read the pixels written?"""
    written = write_voc_like(tmp_path, n_train=5, n_val=3, seed=3)
    for split in ("train", "val"):
        dataset = tvd.VOCSegmentation(tmp_path, year="2007", image_set=split, download=False)
        assert len(dataset) == len(written[split].ids)
        for index in range(len(dataset)):
            image, mask = dataset[index]
            want = written[split].images[index]
            assert image.mode == "RGB" and image.size == (want.shape[1], want.shape[0])
            assert np.array_equal(np.asarray(image), _jpeg(tmp_path, written[split].ids[index]))
            assert np.abs(np.asarray(image, dtype=float) - want).mean() < 15  # JPEG's loss
            assert np.array_equal(np.asarray(mask), written[split].masks[index])


def test_reference_voc_dataset_reads_it(tmp_path: Path) -> None:
    """Does the reference VocDataset give channels-first images and the masks' class indices
    (border 255), in split-file order?"""
    voc = _reference_voc()
    written = write_voc_like(tmp_path, n_train=4, n_val=3, seed=4, width=(40, 40), height=(40, 40))
    dataset = voc.VocDataset(str(tmp_path), voc.VOC_COLORMAP, size=40, split="val")
    assert len(dataset) == 3
    for index in range(3):
        image, mask = dataset[index]
        assert tuple(image.shape) == (3, 40, 40) and tuple(mask.shape) == (40, 40)
        pixels = image.permute(1, 2, 0).numpy() * 255  # (H, W, 3)
        decoded = _jpeg(tmp_path, written["val"].ids[index])
        assert np.abs(pixels - decoded).max() < 1e-3
        assert np.array_equal(mask.numpy(), written["val"].masks[index])


def test_same_seed_same_files(tmp_path: Path) -> None:
    """Does the same seed write the same bytes, and another seed other images?"""

    def digest(root: Path) -> dict[str, str]:
        return {
            str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }

    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        write_voc_like(tmp_path / name, n_train=3, n_val=2, seed=seed)
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert digest(tmp_path / "a") != digest(tmp_path / "c")


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    """Are a class outside 1..20 and a negative count refused, naming the value?"""
    with pytest.raises(ValueError, match=r"given: \[0, 3\]"):
        write_voc_like(tmp_path, classes=(0, 3))
    with pytest.raises(ValueError, match="counts must be >= 0"):
        write_voc_like(tmp_path, n_val=-1)


def test_make_voc2007_and_find_its_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Does `python -m grader.datasets.make voc2007 DIR` write a root that [data] needs finds,
    and does a root without it fail naming the layout and the fix?"""
    assert make_main(["voc2007", str(tmp_path / "voc"), "--n", "3", "--n-test", "2"]) == 0
    assert len(_ids(tmp_path / "voc", "trainval")) == 5
    monkeypatch.setenv("GRADER_DATA_VOC2007", str(tmp_path / "voc"))
    assert dataset_root("voc2007") == tmp_path / "voc"
    require(["torchvision-voc2007"])
    with pytest.raises(MaterialError, match="VOCSegmentation layout.*make voc2007"):
        require(["torchvision-voc2007"], {"voc2007": tmp_path / "empty"})
