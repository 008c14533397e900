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
from PIL import Image

from grader.checks import expect
from grader.checks.helpers import in_worker
from grader.datasets.voc import VOID, voc_palette, write_sample, write_split_files, write_voc_like

from helpers import voc_files

COLOR_MAP = voc_palette()[:21].tolist()  # VOC's 21 class colours, as VOC_COLORMAP lists them


def _tree(root: Path) -> dict[str, bytes]:
    """Every file under root, by its path relative to root."""
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _items(submission, files: dict[str, bytes], size: int, split: str) -> tuple[int, list]:
    """len(VocDataset(...)) and all its items, read by your VocDataset from these files."""
    helpers = in_worker(submission, voc_files)
    root = helpers.write_tree(files)
    dataset = submission.voc.VocDataset(root, COLOR_MAP, size, split=split)
    length = helpers.items(dataset, [])[0]
    expect.that(type(length) is int, f"len(VocDataset(...)) must be an int, not {length!r}")
    return length, helpers.items(dataset, list(range(length)))[1]


def _checked(item: object, part: str, size: int, what: str) -> np.ndarray:
    """The image or the mask of an item as numpy, after checking its type, dtype and shape; only
    the part the check tests is checked, so that a bug in the other costs this check nothing."""
    expect.that(
        type(item) in (tuple, list) and len(item) == 2,
        f"{what} must be a pair (image, mask), not {type(item).__name__}",
    )
    value = item[0] if part == "image" else item[1]
    dtype, shape = (
        (torch.float32, (3, size, size)) if part == "image" else (torch.int64, (size, size))
    )
    expect.that(
        type(value) is torch.Tensor and value.dtype == dtype,
        f"the {part} of {what} must be a {dtype} tensor, not "
        + (f"a {value.dtype} one" if type(value) is torch.Tensor else type(value).__name__),
    )
    expect.shape(value.numpy(), shape, what=f"the {part} of {what}")
    return value.numpy()


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
    got = _checked(items[0], "mask", side, "the item of an image holding every class colour")
    wrong = got != mask
    misread = sorted({int(k) for k in mask[wrong]})
    expect.that(
        not wrong.any(),
        "the mask of an image holding all 21 class colours and the border colour: "
        f"{100 * wrong.mean():.0f}% of its pixels have the wrong label; the pixels of "
        f"class(es) {misread} (255 is the border) are misread. Label a pixel k where all three "
        "of its channels equal color_map[k], and 255 where its colour is in no class",
    )


def _allowed(source: np.ndarray, size: int, reach: int = 2) -> list[list[set[int]]]:
    """For each output pixel of a size x size resize, the labels of the source pixels around
    the point it samples (``reach`` pixels either way): what nearest-neighbour resizing may
    give."""

    def windows(n_in: int) -> list[range]:
        centres = (np.arange(size) + 0.5) * n_in / size - 0.5  # (size,)
        return [range(max(int(c) - reach, 0), min(int(c) + reach + 1, n_in)) for c in centres]

    rows, cols = windows(source.shape[0]), windows(source.shape[1])
    return [
        [set(source[r.start : r.stop, c.start : c.stop].ravel().tolist()) for c in cols]
        for r in rows
    ]


def _votes(got: np.ndarray, source: np.ndarray, size: int, reach: int) -> dict[int, dict[int, int]]:
    """For each source label, the labels of got where the source holds only that label
    ``reach`` pixels either way, with their counts."""
    inside = _allowed(source, size, reach)
    votes: dict[int, dict[int, int]] = {}
    for i in range(size):
        for j in range(size):
            if len(inside[i][j]) == 1:
                (label,) = inside[i][j]
                counts = votes.setdefault(label, {})
                counts[int(got[i, j])] = counts.get(int(got[i, j]), 0) + 1
    return votes


def _relabelled(got: np.ndarray, source: np.ndarray, size: int) -> np.ndarray | None:
    """``got`` with each of its labels replaced by the source label it stands for, or None when
    two classes of the source are read as one label.

    A bug in the colour lookup (test_voc_dataset_colour_map_all_classes) must not cost the
    resizing check too: each source class is matched to the label got mostly gives it well
    inside its regions (6 pixels either way; 2 for small regions), where no resizing method
    can blend it with a neighbour."""
    deep, near = _votes(got, source, size, 6), _votes(got, source, size, 2)
    dominant = {}
    for label in set(deep) | set(near):
        counts = deep.get(label) or near[label]
        dominant[label] = max(counts, key=counts.__getitem__)
    mine = list(dominant.values())
    if len(set(mine)) != len(mine):
        return None
    mapping = {read: label for label, read in dominant.items()}
    return np.vectorize(lambda v: mapping.get(int(v), int(v)))(got)


def _invented(got: np.ndarray, source: np.ndarray, size: int) -> int | None:
    """How many pixels of got hold a label that no source pixel near them has (after matching
    the labels); None when the labels cannot be matched."""
    mapped = _relabelled(got, source, size)
    if mapped is None:
        return None
    allowed = _allowed(source, size)
    return sum(int(mapped[i, j]) not in allowed[i][j] for i in range(size) for j in range(size))


