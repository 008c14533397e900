"""Colours coded as single integers and mapped with np.unique's inverse indices; the image
is resized by PIL and converted with numpy, channels moved with np.moveaxis."""

import os

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset

VOC_COLORMAP = [
    [0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0], [0, 0, 128], [128, 0, 128],
    [0, 128, 128], [128, 128, 128], [64, 0, 0], [192, 0, 0], [64, 128, 0], [192, 128, 0],
    [64, 0, 128], [192, 0, 128], [64, 128, 128], [192, 128, 128], [0, 64, 0], [128, 64, 0],
    [0, 192, 0], [128, 192, 0], [0, 64, 128],
]  # fmt: skip


def _code(rgb):
    rgb = np.asarray(rgb, dtype=np.int64)
    return rgb[..., 0] * 256 * 256 + rgb[..., 1] * 256 + rgb[..., 2]


class VocDataset(Dataset):
    def __init__(self, root, color_map, size=256, split="trainval"):
        self.root = root
        self.size = size
        self.class_of = {int(c): k for k, c in enumerate(_code(color_map))}
        path = os.path.join(root, "VOCdevkit/VOC2007/ImageSets/Segmentation", split + ".txt")
        self.ids = np.loadtxt(path, dtype=str, ndmin=1).tolist()

    def __len__(self):
        return len(self.ids)

    def convert_to_segmentation_mask(self, mask):
        codes, inverse = np.unique(_code(mask), return_inverse=True)
        labels = np.array([self.class_of.get(int(c), 255) for c in codes], dtype=np.int64)
        return labels[inverse].reshape(mask.shape[:2])

    def __getitem__(self, index):
        base = os.path.join(self.root, "VOCdevkit", "VOC2007")
        image = Image.open(f"{base}/JPEGImages/{self.ids[index]}.jpg").convert("RGB")
        mask = Image.open(f"{base}/SegmentationClass/{self.ids[index]}.png").convert("RGB")
        image = image.resize((self.size, self.size), Image.Resampling.BILINEAR)
        mask = mask.resize((self.size, self.size), Image.Resampling.NEAREST)
        chw = np.moveaxis(np.asarray(image, dtype=np.float32) / 255.0, -1, 0)
        x = torch.from_numpy(np.ascontiguousarray(chw))
        y = torch.from_numpy(self.convert_to_segmentation_mask(np.asarray(mask)))
        return x, y
