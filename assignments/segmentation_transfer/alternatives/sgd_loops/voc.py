"""VOC2007 loader that looks colours up in a dict (pixel by pixel, loops) and reads ids with
readlines; images are scaled with numpy and permuted by hand."""

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


class VocDataset(Dataset):
    def __init__(self, root, color_map, size=256, split="trainval"):
        self.base = os.path.join(root, "VOCdevkit", "VOC2007")
        f = open(os.path.join(self.base, "ImageSets", "Segmentation", split + ".txt"))
        self.names = []
        for line in f.readlines():
            line = line.strip()
            if line != "":
                self.names.append(line)
        f.close()
        self.lookup = {}
        for k in range(len(color_map)):
            self.lookup[tuple(color_map[k])] = k
        self.size = size

    def __len__(self):
        return len(self.names)

    def convert_to_segmentation_mask(self, mask):
        h, w = mask.shape[0], mask.shape[1]
        out = np.zeros((h, w), dtype=np.int64)
        for i in range(h):
            for j in range(w):
                colour = (int(mask[i, j, 0]), int(mask[i, j, 1]), int(mask[i, j, 2]))
                out[i, j] = self.lookup.get(colour, 255)
        return out

    def __getitem__(self, idx):
        name = self.names[idx]
        img = Image.open(os.path.join(self.base, "JPEGImages", name + ".jpg")).convert("RGB")
        img = img.resize((self.size, self.size), Image.BILINEAR)
        seg = Image.open(os.path.join(self.base, "SegmentationClass", name + ".png")).convert("RGB")
        seg = seg.resize((self.size, self.size), Image.NEAREST)
        arr = np.array(img).astype(np.float32) / 255.0
        arr = np.transpose(arr, (2, 0, 1)).copy()
        labels = self.convert_to_segmentation_mask(np.array(seg))
        return torch.tensor(arr), torch.tensor(labels)
