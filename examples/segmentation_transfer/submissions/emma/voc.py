"""PASCAL VOC2007 for semantic segmentation: a torch Dataset of (image, mask) pairs.

After UMD Assignment 5, Part 3. The dataset lives under ``root/VOCdevkit/VOC2007``:

* ``JPEGImages/<id>.jpg``: the RGB photos, of varying sizes;
* ``SegmentationClass/<id>.png``: the masks, palette PNGs drawn in VOC's colour map
  (:data:`VOC_COLORMAP`): a pixel of colour ``VOC_COLORMAP[k]`` belongs to class k. Object
  outlines are drawn in the border colour (224, 224, 192), which is in no class: those
  pixels get the ignore index 255, which the loss and the metrics skip;
* ``ImageSets/Segmentation/<split>.txt``: the ids of each split (train, val, trainval), one
  a line. Only these images have masks: VOC2007 has more JPEGs than masks, so take the ids
  from the split file, never from the JPEGImages folder.
"""

from __future__ import annotations

import os

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset

VOC_CLASSES = [
    "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat",
    "chair", "cow", "diningtable", "dog", "horse", "motorbike", "person", "pottedplant",
    "sheep", "sofa", "train", "tvmonitor",
]  # fmt: skip
VOC_COLORMAP = [
    [0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0], [0, 0, 128], [128, 0, 128],
    [0, 128, 128], [128, 128, 128], [64, 0, 0], [192, 0, 0], [64, 128, 0], [192, 128, 0],
    [64, 0, 128], [192, 0, 128], [64, 128, 128], [192, 128, 128], [0, 64, 0], [128, 64, 0],
    [0, 192, 0], [128, 192, 0], [0, 64, 128],
]  # fmt: skip  # RGB colour of class k = VOC_COLORMAP[k]
IGNORE_INDEX = 255  # the label of border pixels, and of any colour not in the colour map


class VocDataset(Dataset):
    """The VOC2007 segmentation images of one split, resized to size x size.

    ``dataset[i]`` is ``(image, mask)`` for the i-th id of ``ImageSets/Segmentation/<split>.txt``:

    * image: (3, size, size) float32 in [0, 1], channels first (red, green, blue), as
      ``torchvision.transforms.ToTensor`` gives it. The JPEG is read as RGB, resized with
      bilinear interpolation (PIL's ``Image.resize((size, size), Image.Resampling.BILINEAR)``),
      divided by 255 and moved to channels-first with a permute. A reshape would not move the
      channels: it would cut the (H, W, 3) pixels into three meaningless blocks.
    * mask: (size, size) int64 class indices: pixel (i, j) is k where its colour is
      ``color_map[k]``, and 255 (the ignore index) where the colour is in no class, as VOC's
      border colour (224, 224, 192) is. Resize the mask with nearest-neighbour interpolation
      only: interpolating labels invents colours (and so classes) that are not in the image.

    Args:
        root: the folder that holds ``VOCdevkit/``.
        color_map: the RGB colour of each class, a list of n_classes [r, g, b] lists
            (:data:`VOC_COLORMAP` for VOC's 21 classes).
        size: the side the images and masks are resized to.
        split: which ``ImageSets/Segmentation/<split>.txt`` to read.
    """

    def __init__(
        self, root: str, color_map: list[list[int]], size: int = 256, split: str = "trainval"
    ) -> None:
        self.root = os.path.join(root, "VOCdevkit", "VOC2007")
        ids_file = os.path.join(self.root, "ImageSets", "Segmentation", f"{split}.txt")
        with open(ids_file) as lines:
            self.ids = [line.strip() for line in lines if line.strip()]
        self.color_map = [tuple(int(c) for c in colour) for colour in color_map]
        self.size = size

    def __len__(self) -> int:
        """The number of ids in the split file."""
        return len(self.ids)

    def convert_to_segmentation_mask(self, mask: np.ndarray) -> np.ndarray:
        """Class indices (H, W) int64 for an RGB mask (H, W, 3) uint8: k where the pixel's
        colour is color_map[k], 255 where it is in no class."""
        labels = np.full(mask.shape[:2], IGNORE_INDEX, dtype=np.int64)  # (H, W)
        for index, colour in enumerate(self.color_map):
            labels[np.all(mask == colour, axis=-1)] = index  # (H, W, 3) -> (H, W)
        return labels

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(image (3, size, size) float32, mask (size, size) int64) of the index-th id."""
        image_id = self.ids[index]
        size = (self.size, self.size)
        with Image.open(os.path.join(self.root, "JPEGImages", f"{image_id}.jpg")) as jpeg:
            image = jpeg.convert("RGB").resize(size, Image.Resampling.BILINEAR)
        with Image.open(os.path.join(self.root, "SegmentationClass", f"{image_id}.png")) as png:
            mask = png.convert("RGB").resize(size, Image.Resampling.NEAREST)
        pixels = torch.from_numpy(np.asarray(image, dtype=np.float32) / 255)  # (H, W, 3)
        image_t = pixels.permute(2, 0, 1).contiguous()  # (H, W, 3) -> (3, H, W)
        mask_t = torch.from_numpy(self.convert_to_segmentation_mask(np.asarray(mask)))  # (H, W)
        return image_t, mask_t
