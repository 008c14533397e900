"""Masks read as palette PNGs: each palette entry is looked up in color_map once, then the
index image is mapped through that table (no per-pixel RGB compare); images go through
torchvision's transforms.functional.to_tensor."""

import os

import numpy as np
import torch
import torchvision.transforms.functional as TF
from PIL import Image
from torch.utils.data import Dataset

VOC_COLORMAP = [
    [0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0], [0, 0, 128], [128, 0, 128],
    [0, 128, 128], [128, 128, 128], [64, 0, 0], [192, 0, 0], [64, 128, 0], [192, 128, 0],
    [64, 0, 128], [192, 0, 128], [64, 128, 128], [192, 128, 128], [0, 64, 0], [128, 64, 0],
    [0, 192, 0], [128, 192, 0], [0, 64, 128],
]  # fmt: skip


class VocDataset(Dataset):
    def __init__(self, root, color_map, size=256, split="trainval"):
        self.dir = os.path.join(root, "VOCdevkit", "VOC2007")
        with open(os.path.join(self.dir, "ImageSets", "Segmentation", f"{split}.txt")) as f:
            self.ids = f.read().split()
        self.color_map = np.array(color_map, dtype=np.int64)  # (K, 3)
        self.size = size

    def __len__(self):
        return len(self.ids)

    def convert_to_segmentation_mask(self, mask):
        """RGB (H, W, 3) -> class ids: encode each colour as one integer and look it up."""
        codes = (
            (mask[..., 0].astype(np.int64) << 16)
            | (mask[..., 1].astype(np.int64) << 8)
            | mask[..., 2]
        )
        table = {
            int(r) << 16 | int(g) << 8 | int(b): k for k, (r, g, b) in enumerate(self.color_map)
        }
        out = np.full(codes.shape, 255, dtype=np.int64)
        for code, k in table.items():
            out[codes == code] = k
        return out

    def _palette_labels(self, png):
        """Class ids of a palette PNG via its palette: entry i -> class of colour palette[i]."""
        palette = np.array(png.getpalette()[: 256 * 3]).reshape(-1, 3)
        lookup = self.convert_to_segmentation_mask(palette[None].astype(np.uint8))[0]  # (256,)
        return lookup[np.array(png)]

    def __getitem__(self, i):
        name = self.ids[i]
        image = Image.open(os.path.join(self.dir, "JPEGImages", name + ".jpg")).convert("RGB")
        image = image.resize((self.size, self.size), resample=Image.Resampling.BILINEAR)
        png = Image.open(os.path.join(self.dir, "SegmentationClass", name + ".png"))
        png = png.resize((self.size, self.size), resample=Image.Resampling.NEAREST)
        if png.mode == "P":
            labels = self._palette_labels(png)
        else:
            labels = self.convert_to_segmentation_mask(np.array(png.convert("RGB")))
        return TF.to_tensor(image), torch.from_numpy(labels.astype(np.int64))