def test_voc_dataset_masks_not_interpolated(submission, seed) -> None:
    """VocDataset must resize masks with nearest-neighbour interpolation: every label must be one that the source mask has near that point; bilinear or bicubic resizing blends colours into labels (or the ignore index) that are not there."""
    size = 48
    with tempfile.TemporaryDirectory(prefix="voc-") as tmp:
        written = write_voc_like(
            Path(tmp),
            0,
            4,
            seed=(seed, 3),
            width=(90, 130),
            height=(70, 110),
            n_unlabelled=0,
            border=0,
        )
        files = _tree(Path(tmp))
    length, items = _items(submission, files, size, "val")
    expect.that(length == 4, f"val.txt lists 4 ids, but len(VocDataset(...)) is {length}")
    sources = written["val"].masks
    for index, item in enumerate(items):
        what = f"item {index}, resized"
        got = _checked(item, "mask", size, what)
        # the item's own source, whatever the order (that is test_voc_dataset_reads_split_file's)
        counts = [_invented(got, source, size) for source in sources]
        judged = [n for n in counts if n is not None]
        expect.that(
            bool(judged),
            f"the mask of {what} gives one label to regions of different classes (or two labels "
            "to one class) even well inside the regions, where resizing cannot be the cause: "
            "that is the colour lookup, which test_voc_dataset_colour_map_all_classes charges; "
            "this check, which tests the resizing, cannot judge it until the labels are right",
        )
        invented = min(judged)
        expect.that(
            invented == 0,
            f"the mask of {what}: {100 * invented / got.size:.0f}% of its pixels hold a label "
            "that no pixel of the source mask near them has (the source has no border pixels, "
            "so these are blends of two colours). Resize the mask with nearest-neighbour "
            "interpolation (Image.Resampling.NEAREST), never bilinear",
        )


def _layouts(image: object, size: int) -> list[np.ndarray]:
    """The ways to read an item's image as (size, size, 3) pixels: as documented (channels
    first), undoing a reshape that cut the pixels into blocks, and channels last; each also
    with its channels reversed (BGR). Bugs in the layout are test_voc_dataset_channel_order's."""
    if not isinstance(image, torch.Tensor) or image.numel() != 3 * size * size:
        return []
    flat = image.detach().double().reshape(-1).numpy()
    views = [flat.reshape(3, size, size).transpose(1, 2, 0), flat.reshape(size, size, 3)]
    return views + [view[..., ::-1] for view in views]


def _which(image: object, candidates: list[np.ndarray], size: int) -> int | None:
    """The index of the candidate pixels (size, size, 3) in [0, 1] that the image is, whatever
    its layout; None when it is none of them."""
    best, index = np.inf, None
    for view in _layouts(image, size):
        for k, candidate in enumerate(candidates):
            error = float(np.abs(view - candidate).mean())
            if error < best:
                best, index = error, k
    return index if best < 0.05 else None


def test_voc_dataset_reads_split_file(submission, seed) -> None:
    """VocDataset must take its ids, in order, from ImageSets/Segmentation/<split>.txt: JPEGImages also holds images without masks, which belong to no split."""
    with tempfile.TemporaryDirectory(prefix="voc-") as tmp:
        written = write_voc_like(
            Path(tmp), 4, 5, seed=(seed, 4), width=(40, 40), height=(40, 40), n_unlabelled=3
        )
        files = _tree(Path(tmp))
        jpegs = sorted((Path(tmp) / "VOCdevkit" / "VOC2007" / "JPEGImages").glob("*.jpg"))
        pixels = [np.asarray(Image.open(j).convert("RGB"), dtype=np.float64) / 255 for j in jpegs]
    names = [j.stem for j in jpegs]
    length, items = _items(submission, files, 40, "val")
    expect.that(
        length == 5,
        f"len(VocDataset(..., split='val')) is {length}; val.txt lists 5 ids (JPEGImages holds "
        "12 images: 4 train, 5 val and 3 without a mask)",
    )
    for index, (item, image_id) in enumerate(zip(items, written["val"].ids, strict=True)):
        expect.that(
            type(item) in (tuple, list) and len(item) == 2,
            f"item {index} of the val split must be a pair (image, mask), not {type(item).__name__}",
        )
        found = _which(item[0], pixels, 40)
        expect.that(
            found is not None,
            f"the image of item {index} of the val split is none of the JPEGs, in any layout, so "
            "this check cannot tell which id it read: return the JPEG's pixels / 255 "
            "(test_voc_dataset_channel_order checks how)",
        )
        assert found is not None
        expect.that(
            names[found] == image_id,
            f"item {index} of the val split is the image of id {names[found]}, not of the "
            f"{index}-th id of val.txt: read the ids from the split file and keep their order",
        )


def test_voc_dataset_resized_image(submission, reference, seed) -> None:
    """VocDataset must resize each image to size x size with bilinear interpolation (PIL's Image.resize((size, size), Image.Resampling.BILINEAR)): on average within 0.03 of it per value."""
    size = 64
    with tempfile.TemporaryDirectory(prefix="voc-") as tmp:
        write_voc_like(Path(tmp), 3, 0, seed=(seed, 5), n_unlabelled=0)
        files = _tree(Path(tmp))
        want = reference.voc.VocDataset(tmp, COLOR_MAP, size, split="train")
        wanted = [want[i][0].numpy().transpose(1, 2, 0).astype(np.float64) for i in range(3)]
    length, items = _items(submission, files, size, "train")
    expect.that(length == 3, f"train.txt lists 3 ids, but len(VocDataset(...)) is {length}")
    for index, item in enumerate(items):
        what = f"item {index}, resized"
        expect.that(
            type(item) in (tuple, list) and len(item) == 2,
            f"{what} must be a pair (image, mask), not {type(item).__name__}",
        )
        views = _layouts(item[0], size)
        expect.that(
            bool(views),
            f"the image of {what} must be a tensor of 3 x size x size values",
        )
        # the nearest of the split's images, in any layout: the order and the channel order
        # are test_voc_dataset_reads_split_file's and test_voc_dataset_channel_order's
        error = min(float(np.abs(v - w).mean()) for v in views for w in wanted)
        expect.that(
            error < 0.03,
            f"the image of {what} differs from the bilinear resize of its JPEG by {error:.3f} on "
            "average (at most 0.03 expected): resize the whole image to (size, size)",
        )
