"""Hidden checks on voc.py: the colour map, nearest-neighbour masks, split files, resizing.

As in the public checks, each check writes a small VOC2007-layout dataset into a folder of your
process and reads it with your VocDataset; the expected items come from the reference reading
the same files here.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import torch

from grader.checks import expect
from grader.datasets.voc import VOID, voc_palette, write_sample, write_split_files, write_voc_like

HELPERS = '''
import os
import tempfile
import types


def write_tree(files):
    """Write {relative path: bytes} into a new folder under the working folder; its path."""
    root = tempfile.mkdtemp(prefix="voc-", dir=os.getcwd())
    for rel, data in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)
    return root


def items(dataset, indices):
    """(len(dataset), [dataset[i] for i in indices])."""
    return len(dataset), [dataset[i] for i in indices]


helpers = types.SimpleNamespace(write_tree=write_tree, items=items)
'''

COLOR_MAP = voc_palette()[:21].tolist()  # VOC's 21 class colours, as VOC_COLORMAP lists them


def _tree(root: Path) -> dict[str, bytes]:
    """Every file under root, by its path relative to root."""
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _items(submission, files: dict[str, bytes], size: int, split: str) -> tuple[int, list]:
    """len(VocDataset(...)) and all its items, read by your VocDataset from these files."""
    helpers = submission.define(HELPERS, "helpers")
    root = helpers.write_tree(files)
    dataset = submission.voc.VocDataset(root, COLOR_MAP, size, split=split)
    length = helpers.items(dataset, [])[0]
    expect.that(type(length) is int, f"len(VocDataset(...)) must be an int, not {length!r}")
    return length, helpers.items(dataset, list(range(length)))[1]


def _checked_item(item: object, size: int, what: str) -> tuple[np.ndarray, np.ndarray]:
    """(image, mask) as numpy, after checking the types, dtypes and shapes the docstring gives."""
    expect.that(
        type(item) in (tuple, list) and len(item) == 2,
        f"{what} must be a pair (image, mask), not {type(item).__name__}",
    )
    image, mask = item
    for name, value, dtype, shape in (
        ("image", image, torch.float32, (3, size, size)),
        ("mask", mask, torch.int64, (size, size)),
    ):
        expect.that(
            type(value) is torch.Tensor and value.dtype == dtype,
            f"the {name} of {what} must be a {dtype} tensor",
        )
        expect.shape(value.numpy(), shape, what=f"the {name} of {what}")
    return image.numpy(), mask.numpy()


def _grid_mask(rng, side: int) -> np.ndarray:
    """(side, side) uint8: 21 cells (7 x 3) holding the classes 0..20 in random order, with
    one-pixel void (255) lines along some cell edges."""
    classes = rng.permutation(21).reshape(3, 7)
    rows = np.minimum(np.arange(side) * 3 // side, 2)  # (side,) cell row of each pixel row
    cols = np.minimum(np.arange(side) * 7 // side, 6)  # (side,)
    mask = classes[rows[:, None], cols[None, :]].astype(np.uint8)  # (side, side)
    mask[side // 3, :] = VOID
    mask[:, side // 2] = VOID
    return mask


def test_voc_dataset_colour_map_all_classes(submission, rng) -> None:
    """VocDataset's mask must map each of VOC's 21 colours to its class index (color_map[k] -> k) and the border colour (224, 224, 192) to the ignore index 255."""
    side = 49
    mask = _grid_mask(rng, side)
    image = rng.integers(0, 256, size=(side, side, 3), dtype=np.uint8)
    with tempfile.TemporaryDirectory(prefix="voc-") as tmp:
        write_sample(Path(tmp), "000007", image, mask)
        write_split_files(Path(tmp), {"train": [], "val": ["000007"]})
        files = _tree(Path(tmp))
    length, items = _items(submission, files, side, "val")
    expect.that(length == 1, f"val.txt lists 1 id, but len(VocDataset(...)) is {length}")
    what = f"the mask of a {side} x {side} image holding all 21 class colours and the border colour"
    _, got = _checked_item(items[0], side, what)
    wrong = got != mask
    misread = sorted({int(k) for k in mask[wrong]})
    expect.that(
        not wrong.any(),
        f"{what}: {int(wrong.sum())} of {mask.size} pixels have the wrong label; the pixels of "
        f"class(es) {misread} (255 is the border) are misread. Label a pixel k where all three "
        "of its channels equal color_map[k], and 255 where its colour is in no class",
    )


def _allowed(source: np.ndarray, size: int) -> list[list[set[int]]]:
    """For each output pixel of a size x size resize, the labels of the source pixels around
    the point it samples (two pixels either way): what nearest-neighbour resizing may give."""

    def windows(n_in: int) -> list[range]:
        centres = (np.arange(size) + 0.5) * n_in / size - 0.5  # (size,)
        return [range(max(int(c) - 2, 0), min(int(c) + 3, n_in)) for c in centres]

    rows, cols = windows(source.shape[0]), windows(source.shape[1])
    return [
        [set(source[r.start : r.stop, c.start : c.stop].ravel().tolist()) for c in cols]
        for r in rows
    ]


def test_voc_dataset_masks_not_interpolated(submission, seed) -> None:
    """VocDataset must resize masks with nearest-neighbour interpolation: every label must be one that the source mask has near that point; bilinear or bicubic resizing blends colours into labels (or the ignore index) that are not there."""
    size = 48
    with tempfile.TemporaryDirectory(prefix="voc-") as tmp:
        written = write_voc_like(
            Path(tmp), 0, 4, seed=(seed, 3), width=(90, 130), height=(70, 110), border=0
        )
        files = _tree(Path(tmp))
    length, items = _items(submission, files, size, "val")
    expect.that(length == 4, f"val.txt lists 4 ids, but len(VocDataset(...)) is {length}")
    for index, (item, source) in enumerate(zip(items, written["val"].masks, strict=True)):
        what = f"the mask of item {index} ({source.shape[1]} x {source.shape[0]} resized to {size} x {size})"
        _, got = _checked_item(item, size, what)
        allowed = _allowed(source, size)
        invented = [
            int(got[i, j])
            for i in range(size)
            for j in range(size)
            if got[i, j] not in allowed[i][j]
        ]
        expect.that(
            not invented,
            f"{what}: {len(invented)} of {size * size} pixels hold a label that no pixel of the "
            f"source mask near them has (labels {sorted(set(invented))[:6]}; the source has no "
            "border pixels). Resize the mask with nearest-neighbour interpolation "
            "(Image.Resampling.NEAREST), never bilinear",
        )


def test_voc_dataset_reads_split_file(submission, reference, seed) -> None:
    """VocDataset must take its ids, in order, from ImageSets/Segmentation/<split>.txt: JPEGImages also holds images without masks, which belong to no split."""
    with tempfile.TemporaryDirectory(prefix="voc-") as tmp:
        written = write_voc_like(
            Path(tmp), 4, 5, seed=(seed, 4), width=(40, 40), height=(40, 40), n_unlabelled=3
        )
        files = _tree(Path(tmp))
    length, items = _items(submission, files, 40, "val")
    expect.that(
        length == 5,
        f"len(VocDataset(..., split='val')) is {length}; val.txt lists 5 ids (JPEGImages holds "
        "12 images: 4 train, 5 val and 3 without a mask)",
    )
    for index, (item, mask) in enumerate(zip(items, written["val"].masks, strict=True)):
        what = f"item {index} of the val split (40 x 40, no resizing)"
        _, got = _checked_item(item, 40, what)
        expect.that(
            np.array_equal(got, mask),
            f"the mask of {what} is not the mask of the {index}-th id of val.txt; read the ids "
            "from the split file and keep their order",
        )


def test_voc_dataset_resized_image(submission, reference, seed) -> None:
    """VocDataset must resize each image to size x size with bilinear interpolation (PIL's Image.resize((size, size), Image.Resampling.BILINEAR)): on average within 0.03 of it per value."""
    size = 64
    with tempfile.TemporaryDirectory(prefix="voc-") as tmp:
        write_voc_like(Path(tmp), 3, 0, seed=(seed, 5))
        files = _tree(Path(tmp))
        want = reference.voc.VocDataset(tmp, COLOR_MAP, size, split="train")
        wanted = [want[i][0].numpy() for i in range(len(want))]
    length, items = _items(submission, files, size, "train")
    expect.that(length == 3, f"train.txt lists 3 ids, but len(VocDataset(...)) is {length}")
    for index, (item, image_want) in enumerate(zip(items, wanted, strict=True)):
        what = f"the image of item {index}, resized to {size} x {size}"
        image, _ = _checked_item(item, size, what)
        error = float(np.abs(image - image_want).mean())
        expect.that(
            error < 0.03,
            f"{what} differs from the bilinear resize of the JPEG by {error:.3f} on average "
            "(at most 0.03 expected): resize the whole image to (size, size), channels last "
            "before the permute",
        )
